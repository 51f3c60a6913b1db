/**
 * Splits a byte stream into newline-terminated lines without building strings of unbounded size: a line longer
 * than `maxLineBytes` is reported through `onOverflow` as soon as that many bytes arrived without a newline.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #onLine: (line: Buffer) => void;
  readonly #onOverflow: (bytes: number) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #overflowed = false;

  constructor(maxLineBytes: number, onLine: (line: Buffer) => void, onOverflow: (bytes: number) => void) {
    this.#maxLineBytes = maxLineBytes;
    this.#onLine = onLine;
    this.#onOverflow = onOverflow;
  }

  push(chunk: Buffer): void {
    if (this.#overflowed) return;
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, newline);
      if (this.#pendingBytes + piece.length > this.#maxLineBytes) return this.#overflow(piece.length);
      const line =
        this.#pending.length === 0
          ? piece
          : Buffer.concat([...this.#pending, piece], this.#pendingBytes + piece.length);
      this.#pending = [];
      this.#pendingBytes = 0;
      start = newline + 1;
      this.#onLine(line);
      if (this.#overflowed) return;
    }
    const rest = chunk.subarray(start);
    if (rest.length === 0) return;
    if (this.#pendingBytes + rest.length > this.#maxLineBytes) return this.#overflow(rest.length);
    // Copy: the chunk's memory may be a slab shared with other data.
    this.#pending.push(Buffer.from(rest));
    this.#pendingBytes += rest.length;
  }

  /** The unterminated last line, if any (a stream that ends without a newline). */
  end(): void {
    if (this.#overflowed || this.#pendingBytes === 0) return;
    const line = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#onLine(line);
  }

  /** Stops delivering lines (e.g. after a line was refused by the caller). */
  stop(): void {
    this.#overflowed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #overflow(extra: number): void {
    const bytes = this.#pendingBytes + extra;
    this.stop();
    this.#onOverflow(bytes);
  }
}
