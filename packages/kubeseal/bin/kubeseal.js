#!/usr/bin/env node
import { run } from '../dist/main.js';
import { flushStdio, nodeIo } from '../dist/io/node-io.js';

const code = await run(process.argv.slice(2), nodeIo(), process.env);
await flushStdio();
process.exit(code);
