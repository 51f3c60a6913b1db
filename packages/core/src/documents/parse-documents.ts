import { DocumentError } from './document-error.js';
import { parseJsonDocument, splitJsonStream } from './json-stream.js';
import { DEFAULT_DOCUMENT_LIMITS, formatBytes, type DocumentLimits } from './limits.js';
import { parseYamlStream } from './yaml-stream.js';

/** One decoded document of an input stream, numbered from 1 in input order. */
export interface InputDocument {
  readonly index: number;
  readonly value: unknown;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/**
 * Decodes a stream of YAML documents or concatenated JSON objects, like Go's YAML-or-JSON decoder: a stream whose
 * first non-blank character is `{` is JSON (and parsed as JSON, not as YAML). Empty documents are dropped;
 * anything but an object is an error naming the document. Every bound of `limits` is enforced before the value
 * is built, so a hostile input is a DocumentError, never a crash, a stack overflow or a long stall.
 */
export async function parseDocuments(
  input: string | Uint8Array,
  limits: Partial<DocumentLimits> = {},
): Promise<InputDocument[]> {
  const bounds: DocumentLimits = { ...DEFAULT_DOCUMENT_LIMITS, ...limits };
  const size = typeof input === 'string' ? Buffer.byteLength(input) : input.byteLength;
  if (size > bounds.maxBytes) {
    throw new DocumentError('DOCUMENT_LIMIT', `the input is larger than ${formatBytes(bounds.maxBytes)}`);
  }
  const text = (typeof input === 'string' ? input : Buffer.from(input).toString('utf8')).replace(
    /^\uFEFF/,
    '',
  );
  const values = text.trimStart().startsWith('{')
    ? splitJsonStream(text, bounds).map((part, n) => parseJsonDocument(part, n + 1))
    : await parseYamlStream(text, bounds);
  const documents = values.map((value, n) => ({ index: n + 1, value }));
  const objects = documents.filter((d) => d.value !== null && d.value !== undefined);
  for (const doc of objects) {
    if (typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      throw new DocumentError(
        'INVALID_DOCUMENT',
        `document ${doc.index}: expected an object, found ${describe(doc.value)}`,
      );
    }
  }
  return objects;
}
