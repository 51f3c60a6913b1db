/** Go's time.Duration.String for whole milliseconds and up (`720h0m0s`, `2m0s`, `1.5s`, `500ms`, `0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) return `${sign}${rest}ms`;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = `${rest / 1000}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

/** Go's time.Duration.String of a duration in nanoseconds (int64): `1h2m3.5s`, `1.5µs`, `0s`. */
export function formatDurationNs(d: bigint): string {
  if (d === 0n) return '0s';
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < 1_000_000_000n) {
    // Less than a second: one unit, with a fraction.
    let unit: string;
    let scale: bigint;
    if (u < 1000n) return `${neg ? '-' : ''}${u}ns`;
    if (u < 1_000_000n) {
      unit = 'µs';
      scale = 1000n;
    } else {
      unit = 'ms';
      scale = 1_000_000n;
    }
    out = fraction(u, scale) + unit;
  } else {
    out = fraction(u % 60_000_000_000n, 1_000_000_000n) + 's';
    u /= 60_000_000_000n;
    if (u > 0n) {
      out = `${u % 60n}m` + out;
      u /= 60n;
      if (u > 0n) out = `${u}h` + out;
    }
  }
  return (neg ? '-' : '') + out;
}

/** v / scale with the fraction's trailing zeros dropped (`1.5`, `2`). */
function fraction(v: bigint, scale: bigint): string {
  const whole = v / scale;
  const frac = (v % scale)
    .toString()
    .padStart(scale.toString().length - 1, '0')
    .replace(/0+$/, '');
  return frac === '' ? `${whole}` : `${whole}.${frac}`;
}
