import type {
  ArgNode,
  BranchNode,
  CommandNode,
  LoopControlNode,
  Node,
  NumberNode,
  PipeNode,
  TemplateNode,
  TemplateSet,
  VariableNode,
} from './ast.js';
import { bytesToText, decodeRune, encodeRune, runesOf } from '../go/bytes.js';
import { ParseError } from './errors.js';
import { quoteBytes } from '../go/quote.js';
import { lex, type Item } from './lexer.js';

/** Nesting deeper than this (parentheses, control structures) is refused instead of exhausting the stack. */
export const MAX_NESTING = 300;

export interface ParseOptions {
  /** Whether a function of that name exists; unknown names are a parse error, as in Go. */
  readonly hasFunction: (name: string) => boolean;
  /** Extra text appended to `function "x" not defined`, e.g. why a sprig function is missing. */
  readonly undefinedFunctionHint?: (name: string) => string;
}

class EndNode {
  constructor(readonly pos: number) {}
}
class ElseNode {
  constructor(
    readonly pos: number,
    readonly line: number,
  ) {}
}

const EOF_ITEM = (pos: number, line: number): Item => ({ typ: 'eof', pos, val: '', line });

/** Go's item.String(), used in `unexpected X in Y`. */
function itemString(item: Item): string {
  switch (item.typ) {
    case 'eof':
      return 'EOF';
    case 'error':
      return item.val;
    case 'keyword':
    case 'dot':
    case 'nil':
      return `<${bytesToText(item.val)}>`;
  }
  const runes = runesOf(item.val);
  if (runes.length > 10) {
    const cut = item.val.slice(0, runes[10]?.start ?? item.val.length);
    return bytesToText(quoteBytes(cut)) + '...';
  }
  return bytesToText(quoteBytes(item.val));
}

/**
 * Parses a template source (a byte string) into its templates, with Go's text/template grammar and error texts
 * (`template: <name>:<line>: <message>`): the main one under `name`, and those of `define` and `block`.
 */
export function parseTemplate(name: string, source: string, options: ParseOptions): TemplateSet {
  return new Parser(name, source, options).parse();
}

/** parse.IsEmptyTree: only blank text (and comments, which the tree does not keep). */
function isEmptyTree(list: readonly Node[]): boolean {
  return list.every((n) => n.kind === 'text' && n.text.trim() === '');
}

class Parser {
  private readonly items: Item[];
  private index = 0;
  private current: Item;
  private vars: string[] = ['$'];
  private rangeDepth = 0;
  private depth = 0;
  private actionLine = 0;

  constructor(
    private readonly name: string,
    source: string,
    private readonly options: ParseOptions,
  ) {
    this.items = lex(source);
    this.current = this.items[0] ?? EOF_ITEM(0, 1);
  }

  private errorf(message: string, line = this.current.line): never {
    throw new ParseError(`template: ${this.name}:${line}: ${message}`);
  }

  private next(): Item {
    const item = this.items[this.index] ?? EOF_ITEM(this.current.pos, this.current.line);
    if (this.index < this.items.length) this.index++;
    this.current = item;
    return item;
  }

  private backup(count = 1): void {
    this.index -= count;
    this.current = this.items[this.index - 1] ?? this.current;
  }

  private peek(): Item {
    return this.items[this.index] ?? EOF_ITEM(this.current.pos, this.current.line);
  }

  private nextNonSpace(): Item {
    let item = this.next();
    while (item.typ === 'space') item = this.next();
    return item;
  }

  private peekNonSpace(): Item {
    let i = this.index;
    while (this.items[i]?.typ === 'space') i++;
    return this.items[i] ?? EOF_ITEM(this.current.pos, this.current.line);
  }

  private unexpected(item: Item, context: string): never {
    if (item.typ === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== item.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (item.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${item.val}${extra}`, item.line);
    }
    this.errorf(`unexpected ${itemString(item)} in ${context}`, item.line);
  }

  private expect(typ: Item['typ'], context: string): Item {
    const item = this.nextNonSpace();
    if (item.typ !== typ) this.unexpected(item, context);
    return item;
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) this.errorf(`template nesting exceeds the limit of ${MAX_NESTING}`);
  }

  private readonly trees = new Map<string, readonly Node[]>();

  parse(): TemplateSet {
    const root: Node[] = [];
    while (this.peek().typ !== 'eof') {
      if (this.peek().typ === 'leftDelim') {
        const mark = this.index;
        this.next();
        const keyword = this.nextNonSpace();
        if (keyword.typ === 'keyword' && keyword.val === 'define') {
          this.definition();
          continue;
        }
        this.index = mark;
        this.current = this.items[mark - 1] ?? this.current;
      }
      const n = this.textOrAction();
      if (n instanceof EndNode) this.errorf('unexpected {{end}}');
      if (n instanceof ElseNode) this.errorf('unexpected {{else}}');
      root.push(n);
    }
    this.add(this.name, root);
    return this.trees;
  }

  /** parse.(*Tree).add: a name may be defined again only where one of the two definitions is empty. */
  private add(name: string, list: readonly Node[]): void {
    const existing = this.trees.get(name);
    if (existing === undefined || isEmptyTree(existing)) this.trees.set(name, list);
    else if (!isEmptyTree(list)) {
      this.errorf(`template: multiple definition of template ${bytesToText(quoteBytes(name))}`);
    }
  }

  private templateName(token: Item, context: string): string {
    if (token.typ !== 'string' && token.typ !== 'rawString') this.unexpected(token, context);
    const name = unquote(token.val);
    if (name === undefined) this.errorf('invalid syntax');
    return name;
  }

  /** The body of a `define` or `block`: a template of its own, with fresh variables and outside any range. */
  private body(context: string): Node[] {
    const [vars, rangeDepth] = [this.vars, this.rangeDepth];
    this.vars = ['$'];
    this.rangeDepth = 0;
    this.enter();
    const [list, end] = this.itemList();
    if (!(end instanceof EndNode)) this.errorf(`unexpected {{else}} in ${context}`);
    this.depth--;
    [this.vars, this.rangeDepth] = [vars, rangeDepth];
    return list;
  }

  private definition(): void {
    const context = 'define clause';
    const name = this.templateName(this.nextNonSpace(), context);
    this.expect('rightDelim', context);
    this.add(name, this.body(context));
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().typ !== 'rightDelim') {
      this.backup();
      // Variables the pipeline declares persist until the enclosing {{end}}, as in Go.
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { kind: 'template', pos: token.pos, name, pipe };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.templateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    this.add(name, this.body(context));
    return { kind: 'template', pos: token.pos, name, pipe };
  }

  private textOrAction(): Node | EndNode | ElseNode {
    const item = this.nextNonSpace();
    switch (item.typ) {
      case 'text':
        return { kind: 'text', pos: item.pos, text: item.val };
      case 'leftDelim': {
        const saved = this.actionLine;
        this.actionLine = item.line;
        try {
          return this.action();
        } finally {
          this.actionLine = saved;
        }
      }
      default:
        this.unexpected(item, 'input');
    }
  }

  private action(): Node | EndNode | ElseNode {
    const item = this.nextNonSpace();
    if (item.typ === 'keyword') {
      switch (item.val) {
        case 'break':
        case 'continue':
          return this.loopControl(item);
        case 'else':
          return this.elseControl();
        case 'end':
          return new EndNode(this.expect('rightDelim', 'end').pos);
        case 'if':
        case 'range':
        case 'with':
          return this.control(item.val);
        case 'template':
          return this.templateControl();
        case 'block':
          return this.blockControl();
      }
    }
    this.backup();
    const pipe = this.pipeline('command', 'rightDelim');
    return { kind: 'action', pos: pipe.pos, pipe };
  }

  private loopControl(item: Item): LoopControlNode {
    const kind = item.val === 'break' ? 'break' : 'continue';
    const after = this.nextNonSpace();
    if (after.typ !== 'rightDelim') this.unexpected(after, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { kind, pos: item.pos };
  }

  private elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.typ === 'keyword' && (peek.val === 'if' || peek.val === 'with')) {
      return new ElseNode(peek.pos, peek.line);
    }
    const item = this.expect('rightDelim', 'else');
    return new ElseNode(item.pos, item.line);
  }

  private control(kind: 'if' | 'range' | 'with'): BranchNode {
    this.enter();
    const varsBefore = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, firstNext] = this.itemList();
    let next = firstNext;
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (next instanceof ElseNode) {
      const peek = this.peekNonSpace();
      if (peek.typ === 'keyword' && peek.val === kind && kind !== 'range') {
        // `{{else if x}}` is `{{else}}{{if x}}...{{end}}{{end}}` sharing the final {{end}}.
        this.nextNonSpace();
        elseList = [this.control(kind)];
      } else {
        [elseList, next] = this.itemList();
        if (!(next instanceof EndNode)) this.errorf('expected end; found {{else}}');
      }
    }
    this.vars.length = varsBefore;
    this.depth--;
    return { kind, pos: pipe.pos, pipe, list, elseList };
  }

  private itemList(): [Node[], EndNode | ElseNode] {
    const list: Node[] = [];
    while (this.peekNonSpace().typ !== 'eof') {
      const n = this.textOrAction();
      if (n instanceof EndNode || n instanceof ElseNode) return [list, n];
      list.push(n);
    }
    this.errorf('unexpected EOF', this.peekNonSpace().line);
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): PipeNode {
    const first = this.peekNonSpace();
    const decl: VariableNode[] = [];
    let isAssign = false;
    for (;;) {
      const v = this.peekNonSpace();
      if (v.typ !== 'variable') break;
      const mark = this.index;
      this.nextNonSpace();
      const next = this.peekNonSpace();
      if (next.typ === 'assign' || next.typ === 'declare') {
        isAssign = next.typ === 'assign';
        this.nextNonSpace();
        decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        break;
      }
      if (next.typ === 'char' && next.val === ',') {
        this.nextNonSpace();
        decl.push({ kind: 'variable', pos: v.pos, ident: [v.val] });
        this.vars.push(v.val);
        if (context === 'range' && decl.length < 2) {
          const after = this.peekNonSpace();
          if (after.typ === 'variable' || after.typ === 'rightDelim' || after.typ === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.index = mark;
      this.current = this.items[mark - 1] ?? this.current;
      break;
    }
    const cmds: CommandNode[] = [];
    for (;;) {
      const item = this.nextNonSpace();
      if (item.typ === end) {
        if (cmds.length === 0) this.errorf(`missing value for ${context}`);
        cmds.slice(1).forEach((c, i) => {
          const k = c.args[0]?.kind;
          if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string') {
            this.errorf(`non executable command in pipeline stage ${i + 2}`);
          }
        });
        return { kind: 'pipe', pos: first.pos, line: first.line, isAssign, decl, cmds };
      }
      switch (item.typ) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          cmds.push(this.command());
          break;
        default:
          this.unexpected(item, context);
      }
    }
  }

  private command(): CommandNode {
    const pos = this.peekNonSpace().pos;
    const args: ArgNode[] = [];
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand !== undefined) args.push(operand);
      const item = this.next();
      if (item.typ === 'space') continue;
      if (item.typ === 'rightDelim' || item.typ === 'rightParen') this.backup();
      else if (item.typ !== 'pipe') this.unexpected(item, 'operand');
      break;
    }
    if (args.length === 0) this.errorf('empty command');
    return { kind: 'command', pos, args };
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (node === undefined) return undefined;
    if (this.peek().typ !== 'field') return node;
    const chainPos = this.peek().pos;
    const fields: string[] = [];
    while (this.peek().typ === 'field') fields.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'variable':
        return { kind: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot': {
        const text = node.kind === 'string' ? node.quoted : node.kind === 'number' ? node.text : node.kind;
        const shown = node.kind === 'dot' ? '.' : node.kind === 'bool' ? String(node.value) : text;
        this.errorf(`unexpected . after term ${bytesToText(quoteBytes(shown))}`);
      }
    }
    return { kind: 'chain', pos: chainPos, node, fields };
  }

  private term(): ArgNode | undefined {
    const item = this.nextNonSpace();
    switch (item.typ) {
      case 'identifier': {
        if (!this.options.hasFunction(item.val)) {
          const hint = this.options.undefinedFunctionHint?.(item.val) ?? '';
          this.errorf(`function ${bytesToText(quoteBytes(item.val))} not defined${hint}`);
        }
        return { kind: 'identifier', pos: item.pos, name: item.val };
      }
      case 'dot':
        return { kind: 'dot', pos: item.pos };
      case 'nil':
        return { kind: 'nil', pos: item.pos };
      case 'variable':
        if (!this.vars.includes(item.val)) {
          this.errorf(`undefined variable ${bytesToText(quoteBytes(item.val))}`);
        }
        return { kind: 'variable', pos: item.pos, ident: [item.val] };
      case 'field':
        return { kind: 'field', pos: item.pos, ident: [item.val.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: item.pos, value: item.val === 'true' };
      case 'charConstant':
      case 'number':
        return this.number(item);
      case 'leftParen': {
        this.enter();
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        this.depth--;
        return pipe;
      }
      case 'string':
      case 'rawString': {
        const text = unquote(item.val);
        if (text === undefined) this.errorf('invalid syntax');
        return { kind: 'string', pos: item.pos, quoted: item.val, text };
      }
    }
    this.backup();
    return undefined;
  }

  private number(item: Item): NumberNode {
    const result = parseNumber(item.val, item.typ === 'charConstant');
    if (typeof result === 'string') this.errorf(result);
    return { kind: 'number', pos: item.pos, text: item.val, ...result };
  }
}

type NumberValue = Pick<NumberNode, 'isInt' | 'isUint' | 'isFloat' | 'int' | 'float'>;

const INT_SYNTAX =
  /^[+-]?(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/;
// Unambiguous forms (linear time): digits, then optionally `.` and more digits. Two adjacent optional digit
// groups made a 100 KB hex literal backtrack for 73 s.
const FLOAT_SYNTAX = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

const HEX_FLOAT_SYNTAX =
  /^[+-]?0[xX](?:_?[0-9a-fA-F])*(?:\.(?:[0-9a-fA-F](?:_?[0-9a-fA-F])*)?)?[pP][+-]?\d(?:_?\d)*$/;

/** For tests: the literal syntaxes, which must stay linear-time. */
export const NUMBER_SYNTAX = { int: INT_SYNTAX, float: FLOAT_SYNTAX, hexFloat: HEX_FLOAT_SYNTAX } as const;

function parseHexFloat(text: string): number {
  const m = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(text);
  if (m === null || (m[2] === '' && m[3] === '')) return NaN;
  const mantissa = BigInt('0x' + (m[2] ?? '') + (m[3] ?? '') || '0x0');
  const exp = Number(m[4]) - 4 * (m[3] ?? '').length;
  const v = Number(mantissa) * 2 ** exp;
  return m[1] === '-' ? -v : v;
}

/** Go's parse.newNumber: which of int/uint/float a literal is valid as. Returns an error text on failure. */
export function parseNumber(text: string, isChar: boolean): NumberValue | string {
  const quoted = bytesToText(quoteBytes(text));
  if (isChar) {
    const body = text.slice(1, -1);
    const r = unquoteChar(body, "'");
    if (r === undefined || r.rest !== '') return `malformed character constant: ${bytesToText(text)}`;
    const int = BigInt(r.rune);
    return { isInt: true, isUint: true, isFloat: true, int, float: r.rune };
  }
  if (text.endsWith('i')) return `complex constants are not supported: ${quoted}`;
  let isInt = false;
  let isUint = false;
  let isFloat = false;
  let int = 0n;
  let float = 0;
  // A decimal literal of more than 20 digits overflows uint64; BigInt of a huge digit string is superlinear (a
  // 1 MB literal took a second), so it is not built. Hex, octal and binary convert in linear time.
  const decimalTooLong =
    /^[+-]?[1-9]/.test(text) && text.replaceAll('_', '').replace(/^[+-]/, '').length > 20;
  if (INT_SYNTAX.test(text) && !decimalTooLong) {
    const negative = text.startsWith('-');
    let digits = text.replace(/^[+-]/, '').replaceAll('_', '');
    if (/^0[0-7]+$/.test(digits)) digits = '0o' + digits.slice(1);
    const magnitude = BigInt(digits);
    const v = negative ? -magnitude : magnitude;
    if (!negative && v < 2n ** 64n) isUint = true;
    if (v >= -(2n ** 63n) && v < 2n ** 63n) {
      isInt = true;
      int = v;
    }
    if (isInt || isUint) {
      isFloat = true;
      float = Number(v);
    }
  }
  if (!isInt && !isUint && (FLOAT_SYNTAX.test(text) || HEX_FLOAT_SYNTAX.test(text))) {
    const f = HEX_FLOAT_SYNTAX.test(text)
      ? parseHexFloat(text.replaceAll('_', ''))
      : Number(text.replaceAll('_', ''));
    if (Number.isFinite(f)) {
      if (!/[.eEpP]/.test(text)) return `integer overflow: ${quoted}`;
      isFloat = true;
      float = f;
      if (Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 63) {
        isInt = true;
        int = BigInt(f);
      }
      if (Number.isInteger(f) && f >= 0 && f < 2 ** 64) isUint = true;
    }
  }
  if (!isInt && !isUint && !isFloat) return `illegal number syntax: ${quoted}`;
  return { isInt, isUint, isFloat, int, float };
}

/** strconv.UnquoteChar on a byte string: one (possibly escaped) character and the rest. */
function unquoteChar(s: string, quote: '"' | "'"): { rune: number; bytes: string; rest: string } | undefined {
  const c = s[0];
  if (c === undefined || c === quote) return undefined;
  if (c !== '\\') {
    const [rune, size] = decodeRune(s, 0);
    return { rune, bytes: s.slice(0, size), rest: s.slice(size) };
  }
  const e = s[1];
  const simple: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 };
  if (e === undefined) return undefined;
  const code = simple[e];
  if (code !== undefined) return { rune: code, bytes: String.fromCharCode(code), rest: s.slice(2) };
  if (e === "'" || e === '"') {
    if (e !== quote) return undefined;
    return { rune: e.charCodeAt(0), bytes: e, rest: s.slice(2) };
  }
  const hexEscape = (len: number): { rune: number; bytes: string; rest: string } | undefined => {
    const digits = s.slice(2, 2 + len);
    if (digits.length !== len || !/^[0-9a-fA-F]*$/.test(digits)) return undefined;
    const v = parseInt(digits, 16);
    const rest = s.slice(2 + len);
    if (len === 2) return { rune: v, bytes: String.fromCharCode(v), rest };
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return undefined;
    return { rune: v, bytes: encodeRune(v), rest };
  };
  if (e === 'x') return hexEscape(2);
  if (e === 'u') return hexEscape(4);
  if (e === 'U') return hexEscape(8);
  if (e >= '0' && e <= '7') {
    const digits = s.slice(1, 4);
    if (!/^[0-7]{3}$/.test(digits)) return undefined;
    const v = parseInt(digits, 8);
    if (v > 255) return undefined;
    return { rune: v, bytes: String.fromCharCode(v), rest: s.slice(4) };
  }
  return undefined;
}

/** strconv.Unquote for `"..."` and raw `` `...` `` literals (byte strings in, byte string out). */
export function unquote(literal: string): string | undefined {
  if (literal.startsWith('`')) {
    if (literal.length < 2 || !literal.endsWith('`')) return undefined;
    return literal.slice(1, -1).replaceAll('\r', '');
  }
  if (literal.length < 2 || !literal.startsWith('"') || !literal.endsWith('"')) return undefined;
  let s = literal.slice(1, -1);
  let out = '';
  while (s.length > 0) {
    const r = unquoteChar(s, '"');
    if (r === undefined) return undefined;
    out += r.bytes;
    s = r.rest;
  }
  return out;
}
