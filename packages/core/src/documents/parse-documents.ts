import { DocumentError } from './document-error.js';
import { assertNoYamlControlCharacters, decodeUtf8Strict } from './encoding.js';
import { parseJsonDocument, splitJsonStream } from './json-stream.js';
import { wellFormedJson } from './kubectl-values.js';
import { DEFAULT_DOCUMENT_LIMITS, formatBytes, type DocumentLimits } from './limits.js';
import { parseYamlStream, type YamlDialect } from './yaml-stream.js';

/** One decoded document of an input stream, numbered from 1 in input order. */
export interface InputDocument {
  readonly index: number;
  readonly value: unknown;
  /** The syntax of the stream it came from. */
  readonly format: 'json' | 'yaml';
}

export interface ParseDocumentsOptions {
  /**
   * `yaml-1.2` (default): YAML 1.2 core schema, bytes decoded leniently. `kubectl`: what kubeseal needs to read a
   * file the way kubectl does: strict UTF-8 and no raw control characters in YAML, numbers kept as GoNumber (also
   * in JSON), YAML 1.2 booleans, `<<` merge keys, Go's conversion of non-string mapping keys, lone surrogates
   * replaced by U+FFFD.
   */
  readonly dialect?: YamlDialect;
  /**
   * Keep documents that are not objects (a list, a string) instead of refusing the stream: for readers that look
   * through files of any kind for Kubernetes objects (`kubeseal check`).
   */
  readonly keepNonObjects?: boolean;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Decodes a stream of YAML documents or concatenated JSON objects, like Go's YAML-or-JSON decoder: a stream whose
 * first non-blank character is `{` is JSON (and parsed as JSON, not as YAML). Empty documents are dropped;
 * anything but an object is an error naming the document. Every bound of `limits` is enforced before the value
 * is built, so a hostile input is a DocumentError, never a crash, a stack overflow or a long stall.
 */
export async function parseDocuments(
  input: string | Uint8Array,
  limits: Partial<DocumentLimits> = {},
  options: ParseDocumentsOptions = {},
): Promise<InputDocument[]> {
  const bounds: DocumentLimits = { ...DEFAULT_DOCUMENT_LIMITS, ...limits };
  const kubectl = options.dialect === 'kubectl';
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > bounds.maxBytes) {
    throw new DocumentError('DOCUMENT_LIMIT', `the input is larger than ${formatBytes(bounds.maxBytes)}`);
  }
  let text: string;
  if (typeof input === 'string') text = input.replace(/^\uFEFF/, '');
  else if (kubectl) text = decodeUtf8Strict(input);
  else
    text = Buffer.from(input)
      .toString('utf8')
      .replace(/^\uFEFF/, '');

  let values: unknown[];
  let format: InputDocument['format'];
  if (text.trimStart().startsWith('{')) {
    format = 'json';
    values = [];
    for (const [n, part] of splitJsonStream(text, bounds).entries()) {
      if (kubectl && part.hasNumber) {
        // Valid JSON is YAML: read it again in the kubectl dialect, so that numbers keep their source text.
        parseJsonDocument(part.text, n + 1);
        const [value] = await parseYamlStream(part.text, { ...bounds, maxDocuments: 1 }, 'kubectl');
        values.push(value);
      } else {
        const value = parseJsonDocument(part.text, n + 1);
        values.push(kubectl && LONE_SURROGATE_ESCAPE.test(part.text) ? wellFormedJson(value) : value);
      }
    }
  } else {
    format = 'yaml';
    if (kubectl) assertNoYamlControlCharacters(text);
    values = await parseYamlStream(text, bounds, options.dialect);
  }
  const documents = values.map((value, n) => ({ index: n + 1, value, format }));
  const objects = documents.filter((d) => d.value !== null && d.value !== undefined);
  for (const doc of objects) {
    if (options.keepNonObjects === true) break;
    if (typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      throw new DocumentError(
        'INVALID_DOCUMENT',
        `document ${doc.index}: expected an object, found ${describe(doc.value)}`,
      );
    }
  }
  return objects;
}
