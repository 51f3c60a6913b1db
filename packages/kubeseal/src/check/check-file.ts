// One file through `kubeseal check`: read with the core's bounded reader (size, nesting, token count, aliases,
// strict UTF-8), so a hostile file is one diagnostic and never a crash or a stall; only when it holds a plain
// Secret is its text read again through the `yaml` document model, for the line of each finding.
import { DocumentError, parseDocuments, splitJsonStream, DEFAULT_DOCUMENT_LIMITS } from '@ssts/core';
import type { Document, Node as YamlNode } from 'yaml';
import { MAX_INPUT_BYTES, MAX_INPUT_TEXT } from '../io/limits.js';
import { findPlainSecrets, type PathStep, type PlainSecret } from './plain-secrets.js';

export interface Finding {
  readonly kind: PlainSecret['kind'];
  readonly line: number;
  readonly reason: string;
}

export type FileReport =
  | { readonly kind: 'checked'; readonly findings: readonly Finding[] }
  | { readonly kind: 'not-checked'; readonly reason: string };

/** JSON documents larger than this are not parsed a second time for lines: a finding names their first line. */
const MAX_JSON_RELOCATE = 1 << 20;

/** The line (from 1) of each offset, by binary search over the newline positions. */
function lineFinder(text: string): (offset: number) => number {
  const newlines: number[] = [];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) newlines.push(i);
  return (offset) => {
    let low = 0;
    let high = newlines.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((newlines[mid] ?? Infinity) < offset) low = mid + 1;
      else high = mid;
    }
    return low + 1;
  };
}

/**
 * The source offset of `path` in a parsed document: the key of its last step (`data:`), else the deepest node the
 * path reaches (a value that came through a merge key or an alias is reported where it is used).
 */
async function offsetOf(doc: Document, path: readonly PathStep[]): Promise<number> {
  const { isAlias, isMap, isScalar, isSeq } = await import('../io/yaml.js');
  let node: unknown = doc.contents;
  let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
  for (const step of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node) && typeof step === 'string') {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === step);
      if (pair === undefined) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof step === 'number') {
      node = node.items[step];
      offset = (node as YamlNode | null)?.range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

/** Decides one file's content. Throws nothing for bad content: that is a `not-checked` report. */
export async function checkText(bytes: Uint8Array): Promise<FileReport> {
  if (bytes.length > MAX_INPUT_BYTES) return { kind: 'not-checked', reason: `larger than ${MAX_INPUT_TEXT}` };
  let documents;
  try {
    documents = await parseDocuments(bytes, {}, { dialect: 'kubectl', keepNonObjects: true });
  } catch (error) {
    // Anything else would be a bug in the reader: still one line for this file, and the others are checked.
    if (!(error instanceof DocumentError))
      return { kind: 'not-checked', reason: `cannot be read: ${(error as Error).message}` };
    // A Helm or other Go template is not YAML until rendered: say so rather than only "syntax error".
    const template = error.code === 'INVALID_DOCUMENT' && Buffer.from(bytes).includes('{{');
    return {
      kind: 'not-checked',
      reason: template ? `${error.message} (a template? check what it renders to)` : error.message,
    };
  }
  const found = documents.flatMap((doc) =>
    findPlainSecrets(doc.value).map((finding) => ({ ...finding, document: doc.index, format: doc.format })),
  );
  if (found.length === 0) return { kind: 'checked', findings: [] };

  // The bounded reader accepted this text, so parsing it again with the document model is bounded too.
  const text = Buffer.from(bytes)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const lineAt = lineFinder(text);
  const { parseAllDocuments, parseDocument } = await import('../io/yaml.js');
  const options = { uniqueKeys: false } as const;
  const yamlDocs = found[0]?.format === 'yaml' ? parseAllDocuments(text, options) : [];
  const jsonParts = found[0]?.format === 'json' ? splitJsonStream(text, DEFAULT_DOCUMENT_LIMITS) : [];
  const findings: Finding[] = [];
  for (const finding of found) {
    let offset = 0;
    if (finding.format === 'yaml' && Array.isArray(yamlDocs)) {
      const doc = yamlDocs[finding.document - 1];
      if (doc !== undefined) offset = await offsetOf(doc, finding.path);
    } else {
      const part = jsonParts[finding.document - 1];
      if (part !== undefined) {
        offset = part.start;
        if (part.text.length <= MAX_JSON_RELOCATE)
          offset += await offsetOf(parseDocument(part.text, options), finding.path);
      }
    }
    findings.push({ kind: finding.kind, line: lineAt(offset), reason: finding.reason });
  }
  return { kind: 'checked', findings };
}
