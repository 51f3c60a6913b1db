import { yamlErrorText } from '@ssts/flags';
import type { CST, Document, Scalar, Tags } from 'yaml';
import type * as YamlLib from './yaml-lib.js';
import { DocumentError } from './document-error.js';
import { tooDeep, tooManyDocuments } from './json-stream.js';
import { KUBECTL_SCALAR_TAGS, normalizeKubectlValue } from './kubectl-values.js';
import type { DocumentLimits } from './limits.js';

/** `yaml-1.2`: the YAML 1.2 core schema. `kubectl`: scalars and merge keys the way kubectl reads them. */
export type YamlDialect = 'yaml-1.2' | 'kubectl';

const COLLECTIONS_AND_STRINGS = new Set([
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
  'tag:yaml.org,2002:str',
]);
const kubectlTags = (tags: Tags): Tags => [
  ...tags.filter((t) => typeof t === 'object' && COLLECTIONS_AND_STRINGS.has(t.tag)),
  ...KUBECTL_SCALAR_TAGS,
];

type Yaml = typeof YamlLib;

let yamlModule: Promise<Yaml> | undefined;
/** Loaded on first use: a CLI that only reads JSON never pays for the YAML library. */
function loadYaml(): Promise<Yaml> {
  yamlModule ??= import('./yaml-lib.js');
  return yamlModule;
}

const NOT_CONTENT = new Set(['doc-mode', 'space', 'newline', 'comment', 'byte-order-mark', 'directive-line']);
const CONTENT = (type: string | null): boolean => type === null || !NOT_CONTENT.has(type);
const BLOCK_INDICATORS = new Set(['seq-item-ind', 'explicit-key-ind', 'map-value-ind']);

/**
 * Depth of a CST token, walked with an explicit stack: the CST itself is built iteratively by the library's
 * parser, but composing it into nodes recurses, so nothing deeper than the limit may reach the composer.
 */
function cstDepth(root: CST.Token, limit: number): number {
  let max = 0;
  const stack: [CST.Token, number][] = [[root, 0]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [token, depth] = entry;
    let here = depth;
    if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') here++;
    if (here > max) {
      max = here;
      if (max > limit) return max;
    }
    if (token.type === 'document') {
      for (const child of token.value === undefined ? [] : [token.value]) stack.push([child, here]);
    } else if ('items' in token && Array.isArray(token.items)) {
      for (const item of token.items as CST.CollectionItem[]) {
        if (item.key) stack.push([item.key, here]);
        if (item.value) stack.push([item.value, here]);
      }
    }
  }
  return max;
}

const RAW_YAML11_BREAK = /[\u0085\u2028\u2029]/;
const BLOCK_STYLES = new Set(['BLOCK_LITERAL', 'BLOCK_FOLDED']);

/**
 * YAML 1.1 (Go's reader) takes NEL, U+2028 and U+2029 written raw for line breaks, YAML 1.2 for ordinary characters;
 * upstream kubeseal writes U+2028 raw in single quotes followed by indentation. For every scalar holding such a raw
 * character, its value is made what Go reads: the blanks around a line or paragraph separator are indentation and
 * go; a NEL folds to a space in a quoted or plain scalar and is a newline in a block scalar.
 */
function readBreaksAsYaml11(doc: Document.Parsed, text: string, visit: Yaml['visit']): void {
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value !== 'string' || node.range === undefined || node.range === null) return;
      if (!RAW_YAML11_BREAK.test(text.slice(node.range[0], node.range[1]))) return;
      const block = node.type !== undefined && BLOCK_STYLES.has(node.type);
      node.value = node.value
        .replace(/[ \t]*([\u2028\u2029])[ \t]*/g, '$1')
        .replace(/[ \t]*\u0085[ \t]*/g, block ? '\n' : ' ');
    },
  });
}

/**
 * Reads a YAML stream within the limits: one lexer pass feeds the library's (iterative) parser token by token and
 * stops at the first bound that is crossed (token count, flow nesting, block indicators on one line, document
 * count); each document's CST depth is checked before the recursive composer sees it.
 */
export async function parseYamlStream(
  text: string,
  limits: DocumentLimits,
  dialect: YamlDialect = 'yaml-1.2',
): Promise<unknown[]> {
  const { Composer, CST: cst, Lexer, Parser, visit } = await loadYaml();
  const kubectl = dialect === 'kubectl';
  const options = kubectl
    ? ({
        prettyErrors: false,
        uniqueKeys: false,
        merge: true,
        customTags: kubectlTags,
        logLevel: 'error',
      } as const)
    : ({ prettyErrors: false, uniqueKeys: false, logLevel: 'error' } as const);
  const parser = new Parser();
  const composer = new Composer(options);
  const documents: Document.Parsed[] = [];
  const take = (token: CST.Token): void => {
    if (token.type === 'document' && cstDepth(token, limits.maxDepth) > limits.maxDepth) {
      throw tooDeep(documents.length + 1, limits);
    }
    for (const doc of composer.next(token)) documents.push(doc);
  };

  let tokens = 0;
  let flowDepth = 0;
  let lineIndicators = 0;
  // The number of the document being read (for messages and the document bound), counted like the composer does.
  let index = 1;
  let docOpen = false;
  let docEnded = false;
  for (const lexeme of new Lexer().lex(text)) {
    if (++tokens > limits.maxYamlTokens) {
      throw new DocumentError(
        'DOCUMENT_LIMIT',
        `document ${index}: more than ${limits.maxYamlTokens} YAML tokens`,
      );
    }
    const type = cst.tokenType(lexeme);
    if (type === 'doc-start' || (docEnded && CONTENT(type))) {
      if (docOpen || docEnded) index++;
      if (index > limits.maxDocuments) throw tooManyDocuments(limits);
      docOpen = true;
      docEnded = false;
    } else if (type === 'doc-end') {
      docEnded = true;
      docOpen = false;
    } else if (CONTENT(type)) docOpen = true;
    if (type === 'flow-map-start' || type === 'flow-seq-start') flowDepth++;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flowDepth = Math.max(0, flowDepth - 1);
    else if (type === 'newline') lineIndicators = 0;
    else if (flowDepth === 0 && type !== null && BLOCK_INDICATORS.has(type)) lineIndicators++;
    if (flowDepth + lineIndicators > limits.maxDepth) throw tooDeep(index, limits);
    for (const token of parser.next(lexeme)) take(token);
  }
  for (const token of parser.end()) take(token);
  for (const doc of composer.end(false, text.length)) documents.push(doc);

  return documents.map((doc, n) => {
    const problem = doc.errors[0];
    if (problem !== undefined) {
      // Some of the library's messages quote the input (an alias name, a block scalar header), which may be a
      // plaintext value: that part is replaced by the position.
      const reason = yamlErrorText(problem, text);
      throw new DocumentError('INVALID_DOCUMENT', `document ${n + 1}: invalid YAML: ${reason}`, {
        cause: problem,
      });
    }
    if (kubectl && RAW_YAML11_BREAK.test(text)) readBreaksAsYaml11(doc, text, visit);
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount, mapAsMap: kubectl }) as unknown;
    } catch (cause) {
      const reason = cause instanceof Error ? yamlErrorText(cause, text) : String(cause);
      throw new DocumentError('DOCUMENT_LIMIT', `document ${n + 1}: invalid YAML: ${reason}`, { cause });
    }
    return kubectl ? normalizeKubectlValue(value, n + 1) : value;
  });
}
