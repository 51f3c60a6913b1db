import { RE2JS, RE2JSException, type Matcher } from 're2js';
import { bytesToText, decodeRune, RUNE_ERROR } from './bytes.js';
import { isLetter, isNumber } from './unicode.js';

/**
 * Go's regexp package over byte strings, on re2js (RE2 semantics, matching in time linear in the input: no
 * backtracking). Never JS RegExp: a user pattern must not be able to stall the process.
 */

/** Instructions a pattern may compile to. Go refuses huge programs too (`expression too large`). */
export const MAX_PROGRAM_SIZE = 100_000;

/** A syntax error, with Go's text minus the quoted pattern. */
export class RegexpError extends Error {}

/** A pattern over this engine's size limit (not a syntax error: never swallowed). */
export class RegexpLimitError extends Error {}

/**
 * An upper bound of the program size of `pattern`, computed before compiling (re2js would build the whole
 * program first): every atom counts 1, a counted repetition multiplies the atom it applies to.
 */
export function estimateProgramSize(pattern: string): number {
  const stack: number[] = [0];
  let last = 0; // size of the last atom of the current group
  const addAtom = (size: number): void => {
    stack[stack.length - 1] = (stack[stack.length - 1] ?? 0) + size;
    last = size;
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      if (pattern[i + 1] === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end < 0 ? pattern.length : end;
        addAtom(stop - (i + 2));
        i = end < 0 ? pattern.length : end + 1;
        continue;
      }
      if ((pattern[i + 1] === 'p' || pattern[i + 1] === 'P') && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i);
        i = end < 0 ? pattern.length : end;
      } else i++;
      addAtom(1);
    } else if (c === '[') {
      let j = i + 1;
      if (pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') {
        if (pattern[j] === '\\') j++;
        else if (pattern[j] === '[' && pattern[j + 1] === ':') {
          const end = pattern.indexOf(':]', j + 2);
          if (end >= 0) j = end + 1;
        }
        j++;
      }
      i = j;
      addAtom(1);
    } else if (c === '(') {
      stack.push(0);
    } else if (c === ')') {
      const inner = (stack.pop() ?? 0) + 1;
      if (stack.length === 0) stack.push(0);
      addAtom(inner);
    } else if (c === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(pattern.slice(i, i + 24));
      if (m === null) {
        addAtom(1);
        continue;
      }
      const count = Math.max(
        Number(m[1]),
        m[2] === undefined || m[2] === '' ? Number(m[1]) + 1 : Number(m[2]),
      );
      const extra = last * Math.max(count - 1, 0);
      stack[stack.length - 1] = (stack[stack.length - 1] ?? 0) + extra;
      last += extra;
      i += m[0].length - 1;
      if (stack.some((s) => s > MAX_PROGRAM_SIZE)) return Infinity;
    } else if (c === '*' || c === '+' || c === '?' || c === '|') {
      stack[stack.length - 1] = (stack[stack.length - 1] ?? 0) + 1;
    } else {
      addAtom(1);
    }
  }
  return stack.reduce((a, b) => a + b + 1, 0);
}

function isValidUtf8(s: string): boolean {
  for (let i = 0; i < s.length;) {
    const [r, size] = decodeRune(s, i);
    if (r === RUNE_ERROR && size === 1) return false;
    i += size;
  }
  return true;
}

/** The description part of a syntax error (`missing closing )`), without the pattern it quotes. */
function describe(e: RE2JSException): string {
  const text = e.message.replace(/^error parsing regexp: /, '');
  const colon = text.indexOf(': `');
  return colon < 0 ? text : text.slice(0, colon);
}

/**
 * Work units per input byte and program instruction of one search. re2js simulates the NFA in JS: up to about
 * 100 ns per byte and instruction (`a(?:\w*x)?` on 256 KiB of `a`), and a unit is about 10 ns (engine/limits.ts).
 */
export const UNITS_PER_BYTE_INSTRUCTION = 8;

/** A compiled pattern and the work one search costs. */
export interface Regexp {
  readonly re: RE2JS;
  /** Units per byte a search may scan: program size × UNITS_PER_BYTE_INSTRUCTION, or 1 for a literal. */
  readonly unitsPerByte: number;
  /** The pattern is a literal: a search is an indexOf, and stops at the match (re2js's prefixComplete). */
  readonly literal: boolean;
  readonly groupNames: readonly string[];
}

/** regexp.Compile; the error message is Go's `error parsing regexp: <code>` without the quoted pattern. */
export function compile(pattern: string, charge: (units: number) => void): Regexp {
  charge(pattern.length);
  if (!isValidUtf8(pattern)) throw new RegexpError('error parsing regexp: invalid UTF-8');
  const estimate = estimateProgramSize(pattern);
  if (estimate > MAX_PROGRAM_SIZE) {
    throw new RegexpLimitError(`regular expression exceeds the limit of ${MAX_PROGRAM_SIZE} instructions`);
  }
  charge(estimate * 16);
  let re: RE2JS;
  try {
    re = RE2JS.compile(bytesToText(pattern));
  } catch (e) {
    if (e instanceof RE2JSException) throw new RegexpError(`error parsing regexp: ${describe(e)}`);
    throw e;
  }
  const names: string[] = new Array<string>(re.groupCount() + 1).fill('');
  for (const [name, index] of Object.entries(re.namedGroups())) names[index] = name;
  const literal = re.re2().prefixComplete;
  const unitsPerByte = literal ? 1 : re.programSize() * UNITS_PER_BYTE_INSTRUCTION;
  return { re, unitsPerByte, literal, groupNames: names };
}

/** Match positions (byte offsets) of group 0 and every subgroup, -1 for a group that did not take part. */
export type Match = number[];

/**
 * One search from `pos`, charged before it runs as scanning the rest of the input with every instruction (RE2's
 * bound: the simulation may run past the match end); a literal is charged after, for what indexOf scanned.
 */
function search(
  re: Regexp,
  m: Matcher,
  s: string,
  pos: number,
  charge: (units: number) => void,
): Match | undefined {
  if (!re.literal) charge((s.length - pos + 1) * re.unitsPerByte + 8);
  const found = m.find(pos);
  if (re.literal) charge((found ? m.end() : s.length) - pos + 8);
  if (!found) return undefined;
  const match: Match = [];
  for (let g = 0; g <= re.groupNames.length - 1; g++) match.push(m.start(g), m.end(g));
  return match;
}

function matcherOf(re: Regexp, s: string): Matcher {
  const input = Buffer.from(s, 'latin1');
  return re.re.matcher(new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
}

/**
 * Go's allMatches: successive non-overlapping matches, an empty match right after a match ignored, at most `n`
 * (n < 0: all).
 */
export function findAll(re: Regexp, s: string, n: number, charge: (units: number) => void): Match[] {
  const m = matcherOf(re, s);
  const out: Match[] = [];
  const limit = n < 0 ? s.length + 1 : n;
  for (let pos = 0, prevEnd = -1; out.length < limit && pos <= s.length;) {
    const match = search(re, m, s, pos, charge);
    if (match === undefined) break;
    const [start = 0, end = 0] = match;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      const [, width] = pos < s.length ? decodeRune(s, pos) : [0, 0];
      pos = width > 0 ? pos + width : s.length + 1;
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(match);
  }
  return out;
}

/** The first match, or undefined. */
export function find(re: Regexp, s: string, charge: (units: number) => void): Match | undefined {
  return findAll(re, s, 1, charge)[0];
}

/** Go's extract: a `$name`/`${name}` reference at the start of `t`. */
function extract(t: string): { name: string; num: number; rest: string } | undefined {
  let s = t;
  const brace = s[0] === '{';
  if (brace) s = s.slice(1);
  let i = 0;
  while (i < s.length) {
    const [r, size] = decodeRune(s, i);
    if (!isLetter(r) && !isNumber(r) && r !== 0x5f) break;
    i += size;
  }
  if (i === 0) return undefined;
  const name = s.slice(0, i);
  if (brace) {
    if (i >= s.length || s[i] !== '}') return undefined;
    i++;
  }
  let num = /^\d+$/.test(name) && name.length <= 9 ? Number(name) : -1;
  if (name[0] === '0' && name.length > 1) num = -1;
  return { name, num, rest: s.slice(i) };
}

/** Regexp.Expand of `template` for one match (`$1`, `${name}`, `$$`). */
export function expand(re: Regexp, template: string, s: string, match: Match): string {
  let out = '';
  let t = template;
  const group = (i: number): string => {
    const start = match[2 * i] ?? -1;
    return start >= 0 ? s.slice(start, match[2 * i + 1]) : '';
  };
  for (;;) {
    const dollar = t.indexOf('$');
    if (dollar < 0) break;
    out += t.slice(0, dollar);
    t = t.slice(dollar + 1);
    if (t[0] === '$') {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const ref = extract(t);
    if (ref === undefined) {
      out += '$';
      continue;
    }
    t = ref.rest;
    if (ref.num >= 0) out += ref.num < re.groupNames.length ? group(ref.num) : '';
    else {
      const index = re.groupNames.indexOf(ref.name);
      if (index > 0) out += group(index);
    }
  }
  return out + t;
}

/** Go's QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, (c) => '\\' + c);
}

/** Go's replaceAll: `repl` for each match, no replacement for an empty match right after a match. */
export function replaceAll(
  re: Regexp,
  s: string,
  repl: (match: Match) => string,
  charge: (units: number) => void,
  maxBytes: number,
): string {
  const m = matcherOf(re, s);
  const out: string[] = [];
  let size = 0;
  const emit = (piece: string): void => {
    size += piece.length;
    if (size > maxBytes) throw new RegexpLimitError(`result exceeds the limit of ${maxBytes} bytes`);
    out.push(piece);
  };
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const match = search(re, m, s, searchPos, charge);
    if (match === undefined) break;
    const [start = 0, end = 0] = match;
    emit(s.slice(lastEnd, start));
    if (end > lastEnd || start === 0) emit(repl(match));
    lastEnd = end;
    const [, width] = searchPos < s.length ? decodeRune(s, searchPos) : [0, 0];
    if (searchPos + width > end) searchPos += width;
    else if (searchPos + 1 > end) searchPos++;
    else searchPos = end;
  }
  emit(s.slice(lastEnd));
  return out.join('');
}

/** Go's Regexp.Split. */
export function split(
  re: Regexp,
  pattern: string,
  s: string,
  n: number,
  charge: (units: number) => void,
): string[] {
  if (n === 0) return [];
  if (pattern.length > 0 && s.length === 0) return [''];
  const matches = findAll(re, s, n, charge);
  const parts: string[] = [];
  let beg = 0;
  let end = 0;
  for (const [start = 0, stop = 0] of matches) {
    if (n > 0 && parts.length === n - 1) break;
    end = start;
    if (stop !== 0) parts.push(s.slice(beg, end));
    beg = stop;
  }
  if (end !== s.length) parts.push(s.slice(beg));
  return parts;
}
