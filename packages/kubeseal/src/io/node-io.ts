import { readFile } from 'node:fs/promises';
import type { Io, OutputStream } from './io.js';

function outputStream(stream: NodeJS.WriteStream): OutputStream {
  return { isTTY: stream.isTTY === true, write: (chunk) => void stream.write(chunk) };
}

/** The real process streams and file system. */
export function nodeIo(): Io {
  return {
    stdin: {
      isTTY: process.stdin.isTTY === true,
      async readAll() {
        const chunks: Buffer[] = [];
        for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
        return Buffer.concat(chunks);
      },
    },
    stdout: outputStream(process.stdout),
    stderr: outputStream(process.stderr),
    fs: {
      readFile: (path) => readFile(path),
      // Loaded on first use: it needs node:crypto, which commands that write no file would load for nothing.
      writeFileAtomic: async (path, data) => (await import('./atomic-write.js')).writeFileAtomic(path, data),
    },
    now: () => new Date(),
  };
}

/** Resolves once everything written so far to stdout and stderr has been handed to the OS. */
export function flushStdio(): Promise<void> {
  const drain = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => stream.write('', () => resolve()));
  return Promise.all([drain(process.stdout), drain(process.stderr)]).then(() => undefined);
}
