/**
 * Go strings are byte sequences. The template engine represents them as "byte strings": JS strings whose code
 * units are all 0–255, one per byte. Concatenation, slicing, comparison and `len` are then exactly Go's byte
 * semantics, output is exact (`Buffer.from(s, 'latin1')`), and text functions decode UTF-8 the way Go does.
 */

export const RUNE_ERROR = 0xfffd;

/** UTF-16 source text (template source, our own messages) to a byte string of its UTF-8 encoding. */
export function textToBytes(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export function rawToBytes(raw: Uint8Array): string {
  return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
}

export function bytesToBuffer(bytes: string): Buffer {
  return Buffer.from(bytes, 'latin1');
}

/**
 * Decodes one rune at byte offset `i` exactly like Go's utf8.DecodeRuneInString: an invalid or truncated
 * sequence yields (RuneError, 1), so every bad byte becomes its own U+FFFD.
 */
export function decodeRune(s: string, i: number): [rune: number, size: number] {
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return [b0, 1];
  const cont = (k: number, lo = 0x80, hi = 0xbf): number => {
    const b = i + k < s.length ? s.charCodeAt(i + k) : -1;
    return b >= lo && b <= hi ? b & 0x3f : -1;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(1);
    return c1 < 0 ? [RUNE_ERROR, 1] : [((b0 & 0x1f) << 6) | c1, 2];
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const c1 = cont(1, b0 === 0xe0 ? 0xa0 : 0x80, b0 === 0xed ? 0x9f : 0xbf);
    const c2 = c1 < 0 ? -1 : cont(2);
    return c2 < 0 ? [RUNE_ERROR, 1] : [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3];
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const c1 = cont(1, b0 === 0xf0 ? 0x90 : 0x80, b0 === 0xf4 ? 0x8f : 0xbf);
    const c2 = c1 < 0 ? -1 : cont(2);
    const c3 = c2 < 0 ? -1 : cont(3);
    return c3 < 0 ? [RUNE_ERROR, 1] : [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4];
  }
  return [RUNE_ERROR, 1];
}

/** Decodes the rune that ends at byte offset `end` (exclusive), like utf8.DecodeLastRuneInString. */
export function decodeLastRune(s: string, end: number): [rune: number, size: number] {
  const lim = Math.max(0, end - 4);
  for (let start = end - 1; start >= lim; start--) {
    const b = s.charCodeAt(start);
    if ((b & 0xc0) !== 0x80) {
      const [r, size] = decodeRune(s, start);
      return start + size === end ? [r, size] : [RUNE_ERROR, 1];
    }
  }
  return [RUNE_ERROR, 1];
}

export interface RuneAt {
  readonly rune: number;
  readonly start: number;
  readonly size: number;
}

export function runesOf(s: string): RuneAt[] {
  const out: RuneAt[] = [];
  for (let i = 0; i < s.length;) {
    const [rune, size] = decodeRune(s, i);
    out.push({ rune, start: i, size });
    i += size;
  }
  return out;
}

export function encodeRune(r: number): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = RUNE_ERROR;
  if (r < 0x80) return String.fromCharCode(r);
  if (r < 0x800) return String.fromCharCode(0xc0 | (r >> 6), 0x80 | (r & 0x3f));
  if (r < 0x10000) {
    return String.fromCharCode(0xe0 | (r >> 12), 0x80 | ((r >> 6) & 0x3f), 0x80 | (r & 0x3f));
  }
  return String.fromCharCode(
    0xf0 | (r >> 18),
    0x80 | ((r >> 12) & 0x3f),
    0x80 | ((r >> 6) & 0x3f),
    0x80 | (r & 0x3f),
  );
}

/** Byte string to UTF-16 text, each invalid byte becoming U+FFFD (Go's `[]rune(s)` conversion). */
export function bytesToText(s: string): string {
  let out = '';
  for (let i = 0; i < s.length;) {
    const [r, size] = decodeRune(s, i);
    out += String.fromCodePoint(r);
    i += size;
  }
  return out;
}

/** Rewrites each rune through `f`, like Go's strings.Map (invalid bytes are seen, and kept, as U+FFFD). */
export function mapRunes(s: string, f: (r: number, prev: number) => number): string {
  let out = '';
  let prev = 0x20;
  for (let i = 0; i < s.length;) {
    const [r, size] = decodeRune(s, i);
    out += encodeRune(f(r, prev));
    prev = r;
    i += size;
  }
  return out;
}

export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; n++) i += decodeRune(s, i)[1];
  return n;
}
