import { spawn } from 'node:child_process';
import { readRss } from './rss.js';

// An idle Node process, optionally with idle worker threads, that prints "ready" once they are all up.
const SCRIPT = `
const { Worker } = require('node:worker_threads');
const n = Number(process.argv[1]);
let up = 0;
const ready = () => { if (up === n) process.stdout.write('ready\\n'); };
for (let i = 0; i < n; i++) {
  const w = new Worker("require('node:worker_threads').parentPort.postMessage('up'); setInterval(() => {}, 1e6);", { eval: true });
  w.once('message', () => { up++; ready(); });
}
ready();
setInterval(() => {}, 1e6);
`;

/** RSS of an idle `node` with `workers` idle worker threads: the floor any Node controller starts from. */
export async function referenceRss(workers: number, settleMs = 1_000): Promise<number | undefined> {
  const child = spawn(process.execPath, ['-e', SCRIPT, String(workers)], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('reference process did not start')), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error('reference process exited'));
      });
    });
    await new Promise((r) => setTimeout(r, settleMs));
    return child.pid === undefined ? undefined : readRss(child.pid)?.rssBytes;
  } catch {
    return undefined;
  } finally {
    child.kill('SIGKILL');
  }
}
