/** Go `strconv.ParseBool`: 1 t T TRUE true True 0 f F FALSE false False; anything else → undefined. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

const DURATION_UNITS_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Go `time.ParseDuration` in milliseconds: `720h0m0s`, `1.5h`, `300ms`, `-1m`, `0`. No `d` unit. Returns undefined
 * for invalid text.
 */
export function parseGoDuration(text: string): number | undefined {
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') return undefined;
  let total = 0;
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const match = part.exec(rest);
    if (match === null) return undefined;
    const [whole, number, unit] = match as unknown as [string, string, string];
    total += Number(number) * (DURATION_UNITS_MS[unit] ?? Number.NaN);
    rest = rest.slice(whole.length);
  }
  return Number.isFinite(total) ? sign * total : undefined;
}

// Go's `Duration.String()`: one copy, in the core (the template time-budget message prints durations too).
export { formatGoDuration } from '@ssts/core';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * Go's `time.RFC1123Z` layout `Mon, 02 Jan 2006 15:04:05 -0700` (the `date -R` format). Returns undefined when the
 * text does not match; the weekday is not checked against the date, as in Go.
 */
export function parseRfc1123z(text: string): Date | undefined {
  const match =
    /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(
      text,
    );
  if (match === null) return undefined;
  const [, day, monthName, year, hh, mm, ss, zoneSign, zoneH, zoneM] = match as unknown as string[];
  const month = MONTHS.indexOf(monthName ?? '');
  if (month < 0) return undefined;
  const offsetMin = (zoneSign === '-' ? -1 : 1) * (Number(zoneH) * 60 + Number(zoneM));
  const utc =
    Date.UTC(Number(year), month, Number(day), Number(hh), Number(mm), Number(ss)) - offsetMin * 60_000;
  const date = new Date(utc);
  // Reject overflowing fields (e.g. 31 Feb) the way Go's parser does.
  const local = new Date(utc + offsetMin * 60_000);
  if (
    local.getUTCDate() !== Number(day) ||
    local.getUTCMonth() !== month ||
    Number(hh) > 23 ||
    Number(mm) > 59
  )
    return undefined;
  return date;
}
