import { decodeRune, encodeRune, RUNE_ERROR } from './bytes.js';

const PRINTABLE = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;

/** Go's unicode.IsPrint / strconv.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isPrintRune(r: number): boolean {
  if (r < 0x80) return r >= 0x20 && r < 0x7f;
  if (r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return false;
  return PRINTABLE.test(String.fromCodePoint(r));
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

function escapeRune(r: number, quote: number, asciiOnly: boolean): string {
  if (r === quote || r === 0x5c) return '\\' + encodeRune(r);
  if (asciiOnly ? r < 0x80 && isPrintRune(r) : isPrintRune(r)) return encodeRune(r);
  switch (r) {
    case 0x07:
      return '\\a';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    case 0x0b:
      return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r > 0x10ffff) r = RUNE_ERROR;
  return r < 0x10000 ? '\\u' + hex(r, 4) : '\\U' + hex(r, 8);
}

/**
 * Go's strconv.Quote (and fmt's %q) of a byte string: `"`-quoted, Go escapes, invalid UTF-8 bytes as `\xNN`.
 * Returns a byte string.
 */
export function quoteBytes(s: string, asciiOnly = false): string {
  let out = '"';
  for (let i = 0; i < s.length;) {
    const [r, size] = decodeRune(s, i);
    if (size === 1 && r === RUNE_ERROR) out += '\\x' + hex(s.charCodeAt(i), 2);
    else out += escapeRune(r, 0x22, asciiOnly);
    i += size;
  }
  return out + '"';
}

/** Go's strconv.QuoteRune (fmt's %q of an integer). */
export function quoteRune(r: number, asciiOnly = false): string {
  if (r < 0 || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) r = RUNE_ERROR;
  return "'" + escapeRune(r, 0x27, asciiOnly) + "'";
}

/** strconv.CanBackquote: used by fmt's %#q. */
export function canBackquote(s: string): boolean {
  for (let i = 0; i < s.length;) {
    const [r, size] = decodeRune(s, i);
    if (size === 1 && r === RUNE_ERROR) return false;
    if (r === 0x60 || r === 0xfeff) return false;
    if (r !== 0x09 && (r < 0x20 || r === 0x7f)) return false;
    i += size;
  }
  return true;
}
