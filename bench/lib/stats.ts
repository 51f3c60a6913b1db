/** Summary of a sample of durations (or any numbers), all in the sample's unit. */
export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  /** Sample standard deviation (0 for fewer than 2 values). */
  readonly stddev: number;
}

/** Nearest-rank percentile (p in [0, 100]) of a non-empty sample; p50 of an even sample is the lower middle. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be in [0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** Median: the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty sample');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) throw new RangeError('summary of an empty sample');
  const count = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / count;
  const variance = count < 2 ? 0 : values.reduce((a, v) => a + (v - mean) ** 2, 0) / (count - 1);
  return {
    count,
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
    median: median(values),
    p90: percentile(values, 90),
    p99: percentile(values, 99),
    stddev: Math.sqrt(variance),
  };
}

/** Rate per second of `count` events over `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`duration must be positive, got ${ms}`);
  return (count * 1000) / ms;
}

/** `value` formatted with a fixed number of significant digits, without exponent notation for usual sizes. */
export function fmt(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return value.toFixed(decimals);
}

/** Milliseconds, human-sized: `850 ms`, `12.3 s`. */
export function fmtMs(ms: number): string {
  return ms < 10_000 ? `${fmt(ms)} ms` : `${fmt(ms / 1000)} s`;
}

export function fmtMiB(bytes: number): string {
  return `${fmt(bytes / 1024 / 1024)} MiB`;
}
