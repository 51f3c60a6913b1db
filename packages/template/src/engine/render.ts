import {
  nodeString,
  type ArgNode,
  type BranchNode,
  type CommandNode,
  type Node,
  type NumberNode,
  type PipeNode,
  type TemplateNode,
  type TemplateSet,
} from './ast.js';
import { bytesToBuffer, bytesToText, rawToBytes, textToBytes } from '../go/bytes.js';
import { ExecError, FuncError, ParseError, TemplateError, templateError } from './errors.js';
import {
  BUILTIN_NAMES,
  FUNCTIONS,
  PARAM_TYPE_NAMES,
  undefinedFunctionHint,
  type CallContext,
  type Environment,
  type FuncDef,
  type ParamType,
} from '../functions/index.js';
import { randomFillSync } from 'node:crypto';
import { formatV } from '../go/fmt.js';
import { quoteBytes } from '../go/quote.js';
import { LIMITS, timeBudgetMessage } from './limits.js';
import { parseTemplate } from './parser.js';
import { GoInt, GoList, GoMap, GoObject, isTrue, typeName, ValueMeter, type Value } from './values.js';

/**
 * A wall-clock budget shared by all templates of one object. The engine checks it between templates, every 1 024
 * steps and every 2^20 work units, so it stops a long run by itself; one function call is bounded by the work
 * limits, not by this check (the controller also enforces the budget from another thread).
 */
export interface RenderDeadline {
  /** The caller's monotonic clock, in milliseconds. */
  readonly now: () => number;
  /** `now()` value after which rendering stops. */
  readonly at: number;
  /** The budget as configured, for the message. */
  readonly budgetMs: number;
}

export interface RendererOptions {
  readonly deadline?: RenderDeadline;
  /**
   * The clock and randomness of `now`, `uuidv4`, `rand*`, key generation, …: the system's by default. Their output
   * changes on every render, as with the Go controller (README.md, "Functions").
   */
  readonly env?: Partial<Environment>;
}

const SYSTEM_ENV: Environment = {
  nowNs: () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n,
  randomBytes: (n) => randomFillSync(new Uint8Array(n)),
};

/**
 * Renders `spec.template.data` entries: a documented subset of Go text/template + sprig (compat §2.7). The data
 * context `.` maps each name to its bytes (decrypted values and, since v0.37, raw template texts); it is converted
 * once and shared by every template rendered here. `render` throws TemplateError TEMPLATE with a Go-like
 * message (e.g. `template: foo:1: function "bar" not defined`) that never contains a decrypted value, or
 * TEMPLATE_TIME_BUDGET once the deadline has passed.
 */
export class TemplateRenderer {
  readonly #dot: GoMap;
  readonly #deadline: RenderDeadline | undefined;
  readonly #env: Environment;

  constructor(context: ReadonlyMap<string, Uint8Array>, options: RendererOptions = {}) {
    this.#env = { ...SYSTEM_ENV, ...options.env };
    const entries = new Map<string, Value>();
    for (const [key, value] of context) entries.set(textToBytes(key), rawToBytes(value));
    this.#dot = new GoMap(entries, 'string');
    this.#deadline = options.deadline;
  }

  render(name: string, source: string): Buffer {
    try {
      checkDeadline(this.#deadline);
      const bytes = textToBytes(source);
      const templates = parseTemplate(name, bytes, {
        hasFunction: (f) => FUNCTIONS.has(f),
        undefinedFunctionHint,
      });
      checkDeadline(this.#deadline);
      return bytesToBuffer(new Executor(name, bytes, templates, this.#deadline, this.#env).run(this.#dot));
    } catch (e) {
      throw asTemplateError(e, name);
    }
  }
}

/** Renders one template against `context` (see TemplateRenderer). */
export function renderTemplate(
  name: string,
  source: string,
  context: ReadonlyMap<string, Uint8Array>,
  options: RendererOptions = {},
): Buffer {
  return new TemplateRenderer(context, options).render(name, source);
}

/** The deadline passed; unwinds the executor without any position (the budget belongs to the whole object). */
class TimeBudgetExceeded extends Error {
  constructor(readonly budgetMs: number) {
    super(timeBudgetMessage(budgetMs));
    this.name = 'TimeBudgetExceeded';
  }
}

function checkDeadline(deadline: RenderDeadline | undefined): void {
  if (deadline !== undefined && deadline.now() > deadline.at) throw new TimeBudgetExceeded(deadline.budgetMs);
}

function asTemplateError(e: unknown, name: string): TemplateError {
  if (e instanceof TimeBudgetExceeded) return new TemplateError('TEMPLATE_TIME_BUDGET', e.message);
  if (e instanceof ParseError || e instanceof ExecError) return templateError(e.message);
  // Anything else is a bug or an engine limit (e.g. a RangeError): never echo its message, it could hold data.
  return templateError(`template: ${name}: internal error while rendering the template`, e);
}

/** "No previous pipeline value" (Go's missingVal), distinct from `undefined` (an invalid value). */
const NO_FINAL = Symbol('no final');
type Final = Value | typeof NO_FINAL;

class BreakSignal {}
class ContinueSignal {}
const BREAK = new BreakSignal();
const CONTINUE = new ContinueSignal();

interface Variable {
  readonly name: string;
  value: Value;
}

type ContextNode = ArgNode | CommandNode | Node;

/** Work units between two looks at the clock. */
const CLOCK_EVERY_UNITS = 1 << 20;
/** Steps between two looks at the clock. */
const CLOCK_EVERY_STEPS = 1 << 10;
/** Work units per list, map or element read by a function (visiting one costs about as much as 8 bytes). */
const ELEMENT_WORK = 8;

/**
 * Nesting of `{{template}}` calls plus the structures (`if`, `with`, `range`) around them. Go allows 100 000 calls
 * (maxExecDepth); here each call and structure takes stack frames, and one template may nest 300 structures,
 * so the engine counts both and stops at 1 000, far from the end of the stack (about 7 700 levels on Node 20).
 */
export const MAX_TEMPLATE_DEPTH = 1_000;

class Executor implements CallContext {
  private vars: Variable[] = [];
  /** The template being executed (`executing "x"`); positions are always in the source named `name`. */
  private current: string;
  /** Template calls and structures around the current node (MAX_TEMPLATE_DEPTH). */
  private depth = 0;
  private node: ContextNode | undefined;
  private readonly out: string[] = [];
  private outBytes = 0;
  private steps = 0;
  private work = 0;
  private workAtLastClock = 0;
  private readonly meter = new ValueMeter(Math.max(LIMITS.maxValueBytes, LIMITS.maxOutputBytes), (units) =>
    this.charge(units),
  );

  constructor(
    private readonly name: string,
    private readonly source: string,
    private readonly templates: TemplateSet,
    private readonly deadline: RenderDeadline | undefined,
    readonly env: Environment,
  ) {
    this.current = name;
  }

  run(dot: Value): string {
    this.vars.push({ name: '$', value: dot });
    this.walkList(dot, this.templates.get(this.name) ?? []);
    return this.out.join('');
  }

  charge(units: number): void {
    this.work += units;
    if (this.work > LIMITS.maxWorkUnits) {
      this.errorf(`template execution exceeds the work budget of ${LIMITS.maxWorkUnits} units`);
    }
    if (this.work - this.workAtLastClock >= CLOCK_EVERY_UNITS) {
      this.workAtLastClock = this.work;
      checkDeadline(this.deadline);
    }
  }

  mutated(): void {
    this.meter.mutated();
  }

  private step(): void {
    if (++this.steps > LIMITS.maxSteps) {
      this.errorf(`template execution exceeds the limit of ${LIMITS.maxSteps} steps`);
    }
    if (this.steps % CLOCK_EVERY_STEPS === 0) checkDeadline(this.deadline);
  }

  /** Work of reading a whole value: its bytes, and ELEMENT_WORK per list, map and element. */
  readCost(v: Value): number {
    if (typeof v === 'string') return v.length;
    const { size, elements } = this.meter.measure(v);
    return size + (ELEMENT_WORK - 1) * elements;
  }

  /** Fails when a list or map is too large or too deep to be passed on or printed. */
  private checkValue(v: Value, maxBytes: number, what: (limit: string) => string): void {
    if (!(v instanceof GoList || v instanceof GoMap)) return;
    const { size, depth } = this.meter.measure(v);
    if (depth > LIMITS.maxValueDepth)
      this.errorf(what(`nesting exceeds the limit of ${LIMITS.maxValueDepth}`));
    if (size > maxBytes) this.errorf(what(`exceeds the limit of ${maxBytes} bytes`));
  }

  private at(node: ContextNode): void {
    this.node = node;
  }

  private errorf(message: string): never {
    const quotedName = bytesToText(quoteBytes(textToBytes(this.current)));
    if (this.node === undefined) throw new ExecError(`template: ${this.name}: ${message}`);
    const pos = this.node.pos;
    const before = this.source.slice(0, pos);
    const nl = before.lastIndexOf('\n');
    const col = nl < 0 ? pos : pos - (nl + 1);
    const line = 1 + before.split('\n').length - 1;
    throw new ExecError(
      `template: ${this.name}:${line}:${col}: executing ${quotedName} at <${nodeString(this.node)}>: ${message}`,
    );
  }

  private write(s: string): void {
    this.outBytes += s.length;
    if (this.outBytes > LIMITS.maxOutputBytes) {
      this.errorf(`rendered output exceeds the limit of ${LIMITS.maxOutputBytes} bytes`);
    }
    this.out.push(s);
  }

  private walkList(dot: Value, list: readonly Node[]): void {
    for (const node of list) this.walk(dot, node);
  }

  private walk(dot: Value, node: Node): void {
    switch (node.kind) {
      case 'text':
        this.write(node.text);
        return;
      case 'action': {
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) {
          this.at(node);
          this.checkValue(val, LIMITS.maxOutputBytes, (limit) =>
            limit.startsWith('nesting') ? `printed value ${limit}` : `rendered output ${limit}`,
          );
          this.write(val === undefined ? '<no value>' : formatV(val));
        }
        return;
      }
      case 'if':
      case 'with':
        this.walkIfOrWith(dot, node);
        return;
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'break':
        throw BREAK;
      case 'continue':
        throw CONTINUE;
      case 'template':
        this.walkTemplate(dot, node);
        return;
    }
  }

  /** Go's walkTemplate: the named template with `.` and `$` set to the pipeline's value and no other variable. */
  private walkTemplate(dot: Value, node: TemplateNode): void {
    this.at(node);
    this.step();
    const tree = this.templates.get(node.name);
    if (tree === undefined) this.errorf(`template ${bytesToText(quoteBytes(node.name))} not defined`);
    if (this.depth >= MAX_TEMPLATE_DEPTH)
      this.errorf(`exceeded maximum template depth (${MAX_TEMPLATE_DEPTH})`);
    const value = node.pipe === undefined ? undefined : this.evalPipeline(dot, node.pipe);
    const [vars, current] = [this.vars, this.current];
    this.vars = [{ name: '$', value }];
    this.current = node.name;
    this.depth++;
    try {
      this.walkList(value, tree);
    } finally {
      this.depth--;
      [this.vars, this.current] = [vars, current];
    }
  }

  private walkIfOrWith(dot: Value, node: BranchNode): void {
    const mark = this.vars.length;
    this.depth++;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) {
        this.walkList(node.kind === 'with' ? val : dot, node.list);
      } else if (node.elseList !== undefined) {
        this.walkList(dot, node.elseList);
      }
    } finally {
      this.depth--;
      this.vars.length = mark;
    }
  }

  private walkRange(dot: Value, node: BranchNode): void {
    this.at(node);
    const outerMark = this.vars.length;
    this.depth++;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const mark = this.vars.length;
      const decl = node.pipe.decl;
      const oneIteration = (index: Value, elem: Value): boolean => {
        this.step();
        const top = this.vars.length;
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0]?.ident[0] ?? '$', decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1]?.ident[0] ?? '$', elem);
          else this.setTopVar(2, index);
        }
        try {
          this.walkList(elem, node.list);
        } catch (e) {
          if (e === BREAK) return false;
          if (e !== CONTINUE) throw e;
        } finally {
          this.vars.length = Math.max(mark, Math.min(top, this.vars.length));
          this.vars.length = mark;
        }
        return true;
      };
      if (val instanceof GoList) {
        // Lists are immutable (values.ts), so no copy: Go ranges over the slice value it evaluated.
        const items = val.items;
        if (items.length > 0) {
          for (let i = 0; i < items.length; i++) if (!oneIteration(BigInt(i), items[i] ?? null)) break;
          return;
        }
      } else if (val instanceof GoMap) {
        if (val.entries.size > 0) {
          this.charge(val.entries.size);
          const snapshot = val.sortedKeys().map((k) => [k, val.entries.get(k)] as const);
          for (const [k, v] of snapshot) if (!oneIteration(k, v ?? null)) break;
          return;
        }
      } else if (typeof val === 'bigint') {
        if (decl.length > 1) this.errorf("can't use int to iterate over more than one variable");
        if (val > 0n) {
          for (let i = 0n; i < val; i++) if (!oneIteration(undefined, i)) break;
          return;
        }
      } else if (val !== undefined && val !== null) {
        // Go names the value itself here; we name only its type (it may be a secret).
        this.errorf(`range can't iterate over a value of type ${typeName(val)}`);
      }
      if (node.elseList !== undefined) this.walkList(dot, node.elseList);
    } finally {
      this.depth--;
      this.vars.length = outerMark;
    }
  }

  private setVar(name: string, value: Value): void {
    const v = this.findVar(name);
    if (v === undefined) this.errorf(`undefined variable: ${bytesToText(name)}`);
    v.value = value;
  }

  /** The innermost variable of that name; the scan is work (a template may declare thousands of variables). */
  private findVar(name: string): Variable | undefined {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i];
      if (v !== undefined && v.name === name) {
        this.charge(this.vars.length - i);
        return v;
      }
    }
    this.charge(this.vars.length);
    return undefined;
  }

  private setTopVar(n: number, value: Value): void {
    const v = this.vars[this.vars.length - n];
    if (v !== undefined) v.value = value;
  }

  private varValue(name: string): Value {
    const v = this.findVar(name);
    if (v === undefined) this.errorf(`undefined variable: ${bytesToText(name)}`);
    return v.value;
  }

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.at(pipe);
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go digs one level into interface{} results: a nil interface becomes the invalid value.
      if (value === null) value = undefined;
    }
    const result: Value = value === NO_FINAL ? undefined : value;
    for (const v of pipe.decl) {
      const name = v.ident[0] ?? '$';
      if (pipe.isAssign) this.setVar(name, result);
      else this.vars.push({ name, value: result });
    }
    return result;
  }

  private notAFunction(args: readonly ArgNode[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) {
      this.errorf(`can't give argument to non-function ${args[0] === undefined ? '' : nodeString(args[0])}`);
    }
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Final): Value {
    this.step();
    const first = cmd.args[0];
    if (first === undefined) this.errorf('empty command');
    switch (first.kind) {
      case 'field':
        this.at(first);
        return this.evalFieldChain(dot, dot, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first.name, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // eslint-disable-next-line no-fallthrough
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): Value {
    this.at(n);
    const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !isHexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return n.int;
    this.errorf(`${bytesToText(n.text)} overflows int`);
  }

  private evalChain(
    dot: Value,
    chain: ArgNode & { kind: 'chain' },
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    this.at(chain);
    if (chain.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node, true);
    return this.evalFieldChain(dot, pipe, chain.fields, args, final);
  }

  private evalVariable(
    dot: Value,
    v: ArgNode & { kind: 'variable' },
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    this.at(v);
    const value = this.varValue(v.ident[0] ?? '$');
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v.ident.slice(1), args, final);
  }

  private evalFieldChain(
    _dot: Value,
    receiver: Value,
    ident: readonly string[],
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    let r = receiver;
    ident.forEach((name, i) => {
      const last = i === ident.length - 1;
      r = this.evalField(_dot, name, last ? args : [], last ? final : NO_FINAL, r);
    });
    return r;
  }

  private evalField(
    _dot: Value,
    fieldName: string,
    args: readonly ArgNode[],
    final: Final,
    receiver: Value,
  ): Value {
    const field = bytesToText(fieldName);
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${field}`);
    if (receiver instanceof GoMap) {
      if (args.length > 1 || final !== NO_FINAL) this.errorf(`${field} is not a method but has arguments`);
      return receiver.entries.has(fieldName) ? (receiver.entries.get(fieldName) ?? null) : undefined;
    }
    if (receiver instanceof GoObject) {
      const method = receiver.method(fieldName);
      if (method !== undefined) {
        const def: FuncDef = { params: method.params, cost: 'self', call: (argv) => method.call(argv) };
        const at = args[0] ?? (this.node as ArgNode);
        return this.evalCall(_dot, def, fieldName, at, args.slice(1), final);
      }
      const value = receiver.field(fieldName);
      if (value !== undefined) {
        if (args.length > 1 || final !== NO_FINAL) {
          this.errorf(`${field} has arguments but cannot be invoked as function`);
        }
        return value;
      }
      this.errorf(`can't evaluate field ${field} in type ${receiver.type}`);
    }
    this.errorf(`can't evaluate field ${field} in type ${typeName(receiver)}`);
  }

  private evalFunction(
    dot: Value,
    name: string,
    ident: ArgNode,
    cmd: ArgNode | CommandNode,
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    this.at(ident);
    const def = FUNCTIONS.get(name);
    const fname = bytesToText(name);
    if (def === undefined) this.errorf(`"${fname}" is not a defined function`);
    return this.evalCall(dot, def, name, cmd, args.slice(1), final);
  }

  private evalCall(
    dot: Value,
    def: FuncDef,
    name: string,
    node: ArgNode | CommandNode,
    args: readonly ArgNode[],
    final: Final,
  ): Value {
    const fname = bytesToText(name);
    const numIn = args.length + (final === NO_FINAL ? 0 : 1);
    const numFixed = def.variadic === undefined ? args.length : def.params.length;
    if (def.variadic !== undefined) {
      if (numIn < numFixed) {
        this.errorf(
          `wrong number of args for ${fname}: want at least ${def.params.length} got ${args.length}`,
        );
      }
    } else if (numIn !== def.params.length) {
      this.errorf(`wrong number of args for ${fname}: want ${def.params.length} got ${numIn}`);
    }
    if (BUILTIN_NAMES.has(name) && (name === 'and' || name === 'or')) {
      let v: Value = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, 'value', arg);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== NO_FINAL) v = this.validateType(final, 'value');
      return v;
    }
    const argv: Value[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++) {
      argv.push(this.evalArg(dot, def.params[i] ?? 'any', args[i] as ArgNode));
    }
    if (def.variadic !== undefined) {
      for (; i < args.length; i++) argv.push(this.evalArg(dot, def.variadic, args[i] as ArgNode));
    }
    if (final !== NO_FINAL) {
      let t: ParamType;
      if (def.variadic === undefined) t = def.params[def.params.length - 1] ?? 'any';
      else t = numIn - 1 < numFixed ? (def.params[numIn - 1] ?? 'any') : def.variadic;
      argv.push(this.validateType(final, t));
    }
    // Limit errors (here and from charges inside the call) point at the call; afterwards the position is what Go
    // would have, for the errors that follow.
    const position = this.node;
    this.at(node);
    let work = 0;
    for (const a of argv) {
      this.checkValue(a, LIMITS.maxValueBytes, (limit) => `error calling ${fname}: argument ${limit}`);
      if (def.cost !== 'self') work += this.readCost(a);
    }
    this.charge(work);
    let result: Value;
    try {
      result = def.call(argv, this);
    } catch (e) {
      if (e instanceof ExecError || e instanceof TimeBudgetExceeded) throw e;
      if (e instanceof FuncError) this.errorf(`error calling ${fname}: ${e.message}`);
      if (e instanceof RangeError) this.errorf(`error calling ${fname}: result too large`);
      throw e;
    }
    if (typeof result === 'string') {
      this.charge(result.length);
      if (result.length > LIMITS.maxValueBytes) {
        this.errorf(`error calling ${fname}: result exceeds the limit of ${LIMITS.maxValueBytes} bytes`);
      }
    }
    this.node = position;
    return result;
  }

  private validateType(value: Value, typ: ParamType): Value {
    if (value === undefined) {
      if (typ === 'value') return undefined;
      if (typ === 'any' || typ === 'map' || typ === 'list') return null;
      this.errorf(`invalid value; expected ${PARAM_TYPE_NAMES[typ]}`);
    }
    const ok = ((): boolean => {
      switch (typ) {
        case 'value':
        case 'any':
          return true;
        case 'string':
          return typeof value === 'string';
        case 'int':
          return typeof value === 'bigint';
        case 'uint32':
          return value instanceof GoInt && value.type === 'uint32';
        case 'time.Time':
        case 'certificate':
          return value instanceof GoObject && value.type === PARAM_TYPE_NAMES[typ];
        case 'float64':
          return typeof value === 'number';
        case 'bool':
          return typeof value === 'boolean';
        case 'map':
          return value === null || (value instanceof GoMap && value.elem === 'interface {}');
        case 'list':
          return value === null || (value instanceof GoList && value.elem === 'interface {}');
      }
    })();
    if (!ok) {
      const got = value === null ? 'interface {}' : typeName(value);
      this.errorf(`wrong type for value; expected ${PARAM_TYPE_NAMES[typ]}; got ${got}`);
    }
    return value;
  }

  private evalArg(dot: Value, typ: ParamType, n: ArgNode, untyped = false): Value {
    this.at(n);
    const check = (v: Value): Value => (untyped ? v : this.validateType(v, typ));
    switch (n.kind) {
      case 'dot':
        return check(dot);
      case 'nil':
        if (typ === 'value') return undefined;
        if (typ === 'any' || typ === 'map' || typ === 'list') return null;
        this.errorf(`cannot assign nil to ${PARAM_TYPE_NAMES[typ]}`);
      // eslint-disable-next-line no-fallthrough
      case 'field':
        return check(this.evalFieldChain(dot, dot, n.ident, [n], NO_FINAL));
      case 'variable':
        return check(this.evalVariable(dot, n, [], NO_FINAL));
      case 'pipe':
        return check(this.evalPipeline(dot, n));
      case 'identifier':
        return check(this.evalFunction(dot, n.name, n, n, [n], NO_FINAL));
      case 'chain':
        return check(this.evalChain(dot, n, [], NO_FINAL));
    }
    const found = (): never => this.errorf(`expected ${expectedName(typ)}; found ${nodeString(n)}`);
    switch (typ) {
      case 'bool':
        return n.kind === 'bool' ? n.value : found();
      case 'float64':
        return n.kind === 'number' && n.isFloat ? n.float : found();
      case 'int':
        return n.kind === 'number' && n.isInt ? n.int : found();
      case 'uint32':
        return n.kind === 'number' && n.isUint ? GoInt.of('uint32', n.int) : found();
      case 'string':
        return n.kind === 'string' ? n.text : found();
      case 'any':
      case 'value':
        if (n.kind === 'bool') return n.value;
        if (n.kind === 'number') return this.idealConstant(n);
        return n.text;
    }
    this.errorf(`can't handle ${nodeString(n)} for arg of type ${PARAM_TYPE_NAMES[typ]}`);
  }
}

function expectedName(typ: ParamType): string {
  switch (typ) {
    case 'int':
      return 'integer';
    case 'float64':
      return 'float';
    case 'uint32':
      return 'unsigned integer';
    default:
      return typ;
  }
}
