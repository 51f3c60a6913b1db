/**
 * Milliseconds on a monotonic clock, for deadlines and refresh intervals. Not `performance.now()`: in Node the
 * `performance` global loads perf_hooks and eight internal modules on first use (~5 M instructions), a cost every
 * short-lived CLI run that makes one request would pay.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
