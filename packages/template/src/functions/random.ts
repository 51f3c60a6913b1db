import { FuncError } from '../engine/errors.js';
import { base64Encode } from '../go/base.js';
import { encodeRune, rawToBytes, runesOf } from '../go/bytes.js';
import { checkSize, int, str, type CallContext, type FuncDef, type FuncTable } from './types.js';

/**
 * sprig's random functions. Their output changes on every render, so a SealedSecret that uses them gets a new
 * Secret value on every reconcile, exactly as with the Go controller (README.md, "Functions"). Randomness comes
 * from the caller's Environment (crypto-strength by default).
 */

/** A uniform integer in [0, n) from the environment's random bytes (rejection sampling, no modulo bias). */
function uniform(ctx: CallContext, n: number): number {
  if (n <= 1) return 0;
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const [a = 0, b = 0, c = 0, d = 0] = ctx.env.randomBytes(4);
    const x = ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
    if (x < limit) return x % n;
  }
}

const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
let ascii = '';
for (let c = 32; c < 127; c++) ascii += String.fromCharCode(c);
const ASCII = ascii;

/**
 * goutils.CryptoRandom* as sprig calls them: `count` characters of the alphabet; a negative count is goutils'
 * error, which sprig discards (empty string).
 */
function randomString(alphabet: string): FuncDef {
  return {
    params: ['int'],
    cost: 'self',
    call: ([count], ctx) => {
      const n = int(count);
      if (n <= 0) return '';
      checkSize(n);
      ctx.charge(n * 8);
      let out = '';
      for (let i = 0; i < n; i++) out += alphabet[uniform(ctx, alphabet.length)];
      return out;
    },
  };
}

export const RANDOM: FuncTable = {
  randAlphaNum: randomString(ALPHA + DIGITS),
  randAlpha: randomString(ALPHA),
  randAscii: randomString(ASCII),
  randNumeric: randomString(DIGITS),
  randInt: {
    params: ['int', 'int'],
    cost: 'self',
    call: ([min, max], ctx) => {
      const lo = min as bigint;
      const span = (max as bigint) - lo;
      // rand.Intn(max-min) + min: Intn panics on n <= 0; n is a Go int (64 bits).
      if (span <= 0n || span > 0x7fff_ffff_ffff_ffffn) throw new FuncError('invalid argument to Intn');
      const bytes = ctx.env.randomBytes(8);
      let x = 0n;
      for (const b of bytes) x = (x << 8n) | BigInt(b);
      // 64 random bits modulo a span ≤ 2^63: a bias below 2^-1 only for spans near 2^63, irrelevant here.
      return lo + (x % span);
    },
  },
  randBytes: {
    params: ['int'],
    cost: 'self',
    call: ([count], ctx) => {
      const n = int(count);
      if (n < 0) throw new FuncError('runtime error: makeslice: len out of range');
      checkSize(Math.ceil(n / 3) * 4);
      ctx.charge(n * 2);
      return base64Encode(rawToBytes(ctx.env.randomBytes(n)));
    },
  },
  /** xstrings.Shuffle: the runes of s in random order (Fisher–Yates); an invalid byte becomes U+FFFD. */
  shuffle: {
    params: ['string'],
    call: ([s], ctx) => {
      const runes = runesOf(str(s)).map((r) => encodeRune(r.rune));
      ctx.charge(runes.length * 8);
      for (let i = runes.length - 1; i > 0; i--) {
        const j = uniform(ctx, i + 1);
        [runes[i], runes[j]] = [runes[j] ?? '', runes[i] ?? ''];
      }
      return runes.join('');
    },
  },
  /** uuid.New(): a version 4, variant RFC 4122 UUID. */
  uuidv4: {
    params: [],
    call: (_args, ctx) => {
      const b = ctx.env.randomBytes(16);
      b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
      b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
      const hex = Buffer.from(b).toString('hex');
      return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    },
  },
};
