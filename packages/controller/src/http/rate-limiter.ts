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

  constructor(options: GcraOptions) {
    this.#interval = 1000 / Math.max(options.ratePerSecond, Number.MIN_VALUE);
    this.#limit = Math.max(0, options.burst) + 1;
    this.#tolerance = this.#interval * this.#limit;
    this.#now = options.now;
    this.#maxKeys = options.maxKeys ?? 65_536;
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
    this.#tat.delete(key);
    this.#tat.set(key, newTat);
    if (this.#tat.size > this.#maxKeys) {
      const oldest = this.#tat.keys().next();
      if (oldest.done !== true) this.#tat.delete(oldest.value);
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
