/**
 * Go's encoding/base64 and encoding/base32 StdEncoding on byte strings. Decoding follows Go's algorithm so that
 * the error text sprig returns *as the value* (`illegal base64 data at input byte N`) is identical.
 */

export type DecodeResult = { ok: true; bytes: string } | { ok: false; offset: number };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Byte → digit value, -1 for anything else (the decoders run over untrusted megabytes: no per-byte scans). */
function decodeTable(alphabet: string): Int8Array {
  const table = new Int8Array(256).fill(-1);
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const B64_VALUE = decodeTable(B64);
const B32_VALUE = decodeTable(B32);

export function base64Encode(s: string): string {
  return Buffer.from(s, 'latin1').toString('base64');
}

/** Canonical padded base64 without line breaks: Go and Node decode it identically (Go ignores trailing bits too). */
const PLAIN_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function base64Decode(src: string): DecodeResult {
  // The common case natively; Go's loop below only for input with line breaks or errors (it finds the offset).
  if (PLAIN_BASE64.test(src)) return { ok: true, bytes: Buffer.from(src, 'base64').toString('latin1') };
  let out = '';
  let si = 0;
  const isNewline = (c: string | undefined): boolean => c === '\n' || c === '\r';
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailingGarbage = -1;
    let j = 0;
    for (; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return { ok: true, bytes: out };
        return { ok: false, offset: si - j };
      }
      const c = src[si] ?? '';
      const v = B64_VALUE[src.charCodeAt(si) & 0xff] ?? -1;
      si++;
      if (v >= 0 && src.charCodeAt(si - 1) < 256) {
        dbuf[j] = v;
        continue;
      }
      if (isNewline(c)) {
        j--;
        continue;
      }
      if (c !== '=') return { ok: false, offset: si - 1 };
      if (j === 0 || j === 1) return { ok: false, offset: si - 1 };
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) return { ok: false, offset: src.length };
        if (src[si] !== '=') return { ok: false, offset: si - 1 };
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) trailingGarbage = si;
      dlen = j;
      break;
    }
    const val = ((dbuf[0] ?? 0) << 18) | ((dbuf[1] ?? 0) << 12) | ((dbuf[2] ?? 0) << 6) | (dbuf[3] ?? 0);
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out += String.fromCharCode(...bytes.slice(0, dlen - 1));
    if (trailingGarbage >= 0) return { ok: false, offset: trailingGarbage };
    if (dlen < 4) break;
  }
  return { ok: true, bytes: out };
}

export function base32Encode(s: string): string {
  const src = Buffer.from(s, 'latin1');
  const out = Buffer.alloc(Math.ceil(src.length / 5) * 8, 0x3d);
  for (let i = 0, o = 0; i < src.length; i += 5, o += 8) {
    const n = Math.min(5, src.length - i);
    const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0] = src.subarray(i, i + n);
    const digits = [
      b0 >> 3,
      ((b0 & 7) << 2) | (b1 >> 6),
      (b1 >> 1) & 31,
      ((b1 & 1) << 4) | (b2 >> 4),
      ((b2 & 15) << 1) | (b3 >> 7),
      (b3 >> 2) & 31,
      ((b3 & 3) << 3) | (b4 >> 5),
      b4 & 31,
    ];
    const chars = [0, 2, 4, 5, 7, 8][n] ?? 8;
    for (let k = 0; k < chars; k++) out[o + k] = B32.charCodeAt(digits[k] ?? 0);
  }
  return out.toString('latin1');
}

export function base32Decode(input: string): DecodeResult {
  const src = input.replace(/[\r\n]/g, '');
  const olen = src.length;
  let pos = 0; // Go's loop consumes `src` from the front; `olen - pos` is what remains of it
  const out: number[] = [];
  let end = false;
  while (pos < olen && !end) {
    const dbuf = [0, 0, 0, 0, 0, 0, 0, 0];
    let dlen = 8;
    for (let j = 0; j < 8;) {
      if (pos === olen) return { ok: false, offset: pos - j };
      const c = src.charCodeAt(pos++);
      const rest = olen - pos;
      if (c === 0x3d && j >= 2 && rest < 8) {
        if (rest + j < 8 - 1) return { ok: false, offset: olen };
        for (let k = 0; k < 8 - 1 - j; k++) {
          if (rest > k && src[pos + k] !== '=') return { ok: false, offset: pos + k - 1 };
        }
        dlen = j;
        end = true;
        if (dlen === 1 || dlen === 3 || dlen === 6) return { ok: false, offset: pos - 1 };
        break;
      }
      const v = c > 255 ? -1 : (B32_VALUE[c] ?? -1);
      if (v < 0) return { ok: false, offset: pos - 1 };
      dbuf[j] = v;
      j++;
    }
    const [v0 = 0, v1 = 0, v2 = 0, v3 = 0, v4 = 0, v5 = 0, v6 = 0, v7 = 0] = dbuf;
    const bytes = [
      (v0 << 3) | (v1 >> 2),
      ((v1 & 3) << 6) | (v2 << 1) | (v3 >> 4),
      ((v3 & 15) << 4) | (v4 >> 1),
      ((v4 & 1) << 7) | (v5 << 2) | (v6 >> 3),
      ((v6 & 7) << 5) | v7,
    ];
    const produced = [5, 0, 1, 0, 2, 3, 0, 4, 5][dlen] ?? 5;
    for (let k = 0; k < produced; k++) out.push((bytes[k] ?? 0) & 0xff);
  }
  return { ok: true, bytes: Buffer.from(out).toString('latin1') };
}
