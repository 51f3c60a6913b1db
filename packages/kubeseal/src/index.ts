export { run } from './main.js';
export type { Io, InputStream, OutputStream, FileSystem } from './io/io.js';
export { nodeIo } from './io/node-io.js';
export { VERSION } from './version.js';
