import type { SealedSecret } from '@ssts/core';
import { isKubeError } from '@ssts/kube';
import { sleepUnlessAborted, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { KubeGateway, ListScope } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';
import { objectKey, withoutBookkeeping } from './informers.js';

/** Objects per prefetch page. */
export const PREFETCH_PAGE_SIZE = 250;
/** Most objects held for passes that have not taken them yet: the next page is asked for below this less a page. */
export const PREFETCH_WINDOW = 500;
/**
 * Failed pages tolerated per prefetch before it stops (the passes then GET their objects). An expired continue
 * token (410 Gone: etcd compacted its revision, every 5-10 minutes) restarts the list from the first page; objects
 * already passed are skipped by `wanted`, so a restart costs pages, not memory. Ten restarts cover a throttled list
 * of about an hour, a sync at the default client rate limit of a few thousand objects.
 */
export const PREFETCH_MAX_FAILURES = 10;
const RETRY_DELAY_MS = 1000;

export interface SpecPrefetchOptions {
  readonly gateway: KubeGateway;
  readonly scope: ListScope;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * Whether a listed object is kept for a pass: its key is queued or in flight and its cache entry has no spec.
   * Keys already taken or discarded are not asked about (their pass has read its object).
   */
  readonly wanted: (key: string, listed: SealedSecret) => boolean;
  /**
   * Where the informer's initial list stopped keeping whole objects: the continue token after its last whole page
   * and that page's last key. The first page asked for is the one after (an expired token lists from the start).
   */
  readonly start?: { readonly continue: string; readonly lastKey: string };
  /**
   * Keys whose passes read a whole cached object (the initial list's first pages): they count in the window until
   * their pass takes or discards them, so the pages come as those passes make room.
   */
  readonly ahead?: Iterable<string>;
  readonly pageSize?: number;
  readonly window?: number;
  readonly maxFailures?: number;
}

/**
 * Pages through the SealedSecrets of one scope at the pace their passes take them, for cache entries kept without
 * their spec (loop/settled.ts): past its first window of objects (kept whole) the informer's initial list caches
 * metadata and status only, and a pass reads the whole object from here instead of a GET of its own; the first
 * prefetch goes on from that list's continue token (`start`). At most `window` objects are held at once, whatever the
 * number of objects waiting for their first pass; the pages come in key order, the order the initial list queued
 * the keys in. Anything missing (an object changed since it was listed, a pass that overtook the pages, a
 * prefetch that stopped) is the pass's GET, so this only saves calls and never decides anything.
 */
export class SpecPrefetch {
  readonly #options: SpecPrefetchOptions;
  readonly #pageSize: number;
  readonly #window: number;
  readonly #held = new Map<string, SealedSecret>();
  /** Keys whose take() waits for the page in flight: kept from it even when the queue already handed them out. */
  readonly #waiting = new Set<string>();
  /** Keys taken or discarded while pages still come (cleared at the last one). */
  readonly #consumed = new Set<string>();
  /** `ahead` keys not yet taken or discarded. */
  readonly #ahead: Set<string>;
  /** The page asked for (or about to be: room was made and run() resumes next), resolved when it is in. */
  #inFlight: Promise<void> | undefined;
  #pageDone: (() => void) | undefined;
  /** The highest key listed so far (pages are in key order). */
  #lastKey = '';
  #finished = false;
  #roomMade: (() => void) | undefined;
  /** Pages asked for, for tests and logs. */
  pages = 0;
  /** The most objects held at once. */
  maxHeld = 0;

  constructor(options: SpecPrefetchOptions) {
    this.#options = options;
    this.#pageSize = Math.max(1, options.pageSize ?? PREFETCH_PAGE_SIZE);
    this.#window = Math.max(this.#pageSize, options.window ?? PREFETCH_WINDOW);
    this.#ahead = new Set(options.ahead);
    this.#lastKey = options.start?.lastKey ?? '';
  }

  get held(): number {
    return this.#held.size;
  }

  /**
   * The listed object for `key`, removed from what is held. Waits while a page is in flight that may still hold
   * it (a key after the last one listed); undefined when it is not (and will not be) here.
   */
  async take(key: string): Promise<SealedSecret | undefined> {
    if (!this.#finished) this.#consumed.add(key);
    this.#passed(key);
    let found = this.#held.get(key);
    while (found === undefined && !this.#finished && this.#inFlight !== undefined && key > this.#lastKey) {
      this.#waiting.add(key);
      try {
        await this.#inFlight;
      } finally {
        this.#waiting.delete(key);
      }
      found = this.#held.get(key);
    }
    if (found !== undefined) this.discard(key);
    return found;
  }

  /** Drops what is held for `key` (its pass does not need it). */
  discard(key: string): void {
    if (!this.#finished) this.#consumed.add(key);
    this.#passed(key);
    if (!this.#held.delete(key)) return;
    if (this.#hasRoom()) this.#roomMade?.();
  }

  /** A pass took `key`: an `ahead` key leaves the window. */
  #passed(key: string): void {
    if (this.#ahead.delete(key) && this.#hasRoom()) this.#roomMade?.();
  }

  /** Lists until the last page or until `signal` aborts; never rejects. What is held stays for take(). */
  async run(signal: AbortSignal): Promise<void> {
    const { gateway, scope, log, wanted } = this.#options;
    const maxFailures = this.#options.maxFailures ?? PREFETCH_MAX_FAILURES;
    let token = this.#options.start?.continue;
    let failures = 0;
    try {
      while (!signal.aborted) {
        // Not awaited when there is room: the first page is in flight as soon as run() returns, for the takes of
        // the passes that start right after.
        if (!this.#hasRoom()) await this.#room(signal);
        if (signal.aborted) return;
        this.#beginPage();
        this.pages++;
        try {
          const page = await gateway.listPage('sealedsecrets', scope, {
            limit: this.#pageSize,
            ...(token !== undefined && { continue: token }),
          });
          for (const listed of page.items) {
            const key = objectKey(listed);
            if (key > this.#lastKey) this.#lastKey = key;
            if (this.#waiting.has(key) || (!this.#consumed.has(key) && wanted(key, listed)))
              this.#held.set(key, withoutBookkeeping(listed));
          }
          this.maxHeld = Math.max(this.maxHeld, this.#held.size);
          token = page.continue;
          if (token === undefined) return;
        } catch (error) {
          if (signal.aborted) return;
          if (++failures > maxFailures) {
            log.warn(
              { scope, error: errorMessage(error), failures },
              'Stopped prefetching SealedSecrets; passes read them one by one',
            );
            return;
          }
          if (isKubeError(error, 'Gone') && token !== undefined) {
            // The continue token expired: list again from the start (passed objects are not wanted any more).
            log.info({ scope }, 'Prefetch list expired, listing again');
            token = undefined;
          } else {
            log.info({ scope, error: errorMessage(error) }, 'Prefetch page failed, retrying');
            await sleepUnlessAborted(this.#options.clock, RETRY_DELAY_MS, signal);
          }
        } finally {
          this.#endPage();
        }
      }
    } finally {
      this.#endPage();
      this.#finished = true;
      this.#consumed.clear();
      this.#ahead.clear();
      if (signal.aborted) this.#held.clear();
    }
  }

  #beginPage(): void {
    if (this.#inFlight === undefined) this.#inFlight = new Promise((resolve) => (this.#pageDone = resolve));
  }

  #endPage(): void {
    const done = this.#pageDone;
    this.#inFlight = undefined;
    this.#pageDone = undefined;
    done?.();
  }

  #hasRoom(): boolean {
    return this.#held.size + this.#ahead.size + this.#pageSize <= this.#window;
  }

  /** Resolves when a page fits in the window (or `signal` aborts). */
  #room(signal: AbortSignal): Promise<void> {
    if (this.#hasRoom() || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#roomMade = undefined;
        signal.removeEventListener('abort', done);
        // A take right after the pass that made room waits for that page instead of missing it.
        if (!signal.aborted) this.#beginPage();
        resolve();
      };
      this.#roomMade = done;
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
