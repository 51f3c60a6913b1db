/**
 * Go's encoding/base64 and encoding/base32 StdEncoding on byte strings. Decoding follows Go's algorithm so that
 * the error text sprig returns *as the value* (`illegal base64 data at input byte N`) is identical.
 */

export type DecodeResult = { ok: true; bytes: string } | { ok: false; offset: number };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base64Encode(s: string): string {
  return Buffer.from(s, 'latin1').toString('base64');
}

export function base64Decode(src: string): DecodeResult {
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
      si++;
      const v = B64.indexOf(c);
      if (v >= 0 && c !== '') {
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
  let out = '';
  for (let i = 0; i < s.length; i += 5) {
    const chunk = s.slice(i, i + 5);
    let bits = 0n;
    for (let k = 0; k < 5; k++) bits = (bits << 8n) | BigInt(k < chunk.length ? chunk.charCodeAt(k) : 0);
    const chars = [1, 2, 4, 5, 7, 8][chunk.length] ?? 8;
    for (let k = 0; k < 8; k++) {
      out += k < chars ? B32[Number((bits >> BigInt(35 - 5 * k)) & 31n)] : '=';
    }
  }
  return out;
}

export function base32Decode(input: string): DecodeResult {
  const src = input.replace(/[\r\n]/g, '');
  const olen = src.length;
  let rest = src;
  let out = '';
  let end = false;
  while (rest.length > 0 && !end) {
    const dbuf = [0, 0, 0, 0, 0, 0, 0, 0];
    let dlen = 8;
    for (let j = 0; j < 8;) {
      if (rest.length === 0) return { ok: false, offset: olen - rest.length - j };
      const c = rest[0] ?? '';
      rest = rest.slice(1);
      if (c === '=' && j >= 2 && rest.length < 8) {
        if (rest.length + j < 8 - 1) return { ok: false, offset: olen };
        for (let k = 0; k < 8 - 1 - j; k++) {
          if (rest.length > k && rest[k] !== '=') return { ok: false, offset: olen - rest.length + k - 1 };
        }
        dlen = j;
        end = true;
        if (dlen === 1 || dlen === 3 || dlen === 6) return { ok: false, offset: olen - rest.length - 1 };
        break;
      }
      const v = B32.indexOf(c);
      if (v < 0 || c === '') return { ok: false, offset: olen - rest.length - 1 };
      dbuf[j] = v;
      j++;
    }
    let bits = 0n;
    for (const v of dbuf) bits = (bits << 5n) | BigInt(v);
    const produced = [5, 0, 1, 0, 2, 3, 0, 4, 5][dlen] ?? 5;
    for (let k = 0; k < produced; k++)
      out += String.fromCharCode(Number((bits >> BigInt(32 - 8 * k)) & 0xffn));
  }
  return { ok: true, bytes: out };
}
