/** Time and timers, injected so schedules and backoff are testable. */
export interface Clock {
  /** Wall-clock time in ms since the epoch (timestamps written to the API). */
  now(): number;
  /** A monotonic time in ms (durations: a wall-clock step must not shorten or stretch a lease). */
  monotonicNow(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonicNow: () => performance.now(),
  setTimeout: (callback, ms) => {
    // Node caps timers at 2^31-1 ms (~24.8 days); longer waits (e.g. the 30-day renew period) re-arm.
    const max = 2 ** 31 - 1;
    if (ms <= max) return setTimeout(callback, ms);
    const handle: { inner?: NodeJS.Timeout } = {};
    const deadline = Date.now() + ms;
    const arm = (): void => {
      const left = deadline - Date.now();
      handle.inner = left > max ? setTimeout(arm, max) : setTimeout(callback, Math.max(0, left));
    };
    arm();
    return handle;
  },
  clearTimeout: (handle) => {
    if (handle !== null && typeof handle === 'object' && 'inner' in handle) {
      clearTimeout((handle as { inner?: NodeJS.Timeout }).inner);
    } else clearTimeout(handle as NodeJS.Timeout);
  },
};

/** Resolves after `ms` on `clock`, or at once when `signal` aborts (or has aborted). */
export function sleepUnlessAborted(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clock.clearTimeout(handle);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const handle = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
