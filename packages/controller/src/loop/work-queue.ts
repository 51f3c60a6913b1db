import type { Clock } from '../clock.js';
import { TokenBucket } from '@ssts/kube';

export interface WorkQueueOptions {
  readonly clock: Clock;
  /** Per-item exponential backoff (compat §3.4: 5 ms doubling up to 1000 s). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Overall retry rate limit (client-go default: 10 qps, burst 100). */
  readonly qps?: number;
  readonly burst?: number;
}

/**
 * client-go's rate-limited work queue for string keys: a key is queued at most once, is never processed by two
 * workers at a time (a key added while in flight is processed again afterwards), and `addRateLimited` retries it
 * with per-key exponential backoff until `forget`.
 */
export class WorkQueue {
  readonly #clock: Clock;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #bucket: TokenBucket;
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, unknown>();
  #waiters: ((key: string | undefined) => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions) {
    this.#clock = options.clock;
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.#bucket = new TokenBucket(options.qps ?? 10, options.burst ?? 100, () => options.clock.now());
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      waiter(key);
    } else this.#queue.push(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    if (this.#delayed.has(key)) return;
    const handle = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, handle);
  }

  /** Requeues with backoff: max(per-key exponential delay, overall token bucket). */
  addRateLimited(key: string): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const backoff = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** failures);
    this.addAfter(key, Math.max(backoff, this.#bucket.reserve()));
  }

  /** How many times `key` was requeued with addRateLimited since the last forget. */
  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Whether `key` is queued or in flight. */
  has(key: string): boolean {
    return this.#dirty.has(key) || this.#processing.has(key);
  }

  /** Next key to process, or undefined once shut down and drained. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      return Promise.resolve(key);
    }
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Marks `key` processed; it is queued again if it was added meanwhile. */
  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) {
      this.#dirty.delete(key);
      this.add(key);
    }
  }

  get length(): number {
    return this.#queue.length;
  }

  /** Stops accepting keys and drops delayed ones; waiting getters receive undefined. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const handle of this.#delayed.values()) this.#clock.clearTimeout(handle);
    this.#delayed.clear();
    this.#queue.length = 0;
    this.#dirty.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter(undefined);
  }
}
