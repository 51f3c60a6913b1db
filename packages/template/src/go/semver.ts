import { GoInt, GoObject, type ObjectMethod, type Value } from '../engine/values.js';
import * as regexp from './regexp.js';

/**
 * Masterminds/semver v3.4.0 as the Go controller links it (sprig's `semver`, `semverCompare`): NewVersion with
 * CoerceNewVersion (leading zeros allowed, `v` prefix, missing minor/patch), Compare, and NewConstraint/Check
 * with its operators, x-ranges, hyphen ranges, `||` and the prerelease rule. Error texts are upstream's, except
 * that no input text is quoted (it may come from a secret).
 */

export class SemverError extends Error {}

const ALLOWED = /^[0-9A-Za-z-]+$/;
const NUMERIC = /^[0-9]+$/;
const MAX_UINT64 = (1n << 64n) - 1n;

function parseUint(digits: string): bigint {
  const n = digits.length > 25 ? MAX_UINT64 + 1n : BigInt(digits);
  if (n > MAX_UINT64)
    throw new SemverError('error parsing version segment: strconv.ParseUint: value out of range');
  return n;
}

function validatePrerelease(p: string): void {
  for (const part of p.split('.')) {
    if (part === '') throw new SemverError('invalid prerelease string');
    if (NUMERIC.test(part)) {
      if (part.length > 1 && part[0] === '0') throw new SemverError('version segment starts with 0');
    } else if (!ALLOWED.test(part)) throw new SemverError('invalid prerelease string');
  }
}

function validateMetadata(m: string): void {
  for (const part of m.split('.')) {
    if (part === '' || !ALLOWED.test(part)) throw new SemverError('invalid metadata string');
  }
}

/** looseSemVerRegex, anchored: `v?N(.N)?(.N)?(-ids)?(+ids)?` where ids are dot-separated [0-9A-Za-z-]+. */
const LOOSE =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

export interface VersionData {
  readonly major: bigint;
  readonly minor: bigint;
  readonly patch: bigint;
  readonly pre: string;
  readonly metadata: string;
  readonly original: string;
}

/** NewVersion (coercing). `v` is a byte string; the pattern only accepts ASCII. */
export function newVersion(v: string): VersionData {
  const m = LOOSE.exec(v);
  if (m === null) throw new SemverError('invalid semantic version');
  const [, major = '', minor = '', patch = '', pre = '', metadata = ''] = m;
  const data: VersionData = {
    major: parseUint(major),
    minor: minor === '' ? 0n : parseUint(minor.slice(1)),
    patch: patch === '' ? 0n : parseUint(patch.slice(1)),
    pre,
    metadata,
    original: v,
  };
  if (pre !== '') validatePrerelease(pre);
  if (metadata !== '') validateMetadata(metadata);
  return data;
}

export function versionString(v: VersionData): string {
  return `${v.major}.${v.minor}.${v.patch}${v.pre === '' ? '' : '-' + v.pre}${v.metadata === '' ? '' : '+' + v.metadata}`;
}

const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

function comparePrePart(s: string, o: string): number {
  if (s === o) return 0;
  if (s === '') return o !== '' ? -1 : 1;
  if (o === '') return 1;
  const sNum = NUMERIC.test(s) && s.length <= 20 && BigInt(s) <= MAX_UINT64;
  const oNum = NUMERIC.test(o) && o.length <= 20 && BigInt(o) <= MAX_UINT64;
  if (!sNum && !oNum) return s > o ? 1 : -1;
  if (!oNum) return -1;
  if (!sNum) return 1;
  return BigInt(s) > BigInt(o) ? 1 : -1;
}

function comparePrerelease(v: string, o: string): number {
  const sp = v.split('.');
  const op = o.split('.');
  for (let i = 0; i < Math.max(sp.length, op.length); i++) {
    const d = comparePrePart(sp[i] ?? '', op[i] ?? '');
    if (d !== 0) return d;
  }
  return 0;
}

export function compareVersions(v: VersionData, o: VersionData): number {
  const d = cmp(v.major, o.major) || cmp(v.minor, o.minor) || cmp(v.patch, o.patch);
  if (d !== 0) return d;
  if (v.pre === '' && o.pre === '') return 0;
  if (v.pre === '') return 1;
  if (o.pre === '') return -1;
  return comparePrerelease(v.pre, o.pre);
}

// Constraints. The patterns are upstream's, compiled by re2js (linear time on any constraint text).
const CV =
  String.raw`v?([0-9|x|X|\*]+)(\.[0-9|x|X|\*]+)?(\.[0-9|x|X|\*]+)?` +
  String.raw`(-([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?` +
  String.raw`(\+([0-9A-Za-z\-]+(\.[0-9A-Za-z\-]+)*))?`;
const OPS = String.raw`=||!=|>|<|>=|=>|<=|=<|~|~>|\^`;

type Charge = (units: number) => void;
const patterns = new Map<string, regexp.Regexp>();
function pattern(source: string): regexp.Regexp {
  let re = patterns.get(source);
  if (re === undefined) {
    re = regexp.compile(source, () => undefined);
    patterns.set(source, re);
  }
  return re;
}
const CONSTRAINT = String.raw`^\s*(${OPS})\s*(${CV})\s*$`;
const RANGE = String.raw`\s*(${CV})\s+-\s+(${CV})\s*`;
const FIND = `(${OPS})\\s*(${CV})`;
const VALID = String.raw`^(\s*(${OPS})\s*(${CV})\s*)((?:\s+|,\s*)(${OPS})\s*(${CV})\s*)*$`;

interface Constraint {
  readonly con: VersionData;
  readonly op: string;
  readonly minorDirty: boolean;
  readonly patchDirty: boolean;
  readonly dirty: boolean;
}

const isX = (s: string): boolean => s === 'x' || s === '*' || s === 'X';

function group(s: string, m: regexp.Match, i: number): string {
  const start = m[2 * i] ?? -1;
  return start < 0 ? '' : s.slice(start, m[2 * i + 1]);
}

function parseConstraint(c: string, charge: Charge): Constraint {
  if (c.length === 0) {
    return { con: newVersion('0.0.0'), op: '', minorDirty: false, patchDirty: false, dirty: true };
  }
  const m = regexp.find(pattern(CONSTRAINT), c, charge);
  if (m === undefined) throw new SemverError('improper constraint (constraint withheld)');
  const [op, major, minor, patch, pre] = [1, 3, 4, 5, 6].map((i) => group(c, m, i)) as [
    string,
    string,
    string,
    string,
    string,
  ];
  let ver = group(c, m, 2);
  let [minorDirty, patchDirty, dirty] = [false, false, false];
  if (isX(major) || major === '') {
    ver = `0.0.0${pre}`;
    dirty = true;
  } else if (isX(minor.slice(1)) || minor === '') {
    [minorDirty, dirty] = [true, true];
    ver = `${major}.0.0${pre}`;
  } else if (isX(patch.slice(1)) || patch === '') {
    [patchDirty, dirty] = [true, true];
    ver = `${major}${minor}.0${pre}`;
  }
  let con: VersionData;
  try {
    con = newVersion(ver);
  } catch {
    throw new SemverError('constraint parser error');
  }
  return { con, op, minorDirty, patchDirty, dirty };
}

/** NewConstraint: `||`-separated groups of constraints that must all hold. */
export function newConstraints(text: string, charge: Charge): { groups: Constraint[][]; hasPre: boolean[] } {
  // rewriteRange: `a - b` becomes `>= a, <= b `.
  let c = text;
  for (const m of regexp.findAll(pattern(RANGE), text, -1, charge)) {
    const whole = text.slice(m[0], m[1]);
    c = c.replace(whole, () => `>= ${group(text, m, 1)}, <= ${group(text, m, 11)} `);
  }
  const groups: Constraint[][] = [];
  const hasPre: boolean[] = [];
  for (const or of c.split('||')) {
    if (regexp.find(pattern(VALID), or, charge) === undefined) {
      throw new SemverError('improper constraint (constraint withheld)');
    }
    const found = regexp.findAll(pattern(FIND), or, -1, charge).map(([s = 0, e = 0]) => or.slice(s, e));
    const cs = (found.length === 0 ? [or] : found).map((s) => parseConstraint(s, charge));
    groups.push(cs);
    hasPre.push(cs.some((x) => x.con.pre !== ''));
  }
  return { groups, hasPre };
}

function tilde(v: VersionData, c: Constraint): boolean {
  if (compareVersions(v, c.con) < 0) return false;
  if (c.con.major === 0n && c.con.minor === 0n && c.con.patch === 0n && !c.minorDirty && !c.patchDirty)
    return true;
  if (v.major !== c.con.major) return false;
  return !(v.minor !== c.con.minor && !c.minorDirty);
}

function check(v: VersionData, c: Constraint): boolean {
  const d = compareVersions(v, c.con);
  switch (c.op) {
    case '':
    case '=':
      return c.dirty ? tilde(v, c) : d === 0;
    case '!=':
      if (c.dirty) {
        if (c.con.major !== v.major) return true;
        if (c.con.minor !== v.minor && !c.minorDirty) return true;
        if (c.minorDirty) return false;
        if (c.con.patch !== v.patch && !c.patchDirty) return true;
        if (c.patchDirty) {
          return (v.pre !== '' || c.con.pre !== '') && comparePrerelease(v.pre, c.con.pre) !== 0;
        }
      }
      return d !== 0;
    case '>':
      if (!c.dirty) return d === 1;
      if (v.major > c.con.major) return true;
      if (v.major < c.con.major || c.minorDirty) return false;
      if (c.patchDirty) return v.minor > c.con.minor;
      return d === 1;
    case '<':
      return d < 0;
    case '>=':
    case '=>':
      return d >= 0;
    case '<=':
    case '=<':
      if (!c.dirty) return d <= 0;
      if (v.major > c.con.major) return false;
      return !(v.major === c.con.major && v.minor > c.con.minor && !c.minorDirty);
    case '~':
    case '~>':
      return tilde(v, c);
    default: {
      // ^
      if (d < 0) return false;
      if (c.con.major > 0n || c.minorDirty) return v.major === c.con.major;
      if (v.major > 0n) return false;
      if (c.con.minor > 0n || c.patchDirty) return v.minor === c.con.minor;
      if (v.minor > 0n) return false;
      return c.con.patch === v.patch;
    }
  }
}

/** Constraints.Check: some `||` group holds entirely; a prerelease only matches a group that names one. */
export function checkConstraints(cs: { groups: Constraint[][]; hasPre: boolean[] }, v: VersionData): boolean {
  return cs.groups.some((group, i) =>
    group.every((c) => (v.pre === '' || cs.hasPre[i] === true) && check(v, c)),
  );
}

/** `*semver.Version` (what `semver` returns) or `semver.Version` (what its Inc methods return). */
export class SemverVersion extends GoObject {
  constructor(
    readonly data: VersionData,
    readonly kind: 'ptr' | 'struct' = 'ptr',
  ) {
    super();
  }

  get type(): string {
    return this.kind === 'ptr' ? '*semver.Version' : 'semver.Version';
  }

  format(): string {
    return versionString(this.data);
  }

  /** MarshalJSON: the String form, which is plain ASCII. */
  json(): string {
    return `"${versionString(this.data)}"`;
  }

  equals(other: GoObject): boolean {
    if (!(other instanceof SemverVersion)) return false;
    const [a, b] = [this.data, other.data];
    return (
      a.major === b.major &&
      a.minor === b.minor &&
      a.patch === b.patch &&
      a.pre === b.pre &&
      a.metadata === b.metadata &&
      a.original === b.original
    );
  }

  private derived(change: Partial<VersionData>): SemverVersion {
    const prefix = /^[vV]/.test(this.data.original) ? 'v' : '';
    const next = { ...this.data, ...change };
    return new SemverVersion({ ...next, original: prefix + versionString(next) }, 'struct');
  }

  override method(name: string): ObjectMethod | undefined {
    const d = this.data;
    const other = (v: Value): VersionData => {
      if (!(v instanceof SemverVersion))
        throw new SemverError('wrong type for value; expected *semver.Version');
      return v.data;
    };
    const methods: Record<string, ObjectMethod> = {
      Major: { params: [], call: () => new GoInt('uint64', d.major) },
      Minor: { params: [], call: () => new GoInt('uint64', d.minor) },
      Patch: { params: [], call: () => new GoInt('uint64', d.patch) },
      Prerelease: { params: [], call: () => d.pre },
      Metadata: { params: [], call: () => d.metadata },
      String: { params: [], call: () => versionString(d) },
      IncMajor: {
        params: [],
        call: () => this.derived({ major: d.major + 1n, minor: 0n, patch: 0n, pre: '', metadata: '' }),
      },
      IncMinor: {
        params: [],
        call: () => this.derived({ minor: d.minor + 1n, patch: 0n, pre: '', metadata: '' }),
      },
      IncPatch: {
        params: [],
        call: () => this.derived({ patch: d.pre === '' ? d.patch + 1n : d.patch, pre: '', metadata: '' }),
      },
    };
    if (this.kind === 'ptr') {
      Object.assign(methods, {
        Original: { params: [], call: () => d.original },
        Compare: { params: ['any'], call: ([o]) => BigInt(compareVersions(d, other(o))) },
        LessThan: { params: ['any'], call: ([o]) => compareVersions(d, other(o)) < 0 },
        GreaterThan: { params: ['any'], call: ([o]) => compareVersions(d, other(o)) > 0 },
        Equal: { params: ['any'], call: ([o]) => compareVersions(d, other(o)) === 0 },
      } satisfies Record<string, ObjectMethod>);
    }
    return Object.hasOwn(methods, name) ? methods[name] : undefined;
  }
}
