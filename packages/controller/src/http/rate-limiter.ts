import { createHash } from 'node:crypto';

/** The outcome of one rate-limit check, with the values of the X-RateLimit-* headers. */
export interface RateLimitResult {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the limiter is back to its full burst. */
  readonly resetSeconds: number;
  /** Seconds until a denied request may be retried (0 when allowed). */
  readonly retryAfterSeconds: number;
}

export interface GcraOptions {
  /** Sustained requests per second. */
  readonly ratePerSecond: number;
  /** Extra requests allowed back to back: up to `burst + 1` in a row (throttled's semantics). */
  readonly burst: number;
  readonly now: () => number;
  /** Keys remembered; the oldest is evicted beyond this (upstream: 65 536). */
  readonly maxKeys?: number;
}

/**
 * Generic cell rate algorithm, as in throttled v2 which upstream uses for /v1/verify (compat §5.3). A small
 * in-house version: the well-known fastify plugin counts fixed windows and would change the burst behaviour.
 */
export class GcraLimiter {
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #limit: number;
  readonly #now: () => number;
  readonly #maxKeys: number;
  readonly #tat = new Map<string, number>();
  #keyChars = 0;

  constructor(options: GcraOptions) {
    this.#interval = 1000 / Math.max(options.ratePerSecond, Number.MIN_VALUE);
    this.#limit = Math.max(0, options.burst) + 1;
    this.#tolerance = this.#interval * this.#limit;
    this.#now = options.now;
    this.#maxKeys = options.maxKeys ?? 65_536;
  }

  /** Buckets remembered. */
  get size(): number {
    return this.#tat.size;
  }

  /** Characters of all remembered keys (each key is at most MAX_KEY_CHARS + the path, see rateLimitKey). */
  get keyChars(): number {
    return this.#keyChars;
  }

  check(key: string): RateLimitResult {
    const now = this.#now();
    const tat = Math.max(this.#tat.get(key) ?? now, now);
    const newTat = tat + this.#interval;
    const diff = now - (newTat - this.#tolerance);
    const remaining = Math.floor(diff / this.#interval);
    if (remaining < 0) {
      return {
        allowed: false,
        limit: this.#limit,
        remaining: 0,
        resetSeconds: Math.ceil((tat - now) / 1000),
        retryAfterSeconds: Math.ceil(-diff / 1000),
      };
    }
    // Map iteration order is insertion order: re-inserting makes this the most recently used bucket.
    if (!this.#tat.delete(key)) this.#keyChars += key.length;
    this.#tat.set(key, newTat);
    while (this.#tat.size > this.#maxKeys) {
      const oldest = this.#tat.keys().next();
      if (oldest.done === true) break;
      this.#tat.delete(oldest.value);
      this.#keyChars -= oldest.value.length;
    }
    return {
      allowed: true,
      limit: this.#limit,
      remaining,
      resetSeconds: Math.ceil((newTat - now) / 1000),
      retryAfterSeconds: 0,
    };
  }
}

/** Longer client identities are replaced by their SHA-256, so a bucket's key never holds more than this. */
export const MAX_CLIENT_KEY_CHARS = 128;

/**
 * The bucket key of a request (addendum §1.3): the client, lower-cased, then the URL path, so verify and rotate
 * have separate budgets. Upstream takes the whole first `X-Forwarded-For` header, which the caller chooses freely:
 * a new value per request is a new bucket. We take the **last** element of the last header instead: the
 * kube-apiserver's service proxy (Go's ReverseProxy) appends the address of whoever connected to it, so through
 * the proxy a caller can no longer pick its bucket. Without the header (direct access, kubeseal through the
 * proxy adds none itself) the key is the path alone, as upstream. Identities longer than MAX_CLIENT_KEY_CHARS
 * are hashed: the same identity still maps to the same bucket, but a 15 KB header costs 64 bytes of memory.
 */
export function rateLimitKey(rawHeaders: readonly string[], path: string): string {
  let forwardedFor = '';
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === 'x-forwarded-for') forwardedFor = rawHeaders[i + 1] ?? '';
  }
  const client = (forwardedFor.slice(forwardedFor.lastIndexOf(',') + 1) || '').trim().toLowerCase();
  return `${boundedClientKey(client)}${path}`;
}

/** A client identity as a bucket key: as it is up to MAX_CLIENT_KEY_CHARS, else its SHA-256. */
export function boundedClientKey(client: string): string {
  return client.length > MAX_CLIENT_KEY_CHARS
    ? `sha256:${createHash('sha256').update(client).digest('hex')}`
    : client;
}
