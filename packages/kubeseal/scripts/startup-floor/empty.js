// Does nothing: the cost of a single executable (and of its snapshot) itself.
import { start } from './start.js';

start(() => '', [[], '']);
