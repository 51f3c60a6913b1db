/** A readable standard input. */
export interface InputStream {
  readonly isTTY: boolean;
  /**
   * Reads everything until end of input, or stops after more than `maxBytes` bytes (it then returns what it read,
   * longer than `maxBytes`, so that the caller can refuse it without holding an unbounded input in memory).
   */
  readAll(maxBytes?: number): Promise<Buffer>;
}

/** A writable standard stream. */
export interface OutputStream {
  readonly isTTY: boolean;
  write(chunk: string | Uint8Array): void;
}

/** The file-system calls the CLI makes; errors carry Node's `code` (ENOENT, …). */
export interface FileSystem {
  /** Reads a file, or only its first `maxBytes + 1` bytes when it is larger than `maxBytes`. */
  readFile(path: string, maxBytes?: number): Promise<Buffer>;
  /** Replaces `path` atomically (temp file in the same directory + rename); a failure leaves `path` untouched. */
  writeFileAtomic(path: string, data: string | Uint8Array): Promise<void>;
  /** Creates a directory and its parents (mode 0700), for files kubeseal keeps (the known certificates). */
  mkdirp?(dir: string): Promise<void>;
  /** The names in a directory; undefined when `path` is not a directory (or does not exist). */
  listDir?(path: string): Promise<string[] | undefined>;
}

/** Every effect the CLI has, so tests can run it in memory. */
export interface Io {
  readonly stdin: InputStream;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly fs: FileSystem;
  /** The clock, for certificate expiry. */
  now(): Date;
}
