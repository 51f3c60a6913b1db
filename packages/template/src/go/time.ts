import { GoInt, GoObject, type ObjectMethod, type Value } from '../engine/values.js';
import { DAY_NAMES, MONTH_NAMES } from './calendar.js';
import { parseGoDurationNs } from '@ssts/flags/go-duration';
import { formatDurationNs } from './duration.js';

/**
 * Go's time.Time as sprig's date functions use it: an instant (seconds + nanoseconds since the Unix epoch) in a
 * zone, formatted and parsed with Go's reference layouts (`2006-01-02 15:04:05.999999999 -0700 MST`). Zones are
 * `UTC`, `Local` (UTC, as in the upstream controller image) and IANA names through Intl (offsets exact;
 * abbreviations are ICU's English ones, so a zone without one prints e.g. `GMT+1` where Go's tzdata says `CET`).
 */

export class TimeError extends Error {}

export interface Zone {
  readonly name: string;
  /** Abbreviation and offset east of UTC, in seconds, at a given instant. */
  readonly at: (unixSeconds: bigint) => { readonly abbr: string; readonly offset: number };
}

export const UTC: Zone = { name: 'UTC', at: () => ({ abbr: 'UTC', offset: 0 }) };

function fixedZone(abbr: string, offset: number): Zone {
  return { name: abbr, at: () => ({ abbr, offset }) };
}

const zoneCache = new Map<string, Zone | undefined>();

/** time.LoadLocation: `""`/`UTC` → UTC, `Local` → UTC, else an IANA zone; undefined when unknown. */
export function loadLocation(name: string): Zone | undefined {
  if (name === '' || name === 'UTC') return UTC;
  if (name === 'Local') return { ...UTC, name: 'Local' };
  if (zoneCache.has(name)) return zoneCache.get(name);
  let zone: Zone | undefined;
  if (/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(name) && !name.includes('..')) {
    try {
      const fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: name,
        timeZoneName: 'short',
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
      zone = { name, at: (s) => intlZone(fmt, s) };
    } catch {
      zone = undefined;
    }
  }
  // Only real zones are remembered (a few hundred names): unknown names must not grow the cache.
  if (zone !== undefined) zoneCache.set(name, zone);
  return zone;
}

function intlZone(fmt: Intl.DateTimeFormat, unixSeconds: bigint): { abbr: string; offset: number } {
  // Intl handles years ±270 000; clamp further instants (Go's zone rules extend the last one anyway).
  const clamped =
    unixSeconds > 8_000_000_000_000n
      ? 8_000_000_000_000n
      : unixSeconds < -8_000_000_000_000n
        ? -8_000_000_000_000n
        : unixSeconds;
  const ms = Number(clamped) * 1000;
  const parts = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  let year = Number(parts.year);
  if (parts.era === 'BC' || parts.era === 'B') year = 1 - year;
  const local =
    civilToDays(year, Number(parts.month), Number(parts.day)) * 86400 +
    Number(parts.hour) * 3600 +
    Number(parts.minute) * 60 +
    Number(parts.second);
  const offset = local - Math.floor(ms / 1000);
  const abbr =
    parts.timeZoneName === 'UTC' || parts.timeZoneName === 'GMT'
      ? offset === 0
        ? parts.timeZoneName
        : 'GMT'
      : (parts.timeZoneName ?? '');
  return { abbr, offset };
}

// Civil calendar (proleptic Gregorian), days since 1970-01-01.
export function civilToDays(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysToCivil(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: era * 400 + yoe + (month <= 2 ? 1 : 0), month, day };
}

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nanos: number;
  weekday: number;
  yday: number;
  abbr: string;
  offset: number;
}

/** The zero Time's seconds: January 1, year 1, 00:00:00 UTC. */
export const ZERO_SECONDS = -62135596800n;

export class GoTime extends GoObject {
  readonly type = 'time.Time';
  readonly kind = 'struct';

  constructor(
    /** Seconds since the Unix epoch. */
    readonly seconds: bigint,
    /** 0 ≤ nanos < 1e9. */
    readonly nanos: number,
    readonly zone: Zone,
    /** `now` carries a monotonic reading (printed as ` m=±s`), in seconds since the process started. */
    readonly monotonic?: string,
  ) {
    super();
  }

  static fromUnixNs(ns: bigint, zone: Zone, monotonic?: string): GoTime {
    const s = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
    return new GoTime(s, Number(ns - s * 1_000_000_000n), zone, monotonic);
  }

  unixNs(): bigint {
    return this.seconds * 1_000_000_000n + BigInt(this.nanos);
  }

  in(zone: Zone): GoTime {
    return new GoTime(this.seconds, this.nanos, zone);
  }

  add(ns: bigint): GoTime {
    return GoTime.fromUnixNs(this.unixNs() + ns, this.zone);
  }

  isZero(): boolean {
    return this.seconds === ZERO_SECONDS && this.nanos === 0;
  }

  fields(): Fields {
    const { abbr, offset } = this.zone.at(this.seconds);
    const local = this.seconds + BigInt(offset);
    const days = Number(local >= 0n ? local / 86400n : -((-local + 86399n) / 86400n));
    const secOfDay = Number(local - BigInt(days) * 86400n);
    const { year, month, day } = daysToCivil(days);
    const yday = days - civilToDays(year, 1, 1) + 1;
    return {
      year,
      month,
      day,
      hour: Math.floor(secOfDay / 3600),
      minute: Math.floor(secOfDay / 60) % 60,
      second: secOfDay % 60,
      nanos: this.nanos,
      weekday: (((days + 4) % 7) + 7) % 7,
      yday,
      abbr,
      offset,
    };
  }

  format(): string {
    const s = formatTime(this, '2006-01-02 15:04:05.999999999 -0700 MST');
    return this.monotonic === undefined ? s : `${s} m=${this.monotonic}`;
  }

  json(): string {
    return `"${formatTime(this, '2006-01-02T15:04:05.999999999Z07:00')}"`;
  }

  equals(other: GoObject): boolean {
    return (
      other instanceof GoTime &&
      other.seconds === this.seconds &&
      other.nanos === this.nanos &&
      other.zone.name === this.zone.name &&
      other.monotonic === this.monotonic
    );
  }

  override method(name: string): ObjectMethod | undefined {
    const f = (): Fields => this.fields();
    const methods: Record<string, ObjectMethod> = {
      Unix: { params: [], call: () => new GoInt('int64', this.seconds) },
      UnixMilli: { params: [], call: () => new GoInt('int64', this.unixNs() / 1_000_000n) },
      UnixNano: { params: [], call: () => new GoInt('int64', this.unixNs()) },
      Year: { params: [], call: () => BigInt(f().year) },
      Month: { params: [], call: () => new GoInt('time.Month', BigInt(f().month)) },
      Day: { params: [], call: () => BigInt(f().day) },
      Hour: { params: [], call: () => BigInt(f().hour) },
      Minute: { params: [], call: () => BigInt(f().minute) },
      Second: { params: [], call: () => BigInt(f().second) },
      Nanosecond: { params: [], call: () => BigInt(this.nanos) },
      YearDay: { params: [], call: () => BigInt(f().yday) },
      Weekday: { params: [], call: () => new GoInt('time.Weekday', BigInt(f().weekday)) },
      IsZero: { params: [], call: () => this.isZero() },
      UTC: { params: [], call: () => this.in(UTC) },
      Local: { params: [], call: () => this.in({ ...UTC, name: 'Local' }) },
      String: { params: [], call: () => this.format() },
      Format: { params: ['string'], call: ([layout]) => formatTime(this, layout as string) },
      Add: { params: ['int'], call: ([d]) => this.add(d as bigint) },
      Sub: {
        params: ['time.Time'],
        call: ([t]) => new GoInt('time.Duration', this.unixNs() - (t as GoTime).unixNs()),
      },
      After: { params: ['time.Time'], call: ([t]) => this.unixNs() > (t as GoTime).unixNs() },
      Before: { params: ['time.Time'], call: ([t]) => this.unixNs() < (t as GoTime).unixNs() },
      Equal: { params: ['time.Time'], call: ([t]) => this.unixNs() === (t as GoTime).unixNs() },
      AddDate: {
        params: ['int', 'int', 'int'],
        call: ([y, m, d]) => {
          const x = f();
          const days = civilToDays(x.year + Number(y), x.month + Number(m), x.day + Number(d));
          const normalized = normalizeCivil(x.year + Number(y), x.month + Number(m), x.day + Number(d), days);
          return fromCivil(normalized, x, this.nanos, this.zone);
        },
      },
    };
    return Object.hasOwn(methods, name) ? methods[name] : undefined;
  }
}

/** Go's Date normalization: month overflow carries into years, day overflow into months. */
function normalizeCivil(y: number, m: number, d: number, _days: number): number {
  const m0 = m - 1;
  const year = y + Math.floor(m0 / 12);
  const month = (((m0 % 12) + 12) % 12) + 1;
  return civilToDays(year, month, 1) + d - 1;
}

function fromCivil(days: number, x: Fields, nanos: number, zone: Zone): GoTime {
  const local = BigInt(days) * 86400n + BigInt(x.hour * 3600 + x.minute * 60 + x.second);
  // The offset of the new instant may differ (DST): Go looks it up for the guessed instant, as here.
  const guess = local - BigInt(x.offset);
  const offset = zone.at(guess).offset;
  return new GoTime(local - BigInt(offset), nanos, zone);
}

/** A Duration argument (`Add`) or sprig's int64 seconds. */
export function durationOf(v: Value): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (v instanceof GoInt) return v.value;
  return undefined;
}

// Layout elements, as Go's nextStdChunk finds them.
type Std =
  | 'Jan'
  | 'January'
  | '1'
  | '01'
  | 'Mon'
  | 'Monday'
  | '2'
  | '_2'
  | '02'
  | '__2'
  | '002'
  | '15'
  | '3'
  | '03'
  | '4'
  | '04'
  | '5'
  | '05'
  | '2006'
  | '06'
  | 'PM'
  | 'pm'
  | 'MST'
  | 'Z0700'
  | 'Z070000'
  | 'Z07'
  | 'Z07:00'
  | 'Z07:00:00'
  | '-0700'
  | '-070000'
  | '-07'
  | '-07:00'
  | '-07:00:00'
  | { frac: '0' | '9'; sep: string; digits: number };

const startsWithLower = (s: string): boolean => s.length > 0 && s[0]! >= 'a' && s[0]! <= 'z';
const isDigitAt = (s: string, i: number): boolean => i < s.length && s[i]! >= '0' && s[i]! <= '9';

/** Literal text of a layout. */
interface Literal {
  readonly lit: string;
}

/** Splits a layout into literal text and elements. */
export function layoutChunks(layout: string): (Literal | Std)[] {
  const out: (Literal | Std)[] = [];
  let lit = '';
  const push = (std: Std, len: number, i: number): number => {
    if (lit !== '') out.push({ lit });
    lit = '';
    out.push(std);
    return i + len;
  };
  for (let i = 0; i < layout.length;) {
    const rest = layout.slice(i);
    const c = layout[i]!;
    let std: Std | undefined;
    let len = 0;
    switch (c) {
      case 'J':
        if (rest.startsWith('January')) [std, len] = ['January', 7];
        else if (rest.startsWith('Jan') && !startsWithLower(rest.slice(3))) [std, len] = ['Jan', 3];
        break;
      case 'M':
        if (rest.startsWith('Monday')) [std, len] = ['Monday', 6];
        else if (rest.startsWith('Mon') && !startsWithLower(rest.slice(3))) [std, len] = ['Mon', 3];
        else if (rest.startsWith('MST')) [std, len] = ['MST', 3];
        break;
      case '0':
        if (rest.length >= 2 && rest[1]! >= '1' && rest[1]! <= '6') [std, len] = [`0${rest[1]}` as Std, 2];
        else if (rest.startsWith('002')) [std, len] = ['002', 3];
        break;
      case '1':
        if (rest.startsWith('15')) [std, len] = ['15', 2];
        else [std, len] = ['1', 1];
        break;
      case '2':
        if (rest.startsWith('2006')) [std, len] = ['2006', 4];
        else [std, len] = ['2', 1];
        break;
      case '_':
        if (rest[1] === '2') {
          if (rest.startsWith('_2006')) {
            lit += '_';
            i++;
            continue;
          }
          [std, len] = ['_2', 2];
        } else if (rest.startsWith('__2')) [std, len] = ['__2', 3];
        break;
      case '3':
      case '4':
      case '5':
        [std, len] = [c, 1];
        break;
      case 'P':
        if (rest[1] === 'M') [std, len] = ['PM', 2];
        break;
      case 'p':
        if (rest[1] === 'm') [std, len] = ['pm', 2];
        break;
      case '-':
      case 'Z':
        for (const form of ['070000', '07:00:00', '0700', '07:00', '07']) {
          if (rest.startsWith(c + form)) {
            [std, len] = [(c + form) as Std, 1 + form.length];
            break;
          }
        }
        break;
      case '.':
      case ',':
        if (rest[1] === '0' || rest[1] === '9') {
          const ch = rest[1];
          let j = 1;
          while (rest[j] === ch) j++;
          if (!isDigitAt(rest, j)) [std, len] = [{ frac: ch, sep: c, digits: j - 1 }, j];
        }
        break;
    }
    if (std === undefined) {
      lit += c;
      i++;
    } else i = push(std, len, i);
  }
  if (lit !== '') out.push({ lit });
  return out;
}

const pad = (n: number, width: number, fill = '0'): string => {
  const s = String(Math.abs(n)).padStart(width, fill);
  return n < 0 ? '-' + s : s;
};

function formatOffset(std: string, offset: number): string {
  if (std.startsWith('Z') && offset === 0) return 'Z';
  const abs = Math.abs(offset);
  const sign = offset < 0 ? '-' : '+';
  const hh = pad(Math.floor(abs / 3600), 2);
  const mm = pad(Math.floor(abs / 60) % 60, 2);
  const ss = pad(abs % 60, 2);
  const form = std.slice(1);
  switch (form) {
    case '07':
      return sign + hh;
    case '0700':
      return sign + hh + mm;
    case '07:00':
      return `${sign}${hh}:${mm}`;
    case '070000':
      return sign + hh + mm + ss;
    default:
      return `${sign}${hh}:${mm}:${ss}`;
  }
}

const hour12 = (f: Fields): number => (f.hour % 12 === 0 ? 12 : f.hour % 12);

/** How Format writes each element but the zone offsets. */
const FORMAT = {
  '2006': (f: Fields) => (f.year < 0 ? '-' + pad(-f.year, 4) : pad(f.year, 4)),
  '06': (f: Fields) => pad(((f.year % 100) + 100) % 100, 2),
  Jan: (f: Fields) => MONTH_NAMES[f.month - 1]!.slice(0, 3),
  January: (f: Fields) => MONTH_NAMES[f.month - 1]!,
  '1': (f: Fields) => String(f.month),
  '01': (f: Fields) => pad(f.month, 2),
  Mon: (f: Fields) => DAY_NAMES[f.weekday]!.slice(0, 3),
  Monday: (f: Fields) => DAY_NAMES[f.weekday]!,
  '2': (f: Fields) => String(f.day),
  _2: (f: Fields) => pad(f.day, 2, ' '),
  '02': (f: Fields) => pad(f.day, 2),
  __2: (f: Fields) => pad(f.yday, 3, ' '),
  '002': (f: Fields) => pad(f.yday, 3),
  '15': (f: Fields) => pad(f.hour, 2),
  '3': (f: Fields) => String(hour12(f)),
  '03': (f: Fields) => pad(hour12(f), 2),
  '4': (f: Fields) => String(f.minute),
  '04': (f: Fields) => pad(f.minute, 2),
  '5': (f: Fields) => String(f.second),
  '05': (f: Fields) => pad(f.second, 2),
  PM: (f: Fields) => (f.hour >= 12 ? 'PM' : 'AM'),
  pm: (f: Fields) => (f.hour >= 12 ? 'pm' : 'am'),
  MST: (f: Fields) => (f.abbr !== '' ? f.abbr : formatOffset('-0700', f.offset)),
} as const;

/** Time.Format. */
export function formatTime(t: GoTime, layout: string): string {
  const f = t.fields();
  let out = '';
  for (const chunk of layoutChunks(layout)) {
    if (typeof chunk === 'object' && 'lit' in chunk) {
      out += chunk.lit;
      continue;
    }
    if (typeof chunk === 'object') {
      const digits = pad(f.nanos, 9).slice(0, Math.min(chunk.digits, 9));
      if (chunk.frac === '0') out += chunk.sep + digits;
      else {
        const trimmed = digits.replace(/0+$/, '');
        if (trimmed !== '') out += chunk.sep + trimmed;
      }
      continue;
    }
    out += (FORMAT[chunk as keyof typeof FORMAT] ?? ((x: Fields) => formatOffset(chunk, x.offset)))(f);
  }
  return out;
}

/** A parse failure; the message never contains the value or the layout (either may be a secret). */
function parseError(_layout: string, _elem: string): TimeError {
  return new TimeError('parsing time: the value does not match the layout (details withheld)');
}

function takeDigits(s: string, min: number, max: number): [number, string] | undefined {
  let i = 0;
  while (i < max && isDigitAt(s, i)) i++;
  if (i < min) return undefined;
  return [Number(s.slice(0, i)), s.slice(i)];
}

function lookupName(s: string, names: readonly string[], short: boolean): [number, string] | undefined {
  for (let i = 0; i < names.length; i++) {
    const name = short ? names[i]!.slice(0, 3) : names[i]!;
    if (s.length >= name.length && s.slice(0, name.length).toLowerCase() === name.toLowerCase()) {
      return [i, s.slice(name.length)];
    }
  }
  return undefined;
}

/** time.ParseInLocation, for the layouts sprig users write (every element of Format). */
export function parseTime(layout: string, value: string, local: Zone): GoTime {
  let s = value;
  let year = 1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let pm: boolean | undefined;
  let offset: number | undefined;
  let abbr: string | undefined;
  let yday = -1;
  const chunks = layoutChunks(layout);
  for (let ci = 0; ci < chunks.length; ci++) {
    const chunk = chunks[ci]!;
    if (typeof chunk === 'object' && 'lit' in chunk) {
      if (!s.startsWith(chunk.lit)) throw parseError(layout, chunk.lit);
      s = s.slice(chunk.lit.length);
      continue;
    }
    const elem = typeof chunk === 'object' ? chunk.sep + chunk.frac.repeat(chunk.digits) : chunk;
    const fail = (): never => {
      throw parseError(layout, elem);
    };
    const num = (min: number, max: number): number => {
      const r = takeDigits(s, min, max) ?? fail();
      s = r[1];
      return r[0];
    };
    if (typeof chunk === 'object') {
      if (s[0] !== '.' && s[0] !== ',') {
        if (chunk.frac === '9') continue;
        fail();
      }
      const r =
        takeDigits(
          s.slice(1),
          chunk.frac === '0' ? chunk.digits : 1,
          chunk.frac === '0' ? chunk.digits : 9,
        ) ?? fail();
      nanos = Number(
        String(r[0])
          .padStart(s.length - 1 - r[1].length, '0')
          .padEnd(9, '0')
          .slice(0, 9),
      );
      s = r[1];
      continue;
    }
    switch (chunk) {
      case '2006':
        if (s.length < 4 || !/^[0-9]{4}/.test(s)) fail();
        year = Number(s.slice(0, 4));
        s = s.slice(4);
        break;
      case '06':
        year = num(2, 2);
        year += year >= 69 ? 1900 : 2000;
        break;
      case 'Jan':
      case 'January': {
        const r = lookupName(s, MONTH_NAMES, chunk === 'Jan') ?? fail();
        month = r[0] + 1;
        s = r[1];
        break;
      }
      case 'Mon':
      case 'Monday': {
        const r = lookupName(s, DAY_NAMES, chunk === 'Mon') ?? fail();
        s = r[1];
        break;
      }
      case '1':
      case '01':
        month = num(chunk === '01' ? 2 : 1, 2);
        if (month < 1 || month > 12) throw new TimeError(`parsing time (value withheld): month out of range`);
        break;
      case '2':
      case '_2':
      case '02':
        if (chunk === '_2' && s[0] === ' ') s = s.slice(1);
        day = num(chunk === '02' ? 2 : 1, 2);
        break;
      case '__2':
      case '002':
        while (chunk === '__2' && s[0] === ' ') s = s.slice(1);
        yday = num(chunk === '002' ? 3 : 1, 3);
        break;
      case '15':
        hour = num(2, 2);
        if (hour > 23) throw new TimeError('parsing time (value withheld): hour out of range');
        break;
      case '3':
      case '03':
        hour = num(chunk === '03' ? 2 : 1, 2);
        if (hour > 12) throw new TimeError('parsing time (value withheld): hour out of range');
        break;
      case '4':
      case '04':
        minute = num(chunk === '04' ? 2 : 1, 2);
        if (minute > 59) throw new TimeError('parsing time (value withheld): minute out of range');
        break;
      case '5':
      case '05': {
        second = num(chunk === '05' ? 2 : 1, 2);
        if (second > 59) throw new TimeError('parsing time (value withheld): second out of range');
        // A fraction after the seconds is accepted even when the layout has none.
        const next = chunks[ci + 1];
        if (
          (s[0] === '.' || s[0] === ',') &&
          isDigitAt(s, 1) &&
          !(typeof next === 'object' && 'frac' in next)
        ) {
          const r = takeDigits(s.slice(1), 1, 9) ?? fail();
          nanos = Number(s.slice(1, s.length - r[1].length).padEnd(9, '0'));
          s = r[1];
        }
        break;
      }
      case 'PM':
      case 'pm': {
        const ap = s.slice(0, 2);
        if (ap === (chunk === 'PM' ? 'PM' : 'pm')) pm = true;
        else if (ap === (chunk === 'PM' ? 'AM' : 'am')) pm = false;
        else fail();
        s = s.slice(2);
        break;
      }
      case 'MST': {
        if (s.startsWith('UTC')) {
          abbr = 'UTC';
          s = s.slice(3);
          break;
        }
        const m = /^[A-Z]{3,5}|^[A-Z][a-z]{2}T/.exec(s) ?? fail();
        abbr = m[0];
        s = s.slice(abbr.length);
        break;
      }
      default: {
        const std: string = chunk;
        if (std.startsWith('Z') && s[0] === 'Z') {
          s = s.slice(1);
          offset = 0;
          break;
        }
        const sign = s[0] === '+' ? 1 : s[0] === '-' ? -1 : fail();
        s = s.slice(1);
        const form = std.slice(1);
        const hh = num(2, 2);
        let mm = 0;
        let ss = 0;
        if (form !== '07') {
          if (form.includes(':')) {
            if (s[0] !== ':') fail();
            s = s.slice(1);
          }
          mm = num(2, 2);
        }
        if (form === '070000' || form === '07:00:00') {
          if (form.includes(':')) {
            if (s[0] !== ':') fail();
            s = s.slice(1);
          }
          ss = num(2, 2);
        }
        offset = sign * (hh * 3600 + mm * 60 + ss);
      }
    }
  }
  if (s !== '') throw new TimeError('parsing time (value withheld): extra text (value withheld)');
  if (pm === true && hour < 12) hour += 12;
  else if (pm === false && hour === 12) hour = 0;
  if (yday >= 0) {
    if (yday < 1 || yday > (isLeap(year) ? 366 : 365))
      throw new TimeError('parsing time (value withheld): day-of-year out of range');
    const d = daysToCivil(civilToDays(year, 1, 1) + yday - 1);
    [month, day] = [d.month, d.day];
  }
  const monthDays = [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 31;
  if (day < 1 || day > monthDays) throw new TimeError('parsing time (value withheld): day out of range');
  const localSeconds =
    BigInt(civilToDays(year, month, day)) * 86400n + BigInt(hour * 3600 + minute * 60 + second);
  if (offset !== undefined) {
    const utc = localSeconds - BigInt(offset);
    const zone = offset === 0 && (abbr === undefined || abbr === 'UTC') ? UTC : fixedZone(abbr ?? '', offset);
    const localAbbr = local.at(utc);
    return new GoTime(utc, nanos, localAbbr.offset === offset ? local : zone);
  }
  if (abbr !== undefined) {
    // A zone abbreviation alone: UTC, the local zone's, or an unknown zone at offset 0 (Go's fabricated one).
    if (abbr === 'UTC') return new GoTime(localSeconds, nanos, UTC);
    const guess = local.at(localSeconds);
    if (guess.abbr === abbr) return new GoTime(localSeconds - BigInt(guess.offset), nanos, local);
    return new GoTime(localSeconds, nanos, fixedZone(abbr, 0));
  }
  const guess = local.at(localSeconds);
  return new GoTime(localSeconds - BigInt(guess.offset), nanos, local);
}

/** time.ParseDuration (sprig's dateModify, durationRound): `1h30m`, `-1.5s`, `300ms`, `2µs`; undefined if Go refuses. */
export function parseDuration(text: string): bigint | undefined {
  try {
    return parseGoDurationNs(text);
  } catch {
    return undefined; // parseGoDurationNs throws only its syntax error, whose text quotes the input: withheld
  }
}

export { formatDurationNs };
