import { setTimeout as sleep } from 'node:timers/promises';
import { ControlPlaneError } from './errors.js';

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Shown in the timeout error, e.g. "namespace x to be deleted". */
  description?: string;
}

/**
 * Polls `fn` until it returns a value other than `undefined`/`false` and returns that value. Errors thrown by
 * `fn` count as "not yet"; the last one is attached as `cause` when the deadline passes.
 */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 200, description = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await beforeDeadline(fn, deadline);
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new ControlPlaneError(
        'Timeout',
        `timed out after ${timeoutMs} ms waiting for ${description}${detail}`,
        {
          cause: lastError,
        },
      );
    }
    await sleep(intervalMs);
  }
}

const PENDING = Symbol('pending');

/** Runs one attempt, but gives up on it at the deadline so a hanging probe cannot outlive the budget. */
async function beforeDeadline<T>(fn: () => Promise<T> | T, deadline: number): Promise<T | undefined> {
  const abort = new AbortController();
  try {
    const result = await Promise.race([
      Promise.resolve().then(fn),
      sleep(Math.max(deadline - Date.now(), 0), PENDING, { signal: abort.signal }),
    ]);
    if (result === PENDING) throw new Error('the last attempt was still pending at the deadline');
    return result as T;
  } finally {
    abort.abort();
  }
}
