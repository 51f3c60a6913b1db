import type { Io } from '../io/io.js';

export interface MemoryIoOptions {
  stdin?: string | Buffer;
  stdinIsTTY?: boolean;
  stderrIsTTY?: boolean;
  files?: Record<string, string | Buffer>;
  now?: Date;
  /** Makes writeFileAtomic fail, to test that nothing is left behind. */
  failWrites?: boolean;
}

export interface MemoryIo {
  io: Io;
  stdout(): string;
  stdoutBytes(): Buffer;
  stderr(): string;
  files: Map<string, Buffer>;
  /** Paths written during the run, in order. */
  written: string[];
  /** Paths read (readFile) during the run, in order, whether they existed or not. */
  read: string[];
  stdinReads(): number;
}

function enoent(path: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
}

/** An in-memory Io: files in a Map, stdout/stderr captured. */
export function memoryIo(options: MemoryIoOptions = {}): MemoryIo {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const files = new Map<string, Buffer>(
    Object.entries(options.files ?? {}).map(([k, v]) => [k, Buffer.from(v)] as const),
  );
  const written: string[] = [];
  const read: string[] = [];
  let reads = 0;
  const io: Io = {
    stdin: {
      isTTY: options.stdinIsTTY ?? false,
      readAll: (maxBytes = Infinity) => {
        reads++;
        const data = Buffer.from(options.stdin ?? '');
        return Promise.resolve(data.length > maxBytes ? data.subarray(0, maxBytes + 1) : data);
      },
    },
    stdout: { isTTY: false, write: (c) => void out.push(Buffer.from(c)) },
    stderr: { isTTY: options.stderrIsTTY ?? false, write: (c) => void err.push(Buffer.from(c)) },
    fs: {
      readFile: (path, maxBytes = Infinity) => {
        read.push(path);
        const data = files.get(path);
        if (data === undefined) return Promise.reject(enoent(path));
        return Promise.resolve(Buffer.from(data.length > maxBytes ? data.subarray(0, maxBytes + 1) : data));
      },
      listDir: (path) => {
        const prefix = path.endsWith('/') ? path : `${path}/`;
        const names = [...files.keys()]
          .filter((f) => f.startsWith(prefix))
          .map((f) => f.slice(prefix.length).split('/')[0] ?? '');
        return Promise.resolve(names.length === 0 ? undefined : [...new Set(names)]);
      },
      writeFileAtomic: (path, data) => {
        if (options.failWrites === true) return Promise.reject(new Error('disk full'));
        files.set(path, Buffer.from(data));
        written.push(path);
        return Promise.resolve();
      },
    },
    now: () => options.now ?? new Date('2027-01-01T00:00:00Z'),
  };
  return {
    io,
    stdout: () => Buffer.concat(out).toString('utf8'),
    stdoutBytes: () => Buffer.concat(out),
    stderr: () => Buffer.concat(err).toString('utf8'),
    files,
    written,
    read,
    stdinReads: () => reads,
  };
}
