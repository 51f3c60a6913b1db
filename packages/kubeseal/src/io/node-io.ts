import { closeSync, mkdirSync, openSync, readdirSync, readSync } from 'node:fs';
import { isatty } from 'node:tty';
import type { Io, OutputStream } from './io.js';

/**
 * The exit status when the reader of stdout or stderr went away (`kubeseal … | head -1`): a Go program, upstream
 * kubeseal included, is killed by SIGPIPE there, which a shell shows as 128 + 13.
 */
export const BROKEN_PIPE_EXIT = 141;

function outputStream(stream: NodeJS.WriteStream): OutputStream {
  // Ends quietly, as upstream does, instead of an unhandled 'error' event and its stack trace; a file being
  // written is whole or absent either way (writes are synchronous, to a temporary file and renamed).
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(BROKEN_PIPE_EXIT);
    throw error;
  });
  return { isTTY: stream.isTTY === true, write: (chunk) => void stream.write(chunk) };
}

const CHUNK_BYTES = 64 * 1024;

interface Collected {
  readonly parts: Buffer[];
  total: number;
}

const done = (c: Collected, maxBytes: number): Buffer =>
  Buffer.concat(c.parts, Math.min(c.total, maxBytes + 1));

/**
 * Reads `fd` with blocking reads until its end or until more than `maxBytes` arrived. Synchronous on purpose: a
 * short-lived CLI saves creating a stream (measured in the start-up snapshot: 137 M instead of 153 M instructions
 * for `--raw`). Returns false when the descriptor is non-blocking and has no data yet (EAGAIN).
 */
function readSyncUntil(fd: number, maxBytes: number, into: Collected): boolean {
  while (into.total <= maxBytes) {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, CHUNK_BYTES, null);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EAGAIN') return false;
      if (code === 'EOF') return true;
      throw error;
    }
    if (n === 0) return true;
    into.parts.push(chunk.subarray(0, n));
    into.total += n;
  }
  return true;
}

/** Stdin: blocking reads, or the stream when stdin is non-blocking (then what was read so far is kept). */
async function readStdin(maxBytes: number): Promise<Buffer> {
  const collected: Collected = { parts: [], total: 0 };
  if (readSyncUntil(0, maxBytes, collected)) return done(collected, maxBytes);
  for await (const chunk of process.stdin as AsyncIterable<Uint8Array>) {
    collected.parts.push(Buffer.from(chunk));
    collected.total += chunk.byteLength;
    if (collected.total > maxBytes) break;
  }
  return done(collected, maxBytes);
}

/** The real process streams and file system. */
export function nodeIo(): Io {
  return {
    stdin: {
      // isatty, not process.stdin.isTTY: the getter creates the stdin stream, which blocking reads do not need.
      isTTY: isatty(0),
      readAll: (maxBytes = Infinity) => readStdin(maxBytes),
    },
    stdout: outputStream(process.stdout),
    stderr: outputStream(process.stderr),
    fs: {
      readFile(path, maxBytes = Infinity) {
        try {
          const fd = openSync(path, 'r');
          try {
            // Read in chunks rather than by size: also bounded for FIFOs and devices, whose size is unknown.
            const collected: Collected = { parts: [], total: 0 };
            readSyncUntil(fd, maxBytes, collected);
            return Promise.resolve(done(collected, maxBytes));
          } finally {
            closeSync(fd);
          }
        } catch (error) {
          return Promise.reject(error as Error);
        }
      },
      // Loaded on first use: it needs node:crypto, which commands that write no file would load for nothing. New
      // files are 0600 as upstream's (`--recovery-unseal -w` writes plaintext); an existing file keeps its mode.
      writeFileAtomic: async (path, data) =>
        (await import('@ssts/kube/files')).writeFileAtomicSync(path, data),
      // Synchronous node:fs on purpose: a dynamic import() of a built-in fails in the start-up snapshot.
      listDir(path) {
        try {
          return Promise.resolve(readdirSync(path));
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (code === 'ENOTDIR' || code === 'ENOENT') return Promise.resolve(undefined);
          return Promise.reject(error as Error);
        }
      },
      mkdirp(dir) {
        try {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          return Promise.resolve();
        } catch (error) {
          return Promise.reject(error as Error);
        }
      },
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
