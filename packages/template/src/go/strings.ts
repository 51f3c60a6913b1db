import { decodeLastRune, decodeRune, encodeRune, mapRunes, RUNE_ERROR, runeCount, runesOf } from './bytes.js';
import { occurrences } from './search.js';

/** Go's strings package on byte strings, where it differs from plain JS string operations. */

/** unicode.IsSpace. */
export function isSpaceRune(r: number): boolean {
  if (r <= 0xff) return r === 0x20 || (r >= 0x09 && r <= 0x0d) || r === 0x85 || r === 0xa0;
  return (
    r === 0x1680 ||
    (r >= 0x2000 && r <= 0x200a) ||
    r === 0x2028 ||
    r === 0x2029 ||
    r === 0x202f ||
    r === 0x205f ||
    r === 0x3000
  );
}

export function trimFunc(s: string, drop: (r: number) => boolean): string {
  let start = 0;
  while (start < s.length) {
    const [r, size] = decodeRune(s, start);
    if (!drop(r)) break;
    start += size;
  }
  let end = s.length;
  while (end > start) {
    const [r, size] = decodeLastRune(s, end);
    if (!drop(r)) break;
    end -= size;
  }
  return s.slice(start, end);
}

/** strings.TrimSpace. */
export function trimSpace(s: string): string {
  return trimFunc(s, isSpaceRune);
}

/** strings.Trim(s, cutset): invalid bytes of s are U+FFFD for membership, as in Go. */
export function trimCutset(s: string, cutset: string): string {
  if (s === '' || cutset === '') return s;
  const set = new Set(runesOf(cutset).map((r) => r.rune));
  return trimFunc(s, (r) => set.has(r));
}

/** The UTF-8 sequences of s, each invalid byte on its own (Go's explode), at most `max` + 1 of them. */
function explode(s: string, n = -1, max = Infinity): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < s.length && parts.length <= max) {
    if (n > 0 && parts.length === n - 1) {
      parts.push(s.slice(i));
      return parts;
    }
    const [, size] = decodeRune(s, i);
    parts.push(s.slice(i, i + size));
    i += size;
  }
  return parts;
}

/**
 * strings.SplitN (n < 0: all), in linear time (search.ts). Stops after `max` + 1 parts, so that a caller with an
 * element limit can report it without building a million-element array first.
 */
export function splitN(s: string, sep: string, n: number, max = Infinity): string[] {
  if (n === 0) return [];
  if (sep === '') return explode(s, n, max);
  const parts: string[] = [];
  let start = 0;
  for (const x of occurrences(s, sep, Math.min(n < 0 ? Infinity : n - 1, max + 1))) {
    parts.push(s.slice(start, x));
    start = x + sep.length;
  }
  parts.push(s.slice(start));
  return parts;
}

/** strings.Replace(s, old, new, -1), including Go's rule for an empty `old`. */
export function replaceAll(s: string, old: string, replacement: string): string {
  if (old === replacement) return s;
  if (old !== '') {
    const pieces: string[] = [];
    let start = 0;
    for (const x of occurrences(s, old)) {
      pieces.push(s.slice(start, x));
      start = x + old.length;
    }
    pieces.push(s.slice(start));
    return pieces.join(replacement);
  }
  return (
    replacement +
    explode(s)
      .map((p) => p + replacement)
      .join('')
  );
}

/** Size of replaceAll's result, computed without building it. */
export function replaceAllSize(s: string, old: string, replacement: string): number {
  if (old === '') return s.length + (runeCount(s) + 1) * replacement.length;
  return s.length + occurrences(s, old).length * (replacement.length - old.length);
}

/**
 * unicode.ToUpper / ToLower / ToTitle per rune. JS case mapping is used when it maps one code point to one code
 * point (Go's "simple" mapping); multi-code-point special casings such as ß → SS are left unchanged, as in Go.
 */
export function simpleCase(r: number, mode: 'upper' | 'lower' | 'title'): number {
  if (r < 0x80) {
    if (mode === 'lower') return r >= 0x41 && r <= 0x5a ? r + 32 : r;
    return r >= 0x61 && r <= 0x7a ? r - 32 : r;
  }
  if (r === RUNE_ERROR) return r;
  if (mode === 'lower' && r === 0x130) return 0x69;
  if (mode === 'title') {
    // The four Latin digraphs have distinct titlecase forms (ǅ ǈ ǋ ǲ).
    const digraph = [0x1c4, 0x1c7, 0x1ca, 0x1f1].find((base) => r >= base && r <= base + 2);
    if (digraph !== undefined) return digraph + 1;
  }
  const ch = String.fromCodePoint(r);
  const mapped = mode === 'lower' ? ch.toLowerCase() : ch.toUpperCase();
  const cp = mapped.codePointAt(0);
  return cp !== undefined && String.fromCodePoint(cp) === mapped ? cp : r;
}

export function toUpper(s: string): string {
  return mapRunes(s, (r) => simpleCase(r, 'upper'));
}

export function toLower(s: string): string {
  return mapRunes(s, (r) => simpleCase(r, 'lower'));
}

function isTitleSeparator(r: number): boolean {
  if (r <= 0x7f) {
    const alnum = (r >= 0x30 && r <= 0x39) || (r >= 0x41 && r <= 0x5a) || (r >= 0x61 && r <= 0x7a);
    return !(alnum || r === 0x5f);
  }
  if (/[\p{L}\p{Nd}]/u.test(String.fromCodePoint(r))) return false;
  return isSpaceRune(r);
}

/** strings.Title (deprecated in Go, but what sprig's `title` calls). */
export function title(s: string): string {
  return mapRunes(s, (r, prev) => (isTitleSeparator(prev) ? simpleCase(r, 'title') : r));
}

/**
 * goutils.DeleteWhiteSpace (sprig `nospace`). It walks bytes, not runes: when anything is removed, every
 * non-ASCII byte is re-encoded as if it were a Latin-1 rune. Reproduced on purpose for identical output.
 */
export function deleteWhiteSpace(s: string): string {
  let out = '';
  let kept = 0;
  for (let i = 0; i < s.length; i++) {
    const b = s.charCodeAt(i);
    if (isSpaceRune(b)) continue;
    out += encodeRune(b);
    kept++;
  }
  return kept === s.length ? s : out;
}
