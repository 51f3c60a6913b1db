import { resolveGoPlain } from '@ssts/core';

// How go-yaml v2 (what upstream kubeseal's `-o yaml` goes through) decides on the style of a string, plus the
// cases where we quote although it does not: every string we write plain must read back as the same string in
// Go (YAML 1.1 as go-yaml implements it), in other YAML 1.1 readers and in YAML 1.2 readers.

/** Go's "is this base-60 float" check: such strings are quoted on output for other YAML 1.1 readers. */
const BASE60_FLOAT = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

/** What YAML 1.1's type repository (as PyYAML implements it) resolves to something other than a string. */
export const YAML11_NON_STRING = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?[0-9][0-9_]*\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:~|null|Null|NULL|<<|=)$/,
  /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
];

/** What YAML 1.2's core schema resolves to something other than a string. */
export const YAML12_NON_STRING = [
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE)$/,
  /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/,
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
];

/** A sign, a dot or a digit first (tested without a regular expression: see readsAsNonString). */
function startsNumerically(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 0x2b || c === 0x2d || c === 0x2e || (c >= 0x30 && c <= 0x39);
}

/** True when go-yaml v2 would write `text` unquoted (it reads back as the same string in Go). */
export function goWritesPlain(text: string): boolean {
  return (
    resolveGoPlain(text).kind === 'str' &&
    !(startsNumerically(text) && text.charAt(0) !== '.' && text.includes(':') && BASE60_FLOAT.test(text))
  );
}

/** The words the patterns above match (booleans, nulls, the merge key, `=`); all else they match starts numerically. */
const NON_STRING_WORDS = new Set(
  'yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF ~ null Null NULL << ='.split(
    ' ',
  ),
);

/**
 * Whether a YAML 1.1 or 1.2 reader takes `text` for something other than a string: one of the words, or a match of
 * the patterns, which are tried only for text starting with a sign, a dot or a digit. V8 compiles each regular
 * expression at its first use in every process (a start-up snapshot keeps none compiled): about 3 M instructions
 * for these eight in each `-o yaml` run, whose strings (names, kinds, ciphertexts) are almost never numbers.
 */
export function readsAsNonString(text: string): boolean {
  if (NON_STRING_WORDS.has(text)) return true;
  if (!startsNumerically(text)) return false;
  return YAML11_NON_STRING.some((re) => re.test(text)) || YAML12_NON_STRING.some((re) => re.test(text));
}

/** Our rule: plain only when Go would, and no YAML 1.1 or 1.2 reader takes the text for another type. */
export function mayWritePlain(text: string): boolean {
  return goWritesPlain(text) && !readsAsNonString(text);
}

/** The libyaml emitter's view of a scalar: which styles it allows. */
export interface ScalarAnalysis {
  readonly multiline: boolean;
  readonly blockPlainAllowed: boolean;
  readonly singleQuotedAllowed: boolean;
  readonly blockAllowed: boolean;
}

const isBreak = (c: number): boolean =>
  c === 0x0d || c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
const isBlank = (c: number | undefined): boolean => c === 0x20 || c === 0x09;

/** Printable for the emitter (unicode output on): everything else is written as an escape in double quotes. */
export function isPrintable(c: number): boolean {
  return (
    c === 0x0a ||
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)
  );
}

export function analyzeScalar(chars: readonly number[]): ScalarAnalysis {
  if (chars.length === 0) {
    return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, blockAllowed: false };
  }
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  let precededByWhitespace = true;
  const [c0, c1, c2] = chars;
  if (
    chars.length >= 3 &&
    ((c0 === 0x2d && c1 === 0x2d && c2 === 0x2d) || (c0 === 0x2e && c1 === 0x2e && c2 === 0x2e))
  ) {
    blockIndicators = true;
  }
  const last = chars.length - 1;
  chars.forEach((c, i) => {
    const followedByWhitespace = i === last || isBlank(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(String.fromCodePoint(c))) blockIndicators = true;
      else if ((c === 0x3f || c === 0x3a || c === 0x2d) && followedByWhitespace) blockIndicators = true;
    } else if ((c === 0x3a && followedByWhitespace) || (c === 0x23 && precededByWhitespace)) {
      blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      lineBreaks = true;
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlank(c) || isBreak(c) || c === 0;
  });
  const plain = !(
    leadingSpace ||
    leadingBreak ||
    trailingSpace ||
    trailingBreak ||
    breakSpace ||
    spaceBreak ||
    special ||
    lineBreaks ||
    blockIndicators
  );
  return {
    multiline: lineBreaks,
    blockPlainAllowed: plain,
    singleQuotedAllowed: !(breakSpace || spaceBreak || special),
    blockAllowed: !(trailingSpace || spaceBreak || special),
  };
}
