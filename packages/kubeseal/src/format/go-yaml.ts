import { formatGoFloat } from '@ssts/core';
import { compareGoYamlKeys } from './go-yaml-key-order.js';
import { analyzeScalar, isPrintable, mayWritePlain, type ScalarAnalysis } from './go-yaml-scalar.js';
import { OrderedMap, type Ordered } from './ordered.js';

// A YAML writer that produces what upstream kubeseal's `-o yaml` produces (its JSON re-read and written by go-yaml
// v2 with libyaml's emitter: every mapping sorted, 2-space indentation, sequences not indented under their key,
// empty collections as {} and [], long lines folded at spaces past column 80, literal blocks for multi-line text),
// so that outputs can be compared byte for byte. It differs only where Go's output does not read back as the same
// string: see mayWritePlain and the line-separator rule in chooseStyle.

const BEST_INDENT = 2;
const BEST_WIDTH = 80;
const MAX_SIMPLE_KEY_BYTES = 128;

type Style = 'plain' | 'single' | 'double' | 'literal';

interface Context {
  readonly mapping?: boolean;
  readonly simpleKey?: boolean;
}

/**
 * Scalars of these characters only (base64 ciphertexts, most names and keys), not starting with an indicator, a
 * dash or a dot: the libyaml analysis allows every style for them and no character needs folding or escaping, so
 * they are written whole instead of character by character (the same output, much less work for long values).
 */
const SIMPLE_SCALAR = /^[A-Za-z0-9+/=_][A-Za-z0-9+/=_.-]*$/;

const isBreak = (c: number | undefined): boolean =>
  c === 0x0d || c === 0x0a || c === 0x85 || c === 0x2028 || c === 0x2029;
const SHORT_ESCAPES = new Map<number, string>([
  [0x00, '0'],
  [0x07, 'a'],
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0b, 'v'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x1b, 'e'],
  [0x22, '"'],
  [0x5c, '\\'],
  [0x85, 'N'],
  [0xa0, '_'],
  [0x2028, 'L'],
  [0x2029, 'P'],
]);

function escape(c: number): string {
  const short = SHORT_ESCAPES.get(c);
  if (short !== undefined) return `\\${short}`;
  const hex = c.toString(16).toUpperCase();
  if (c <= 0xff) return `\\x${hex.padStart(2, '0')}`;
  if (c <= 0xffff) return `\\u${hex.padStart(4, '0')}`;
  return `\\U${hex.padStart(8, '0')}`;
}

function utf8Length(text: string): number {
  let n = 0;
  for (const c of text) {
    const cp = c.codePointAt(0) ?? 0;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** A number as Go writes it after reading its JSON text: integers as written, other numbers in %g form. */
function numberText(value: number): string {
  const json = JSON.stringify(value);
  return /^-?[0-9]+$/.test(json) ? json : formatGoFloat(value, 64);
}

class Emitter {
  #out = '';
  #column = 0;
  #whitespace = true;
  #indention = true;
  #indent = -1;

  get output(): string {
    return this.#out;
  }

  #put(text: string): void {
    this.#out += text;
    this.#column += 1;
  }

  #newline(): void {
    this.#out += '\n';
    this.#column = 0;
  }

  /** A line break from the value: `\n` is a newline; other break characters are written as they are. */
  #writeBreak(c: number): void {
    if (c === 0x0a) this.#newline();
    else {
      this.#out += String.fromCodePoint(c);
      this.#column = 0;
    }
  }

  writeIndent(): void {
    const indent = Math.max(this.#indent, 0);
    if (!this.#indention || this.#column > indent || (this.#column === indent && !this.#whitespace)) {
      this.#newline();
    }
    while (this.#column < indent) this.#put(' ');
    this.#whitespace = true;
    this.#indention = true;
  }

  #indicator(text: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.#whitespace) this.#put(' ');
    this.#out += text;
    this.#column += text.length;
    this.#whitespace = isWhitespace;
    this.#indention = this.#indention && isIndention;
  }

  node(value: Ordered, ctx: Context): void {
    if (value instanceof OrderedMap) this.#mapping(value);
    else if (Array.isArray(value)) this.#sequence(value as readonly Ordered[], ctx);
    else if (typeof value === 'string') this.#string(value, ctx);
    else if (typeof value === 'number') this.#scalar(numberText(value), 'plain', ctx);
    else this.#scalar(value === null ? 'null' : String(value), 'plain', ctx);
  }

  #mapping(map: OrderedMap): void {
    if (map.entries.length === 0) {
      this.#indicator('{', true, true, false);
      this.#indicator('}', false, false, false);
      return;
    }
    const saved = this.#indent;
    this.#indent = saved < 0 ? 0 : saved + BEST_INDENT;
    const entries = [...map.entries].sort(([a], [b]) => compareGoYamlKeys(a, b));
    for (const [key, item] of entries) {
      this.writeIndent();
      if (key.length <= MAX_SIMPLE_KEY_BYTES && SIMPLE_SCALAR.test(key)) {
        this.#simpleString(key);
        this.#indicator(':', false, false, false);
        this.node(item, { mapping: true });
        continue;
      }
      const chars = Array.from(key, (c) => c.codePointAt(0) ?? 0);
      const analysis = analyzeScalar(chars);
      if (!analysis.multiline && utf8Length(key) <= MAX_SIMPLE_KEY_BYTES) {
        this.#string(key, { mapping: true, simpleKey: true }, chars, analysis);
        this.#indicator(':', false, false, false);
      } else {
        this.#indicator('?', true, false, true);
        this.#string(key, { mapping: true }, chars, analysis);
        this.writeIndent();
        this.#indicator(':', true, false, true);
      }
      this.node(item, { mapping: true });
    }
    this.#indent = saved;
  }

  #sequence(items: readonly Ordered[], ctx: Context): void {
    if (items.length === 0) {
      this.#indicator('[', true, true, false);
      this.#indicator(']', false, false, false);
      return;
    }
    const saved = this.#indent;
    const indentless = ctx.mapping === true && !this.#indention;
    if (saved < 0) this.#indent = 0;
    else if (!indentless) this.#indent = saved + BEST_INDENT;
    for (const item of items) {
      this.writeIndent();
      this.#indicator('-', true, false, true);
      this.node(item, {});
    }
    this.#indent = saved;
  }

  /** A SIMPLE_SCALAR string, plain when it may be, else double-quoted (with nothing to escape or fold). */
  #simpleString(text: string): void {
    if (mayWritePlain(text)) {
      if (!this.#whitespace) this.#put(' ');
      this.#out += text;
      this.#column += text.length;
    } else {
      this.#indicator('"', true, false, false);
      this.#out += text;
      this.#column += text.length;
      this.#indicator('"', false, false, false);
    }
    this.#whitespace = false;
    this.#indention = false;
  }

  #string(text: string, ctx: Context, chars?: readonly number[], analysis?: ScalarAnalysis): void {
    if (chars === undefined && SIMPLE_SCALAR.test(text)) return this.#simpleString(text);
    chars ??= Array.from(text, (c) => c.codePointAt(0) ?? 0);
    let style: Style;
    // Go writes U+2028/U+2029 raw, as line breaks; a YAML 1.2 reader takes them for ordinary characters and keeps
    // the indentation after them. Escaped in double quotes they read back the same everywhere.
    if (chars.some((c) => c === 0x2028 || c === 0x2029)) style = 'double';
    else if (text.includes('\n')) style = 'literal';
    else style = mayWritePlain(text) ? 'plain' : 'double';
    this.#scalar(text, style, ctx, chars, analysis);
  }

  #scalar(
    text: string,
    requested: Style,
    ctx: Context,
    chars: readonly number[] = Array.from(text, (c) => c.codePointAt(0) ?? 0),
    analysis = analyzeScalar(chars),
  ): void {
    let style = requested;
    const simpleKey = ctx.simpleKey === true;
    if (simpleKey && analysis.multiline) style = 'double';
    if (style === 'plain' && (!analysis.blockPlainAllowed || (chars.length === 0 && simpleKey)))
      style = 'single';
    if (style === 'single' && !analysis.singleQuotedAllowed) style = 'double';
    if (style === 'literal' && (!analysis.blockAllowed || simpleKey)) style = 'double';
    const saved = this.#indent;
    this.#indent = saved < 0 ? BEST_INDENT : saved + BEST_INDENT;
    if (style === 'plain') this.#plain(chars, !simpleKey);
    else if (style === 'single') this.#singleQuoted(chars, !simpleKey);
    else if (style === 'double') this.#doubleQuoted(chars, !simpleKey);
    else this.#literal(chars);
    this.#indent = saved;
  }

  #plain(chars: readonly number[], allowBreaks: boolean): void {
    if (!this.#whitespace) this.#put(' ');
    this.#foldedChars(chars, allowBreaks, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #singleQuoted(chars: readonly number[], allowBreaks: boolean): void {
    this.#indicator("'", true, false, false);
    this.#foldedChars(chars, allowBreaks, true);
    this.#indicator("'", false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  /**
   * The characters of a plain or single-quoted scalar: a single space past BEST_WIDTH may become a line break (in a
   * quoted one, not the first or last character), breaks are written as they are, a quote is doubled when quoted.
   */
  #foldedChars(chars: readonly number[], allowBreaks: boolean, quoted: boolean): void {
    let spaces = false;
    let breaks = false;
    const last = chars.length - 1;
    chars.forEach((c, i) => {
      if (c === 0x20) {
        const inside = !quoted || (i > 0 && i < last);
        if (allowBreaks && !spaces && this.#column > BEST_WIDTH && inside && chars[i + 1] !== 0x20) {
          this.writeIndent();
        } else this.#put(' ');
        spaces = true;
      } else if (isBreak(c)) {
        if (!breaks && c === 0x0a) this.#newline();
        this.#writeBreak(c);
        this.#indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        if (quoted && c === 0x27) this.#put("'");
        this.#put(String.fromCodePoint(c));
        this.#indention = false;
        spaces = false;
        breaks = false;
      }
    });
  }

  #doubleQuoted(chars: readonly number[], allowBreaks: boolean): void {
    this.#indicator('"', true, false, false);
    // libyaml escapes every character of a string that starts with a byte order mark.
    const bom = chars[0] === 0xfeff;
    let spaces = false;
    const last = chars.length - 1;
    chars.forEach((c, i) => {
      if (bom || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        for (const part of escape(c)) this.#put(part);
        spaces = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && this.#column > BEST_WIDTH && i > 0 && i < last) {
          this.writeIndent();
          if (chars[i + 1] === 0x20) this.#put('\\');
        } else this.#put(' ');
        spaces = true;
      } else {
        this.#put(String.fromCodePoint(c));
        spaces = false;
      }
    });
    this.#indicator('"', false, false, false);
    this.#whitespace = false;
    this.#indention = false;
  }

  #literal(chars: readonly number[]): void {
    this.#indicator('|', true, false, false);
    const first = chars[0];
    if (first === 0x20 || isBreak(first)) this.#indicator(String(BEST_INDENT), false, false, false);
    const last = chars.length - 1;
    let chomp = '';
    if (chars.length === 0 || !isBreak(chars[last])) chomp = '-';
    else if (last === 0 || isBreak(chars[last - 1])) chomp = '+';
    if (chomp !== '') this.#indicator(chomp, false, false, false);
    this.#newline();
    this.#indention = true;
    this.#whitespace = true;
    let breaks = true;
    for (const c of chars) {
      if (isBreak(c)) {
        this.#writeBreak(c);
        this.#indention = true;
        breaks = true;
      } else {
        if (breaks) this.writeIndent();
        this.#put(String.fromCodePoint(c));
        this.#indention = false;
        breaks = false;
      }
    }
  }
}

/** One YAML document as go-yaml v2 writes it (no `---`; kubeseal prints that itself). */
export function emitGoYaml(value: Ordered): string {
  const emitter = new Emitter();
  emitter.node(value, {});
  emitter.writeIndent();
  return emitter.output;
}
