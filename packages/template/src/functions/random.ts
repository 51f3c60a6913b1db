import { FuncError } from '../engine/errors.js';
import { base64Encode } from '../go/base.js';
import { encodeRune, rawToBytes, runesOf } from '../go/bytes.js';
import { checkSize, int, str, type CallContext, type FuncDef, type FuncTable } from './types.js';

/**
 * sprig's random functions. Their output changes on every render, so a SealedSecret that uses them gets a new
 * Secret value on every reconcile, exactly as with the Go controller (README.md, "Functions"). Randomness comes
 * from the caller's Environment (crypto-strength by default).
 */

/** Random bytes drawn from the environment in batches (one call per byte would cost microseconds each). */
class RandomStream {
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  constructor(
    private readonly ctx: CallContext,
    private readonly batch: number,
  ) {}

  byte(): number {
    if (this.#pos >= this.#buf.length) {
      this.#buf = this.ctx.env.randomBytes(this.batch);
      this.#pos = 0;
    }
    return this.#buf[this.#pos++] ?? 0;
  }

  /** A uniform integer in [0, n), n ≤ 2^32 (rejection sampling: no modulo bias). */
  below(n: number): number {
    if (n <= 1) return 0;
    const bytes = n <= 256 ? 1 : 4;
    const range = 2 ** (8 * bytes);
    const limit = Math.floor(range / n) * n;
    for (;;) {
      let x = 0;
      for (let i = 0; i < bytes; i++) x = x * 256 + this.byte();
      if (x < limit) return x % n;
    }
  }
}

/** A random character costs about 0.4 µs (a batch of random bytes, a rejection draw): ~30 units. */
const RANDOM_UNITS_PER_CHAR = 32;

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
      ctx.charge(n * RANDOM_UNITS_PER_CHAR);
      const random = new RandomStream(ctx, Math.min(2 * n + 16, 1 << 16));
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push(alphabet[random.below(alphabet.length)] ?? '');
      return out.join('');
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
      ctx.charge(runes.length * RANDOM_UNITS_PER_CHAR);
      const random = new RandomStream(ctx, Math.min(4 * runes.length + 16, 1 << 16));
      for (let i = runes.length - 1; i > 0; i--) {
        const j = random.below(i + 1);
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
