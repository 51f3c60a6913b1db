import { FuncError } from '../engine/errors.js';
import { GoInt, type Value } from '../engine/values.js';
import {
  formatDurationNs,
  formatTime,
  GoTime,
  loadLocation,
  parseDuration,
  parseTime,
  TimeError,
  UTC,
  type Zone,
} from '../go/time.js';
import { str, type CallContext, type FuncDef, type FuncTable } from './types.js';

/**
 * sprig's date functions. `now`, `ago`, `date` of a non-time and `durationRound` of a time read the caller's
 * clock, so their output changes on every reconcile, as with the Go controller. `Local` is UTC (the upstream
 * controller image has no local zone).
 */

const ZONE_UNITS = 512;
/** Formatting or parsing walks the layout in chunks: about 200 ns per layout byte (hostile.test.ts). */
const LAYOUT_UNITS_PER_BYTE = 16;
const LOCAL: Zone = { ...UTC, name: 'Local' };
const SECOND = 1_000_000_000n;

function now(ctx: CallContext): GoTime {
  const ns = ctx.env.nowNs();
  // Go's Time.String shows the monotonic reading (`m=+0.001234567`): here, seconds since the engine was loaded.
  const mono = (ctx.env.nowNs() - LOADED_AT) / 1000n;
  const monotonic = `+${mono / 1_000_000n}.${String(mono % 1_000_000n).padStart(6, '0')}000`;
  return GoTime.fromUnixNs(ns, LOCAL, monotonic);
}
const LOADED_AT = BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;

/** sprig's type switch for a date argument: a time, or Unix seconds as int64, int or int32; else now. */
function dateArg(v: Value, ctx: CallContext, int32 = true): GoTime {
  if (v instanceof GoTime) return v;
  if (typeof v === 'bigint') return GoTime.fromUnixNs(v * SECOND, LOCAL);
  if (v instanceof GoInt && (v.type === 'int64' || (int32 && v.type === 'int32'))) {
    return GoTime.fromUnixNs(v.value * SECOND, LOCAL);
  }
  return now(ctx);
}

/**
 * dateInZone: an unknown zone is UTC. Formatting costs LAYOUT_UNITS_PER_BYTE, and a zone lookup through
 * Intl a few microseconds (ZONE_UNITS).
 */
function inZone(layout: string, t: GoTime, zone: string, ctx: CallContext): string {
  ctx.charge(layout.length * LAYOUT_UNITS_PER_BYTE + ZONE_UNITS);
  return formatTime(t.in(loadLocation(zone) ?? UTC), layout);
}

const dateModify = (must: boolean): FuncDef => ({
  params: ['string', 'time.Time'],
  call: ([d, t]) => {
    const ns = parseDuration(str(d));
    if (ns === undefined) {
      if (must) throw new FuncError('time: invalid duration (value withheld)');
      return t as GoTime;
    }
    return (t as GoTime).add(ns);
  },
});

const toDate = (must: boolean): FuncDef => ({
  params: ['string', 'string'],
  call: ([layout, value], ctx) => {
    ctx.charge(str(layout).length * LAYOUT_UNITS_PER_BYTE);
    try {
      return parseTime(str(layout), str(value), LOCAL);
    } catch (e) {
      if (!(e instanceof TimeError)) throw e;
      if (must) throw new FuncError(e.message);
      return new GoTime(-62135596800n, 0, UTC);
    }
  },
});

/** strconv.ParseInt(s, 10, 64) with the error ignored: 0 when malformed, the nearest bound when out of range. */
function parseInt64(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) return 0n;
  const neg = s[0] === '-';
  let i = s[0] === '+' || s[0] === '-' ? 1 : 0;
  while (i < s.length - 1 && s[i] === '0') i++;
  const digits = s.slice(i);
  const max = neg ? 1n << 63n : (1n << 63n) - 1n;
  const n = digits.length > 19 ? max : BigInt(digits);
  const clamped = n > max ? max : n;
  return neg ? -clamped : clamped;
}

const YEAR = 365n * 24n * 3600n * SECOND;
const MONTH = 30n * 24n * 3600n * SECOND;
const DAY = 24n * 3600n * SECOND;
const HOUR = 3600n * SECOND;
const MINUTE = 60n * SECOND;

export const DATES: FuncTable = {
  now: { params: [], call: (_args, ctx) => now(ctx) },
  date: { params: ['string', 'any'], call: ([f, d], ctx) => inZone(str(f), dateArg(d, ctx), 'Local', ctx) },
  dateInZone: {
    params: ['string', 'any', 'string'],
    call: ([f, d, z], ctx) => inZone(str(f), dateArg(d, ctx), str(z), ctx),
  },
  date_in_zone: {
    params: ['string', 'any', 'string'],
    call: ([f, d, z], ctx) => inZone(str(f), dateArg(d, ctx), str(z), ctx),
  },
  htmlDate: { params: ['any'], call: ([d], ctx) => inZone('2006-01-02', dateArg(d, ctx), 'Local', ctx) },
  htmlDateInZone: {
    params: ['any', 'string'],
    call: ([d, z], ctx) => inZone('2006-01-02', dateArg(d, ctx), str(z), ctx),
  },
  dateModify: dateModify(false),
  date_modify: dateModify(false),
  mustDateModify: dateModify(true),
  must_date_modify: dateModify(true),
  toDate: toDate(false),
  mustToDate: toDate(true),
  unixEpoch: { params: ['time.Time'], call: ([t]) => String((t as GoTime).seconds) },
  ago: {
    params: ['any'],
    call: ([d], ctx) => {
      const t = dateArg(d, ctx, false);
      const since = ctx.env.nowNs() - t.unixNs();
      // Duration.Round(time.Second): halves away from zero.
      const abs = since < 0n ? -since : since;
      const rounded = ((abs + SECOND / 2n) / SECOND) * SECOND;
      return formatDurationNs(since < 0n ? -rounded : rounded);
    },
  },
  /** sprig's duration: a string of seconds or an int64; anything else (even an int) is 0. */
  duration: {
    params: ['any'],
    call: ([v]) => {
      let n = 0n;
      if (typeof v === 'string') n = parseInt64(v);
      else if (v instanceof GoInt && v.type === 'int64') n = v.value;
      return formatDurationNs(BigInt.asIntN(64, n * SECOND));
    },
  },
  durationRound: {
    params: ['any'],
    call: ([v], ctx) => {
      let d = 0n;
      if (typeof v === 'string') d = parseDuration(v) ?? 0n;
      else if (v instanceof GoInt && v.type === 'int64') d = v.value;
      else if (v instanceof GoTime) d = ctx.env.nowNs() - v.unixNs();
      const u = d < 0n ? -d : d;
      const units: [bigint, string][] = [
        [YEAR, 'y'],
        [MONTH, 'mo'],
        [DAY, 'd'],
        [HOUR, 'h'],
        [MINUTE, 'm'],
        [SECOND, 's'],
      ];
      for (const [size, suffix] of units) if (u > size) return `${u / size}${suffix}`;
      return '0s';
    },
  },
};
