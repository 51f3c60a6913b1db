import { isSpaceRune, simpleCase } from './strings.js';

/** Go's unicode package predicates for one rune (Unicode categories; JS and Go may differ by a Unicode version). */
const test = (re: RegExp) => (r: number) => r >= 0 && r <= 0x10ffff && re.test(String.fromCodePoint(r));

export const isUpper = test(/^\p{Lu}$/u);
export const isLower = test(/^\p{Ll}$/u);
export const isTitle = test(/^\p{Lt}$/u);
export const isLetter = test(/^\p{L}$/u);
export const isNumber = test(/^\p{N}$/u);
export const isPunct = test(/^\p{P}$/u);
export const isSpace = isSpaceRune;

export const toUpperRune = (r: number): number => simpleCase(r, 'upper');
export const toLowerRune = (r: number): number => simpleCase(r, 'lower');
export const toTitleRune = (r: number): number => simpleCase(r, 'title');
