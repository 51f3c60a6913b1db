import { SealedSecretsError } from '../errors.js';

const PAD = 0x3d; // '='
const CR = 0x0d;
const LF = 0x0a;
const INVALID = 0xff;

const DECODE_MAP = (() => {
  const map = new Uint8Array(256).fill(INVALID);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) map[alphabet.charCodeAt(i)] = i;
  return map;
})();

/**
 * Canonical padded standard base64 (Node's lenient decoder gives the same bytes as Go for exactly these inputs),
 * checked in one loop: a regular expression with a repeated group recursed once per quantum and overflowed the
 * stack on values over about 3.4 MiB.
 */
function isCanonical(text: string): boolean {
  const n = text.length;
  if (n % 4 !== 0) return false;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  for (let i = 0; i < n - padding; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f || DECODE_MAP[c] === INVALID) return false;
  }
  return true;
}

function corrupt(offset: number): SealedSecretsError {
  return new SealedSecretsError('INVALID_BASE64', `illegal base64 data at input byte ${offset}`);
}

function isNewline(byte: number | undefined): boolean {
  return byte === CR || byte === LF;
}

/**
 * Go `base64.StdEncoding.DecodeString` semantics: standard alphabet, `=` padding required, CR/LF skipped, anything
 * else → SealedSecretsError INVALID_BASE64 with Go's text `illegal base64 data at input byte N`.
 */
export function decodeBase64Strict(text: string): Buffer {
  if (isCanonical(text)) return Buffer.from(text, 'base64');
  return decodeQuanta(Buffer.from(text, 'utf8'));
}

/**
 * A port of the behaviour of Go's decodeQuantum loop, including its error offsets (which are byte offsets into the
 * UTF-8 input, newlines included). Non-zero trailing bits are accepted, as StdEncoding is not Strict().
 */
function decodeQuanta(src: Buffer): Buffer {
  const out = Buffer.allocUnsafe(Math.ceil(src.length / 4) * 3);
  let length = 0;
  let si = 0;
  while (si < src.length) {
    const quantum = [0, 0, 0, 0];
    let dlen = 4;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return out.subarray(0, length);
        // Padding is mandatory, so a quantum cut short is always an error.
        throw corrupt(si - j);
      }
      const byte = src[si] ?? INVALID;
      si++;
      const value = DECODE_MAP[byte] ?? INVALID;
      if (value !== INVALID) {
        quantum[j] = value;
        continue;
      }
      if (isNewline(byte)) {
        j--;
        continue;
      }
      if (byte !== PAD) throw corrupt(si - 1);
      if (j === 0 || j === 1) throw corrupt(si - 1);
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) throw corrupt(src.length);
        if (src[si] !== PAD) throw corrupt(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) throw corrupt(si);
      dlen = j;
      break;
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum;
    const bits = (a << 18) | (b << 12) | (c << 6) | d;
    out[length++] = (bits >> 16) & 0xff;
    if (dlen >= 3) out[length++] = (bits >> 8) & 0xff;
    if (dlen === 4) out[length++] = bits & 0xff;
  }
  return out.subarray(0, length);
}
