// Go's bool and duration syntax: one copy, in the flag layer.
export { parseGoBool, parseGoDuration } from '@ssts/flags';
import { MONTH_NAMES } from '@ssts/core';

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
  const month = MONTH_NAMES.findIndex((name) => name.slice(0, 3) === monthName);
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
