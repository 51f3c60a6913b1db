import { open } from 'node:fs/promises';
import type { Io, OutputStream } from './io.js';

function outputStream(stream: NodeJS.WriteStream): OutputStream {
  return { isTTY: stream.isTTY === true, write: (chunk) => void stream.write(chunk) };
}

/** Collects chunks until the end, or until more than `maxBytes` arrived (then stops reading). */
async function collect(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    parts.push(Buffer.from(chunk));
    total += chunk.byteLength;
    if (total > maxBytes) break;
  }
  return Buffer.concat(parts, Math.min(total, maxBytes + 1));
}

/** The real process streams and file system. */
export function nodeIo(): Io {
  return {
    stdin: {
      isTTY: process.stdin.isTTY === true,
      readAll: (maxBytes = Infinity) => collect(process.stdin as AsyncIterable<Uint8Array>, maxBytes),
    },
    stdout: outputStream(process.stdout),
    stderr: outputStream(process.stderr),
    fs: {
      async readFile(path, maxBytes = Infinity) {
        const file = await open(path, 'r');
        try {
          // A stream, not one read of the whole file: also bounded for FIFOs and devices, whose size is unknown.
          return await collect(file.createReadStream({ autoClose: false }), maxBytes);
        } finally {
          await file.close();
        }
      },
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
