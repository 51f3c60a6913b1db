import { bytesToText } from '../go/bytes.js';
import { quoteBytes } from '../go/quote.js';

/** The parse tree, shaped like text/template/parse's nodes. Names and texts are byte strings. */
export type ArgNode =
  | FieldNode
  | VariableNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | IdentifierNode
  | PipeNode
  | ChainNode;

export interface FieldNode {
  readonly kind: 'field';
  readonly pos: number;
  readonly ident: readonly string[];
}
export interface VariableNode {
  readonly kind: 'variable';
  readonly pos: number;
  /** `$x` followed by field names. */
  readonly ident: readonly string[];
}
export interface DotNode {
  readonly kind: 'dot';
  readonly pos: number;
}
export interface NilNode {
  readonly kind: 'nil';
  readonly pos: number;
}
export interface BoolNode {
  readonly kind: 'bool';
  readonly pos: number;
  readonly value: boolean;
}
export interface NumberNode {
  readonly kind: 'number';
  readonly pos: number;
  readonly text: string;
  readonly isInt: boolean;
  readonly isUint: boolean;
  readonly isFloat: boolean;
  readonly int: bigint;
  readonly float: number;
}
export interface StringNode {
  readonly kind: 'string';
  readonly pos: number;
  /** The literal as written, quotes included. */
  readonly quoted: string;
  readonly text: string;
}
export interface IdentifierNode {
  readonly kind: 'identifier';
  readonly pos: number;
  readonly name: string;
}
export interface ChainNode {
  readonly kind: 'chain';
  readonly pos: number;
  readonly node: ArgNode;
  readonly fields: readonly string[];
}
export interface CommandNode {
  readonly kind: 'command';
  readonly pos: number;
  readonly args: readonly ArgNode[];
}
export interface PipeNode {
  readonly kind: 'pipe';
  readonly pos: number;
  readonly line: number;
  readonly isAssign: boolean;
  readonly decl: readonly VariableNode[];
  readonly cmds: readonly CommandNode[];
}

export interface TextNode {
  readonly kind: 'text';
  readonly pos: number;
  readonly text: string;
}
export interface ActionNode {
  readonly kind: 'action';
  readonly pos: number;
  readonly pipe: PipeNode;
}
export interface BranchNode {
  readonly kind: 'if' | 'range' | 'with';
  readonly pos: number;
  readonly pipe: PipeNode;
  readonly list: readonly Node[];
  readonly elseList: readonly Node[] | undefined;
}
export interface LoopControlNode {
  readonly kind: 'break' | 'continue';
  readonly pos: number;
}

/** `{{template "name" pipe}}`, also what `{{block "name" pipe}}…{{end}}` leaves in place of its body. */
export interface TemplateNode {
  readonly kind: 'template';
  /** Position of the name (Go's newTemplate gets the name token's). */
  readonly pos: number;
  readonly name: string;
  readonly pipe: PipeNode | undefined;
}

export type Node = TextNode | ActionNode | BranchNode | LoopControlNode | TemplateNode;

/** The templates of one source: the `define`d and `block` ones, and the main one under the source's name. */
export type TemplateSet = ReadonlyMap<string, readonly Node[]>;

/** Go's Node.String(), used as the `<context>` of execution errors. Returns display text (UTF-16). */
export function nodeString(n: ArgNode | CommandNode | Node): string {
  return bytesToText(writeNode(n));
}

function writeNode(n: ArgNode | CommandNode | Node): string {
  switch (n.kind) {
    case 'field':
      return n.ident.map((id) => '.' + id).join('');
    case 'variable':
      return n.ident.join('.');
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'identifier':
      return n.name;
    case 'chain': {
      const inner = n.node.kind === 'pipe' ? `(${writeNode(n.node)})` : writeNode(n.node);
      return inner + n.fields.map((f) => '.' + f).join('');
    }
    case 'command':
      return n.args.map((a) => (a.kind === 'pipe' ? `(${writeNode(a)})` : writeNode(a))).join(' ');
    case 'pipe': {
      const decl = n.decl.length > 0 ? n.decl.map(writeNode).join(', ') + (n.isAssign ? ' = ' : ' := ') : '';
      return decl + n.cmds.map(writeNode).join(' | ');
    }
    case 'text':
      return quoteBytes(n.text);
    case 'action':
      return `{{${writeNode(n.pipe)}}}`;
    case 'if':
    case 'range':
    case 'with': {
      const body = n.list.map(writeNode).join('');
      const alt = n.elseList === undefined ? '' : '{{else}}' + n.elseList.map(writeNode).join('');
      return `{{${n.kind} ${writeNode(n.pipe)}}}${body}${alt}{{end}}`;
    }
    case 'break':
    case 'continue':
      return `{{${n.kind}}}`;
    case 'template':
      return `{{template ${quoteBytes(n.name)}${n.pipe === undefined ? '' : ' ' + writeNode(n.pipe)}}}`;
  }
}
