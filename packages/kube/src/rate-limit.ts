import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicMs } from './clock.js';

/** Client-side rate limiting of API requests; one instance per limited stream of requests. */
export interface RateLimiter {
  /** Waits for a token; resolves early (without a token) when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void>;
}

/** A token bucket: `rate` tokens per second, at most `burst` saved up (client-go's flowcontrol semantics). */
export class TokenBucket implements RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(rate: number, burst: number, now: () => number = monotonicMs) {
    this.#rate = rate;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Reserves a token and returns how many ms the caller must wait before using it. */
  reserve(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#last) / 1000) * this.#rate);
    this.#last = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#rate) * 1000;
  }

  async take(signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait, undefined, signal === undefined ? {} : { signal }).catch(() => undefined);
  }
}

/** client-go's default QPS when the flag is 0. */
export const DEFAULT_QPS = 5;

/**
 * The limiter for `--kubeclient-qps`/`--kubeclient-burst` style settings, with client-go's meaning: QPS 0 is the
 * default (5), a negative QPS disables limiting, burst is at least 1. Each call makes an independent bucket.
 */
export function rateLimiter(qps: number, burst: number): RateLimiter | undefined {
  const rate = qps === 0 ? DEFAULT_QPS : qps;
  return rate < 0 ? undefined : new TokenBucket(rate, Math.max(1, burst));
}
