import { DocumentError } from './document-error.js';
import type { DocumentLimits } from './limits.js';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

/** One JSON value of a stream: its source text, and whether a number literal occurs in it. */
export interface JsonPart {
  readonly text: string;
  /** Where the value starts in the stream (UTF-16 offset). */
  readonly start: number;
  readonly hasNumber: boolean;
}

const NUMBER_START = new Set(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/**
 * Splits concatenated JSON values (`{…}{…}` or whitespace separated, like Go's YAML-or-JSON decoder reads them)
 * into their source texts, in one linear pass that also enforces the nesting bound before JSON.parse sees a value.
 */
export function splitJsonStream(text: string, limits: DocumentLimits): JsonPart[] {
  const parts: JsonPart[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && WHITESPACE.has(text[i] ?? '')) i++;
    if (i >= text.length) break;
    if (parts.length >= limits.maxDocuments) throw tooManyDocuments(limits);
    const start = i;
    let depth = 0;
    let inString = false;
    let hasNumber = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (depth > 0 && NUMBER_START.has(c ?? '')) hasNumber = true;
      else if (c === '{' || c === '[') {
        if (++depth > limits.maxDepth) throw tooDeep(parts.length + 1, limits);
      } else if (c === '}' || c === ']') {
        depth--;
        if (depth <= 0) {
          i++;
          break;
        }
      } else if (depth === 0 && WHITESPACE.has(c ?? '')) break;
    }
    parts.push({ text: text.slice(start, i), start, hasNumber });
  }
  return parts;
}

export function parseJsonDocument(part: string, index: number): unknown {
  try {
    return JSON.parse(part) as unknown;
  } catch (cause) {
    // V8's messages differ between Node versions and, from Node 21 on, quote the input (which may be a plaintext
    // Secret): say only what kind of problem it is.
    throw new DocumentError(
      'INVALID_DOCUMENT',
      `document ${index}: invalid JSON: ${endsEarly(part) ? 'Unexpected end of JSON input' : 'syntax error'}`,
      { cause },
    );
  }
}

/** True when the text stops inside a string or an unclosed collection. */
function endsEarly(part: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < part.length; i++) {
    const c = part[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return inString || depth > 0 || part.trim() === '';
}

export function tooDeep(index: number, limits: DocumentLimits): DocumentError {
  return new DocumentError(
    'DOCUMENT_LIMIT',
    `document ${index}: nested deeper than ${limits.maxDepth} levels`,
  );
}

export function tooManyDocuments(limits: DocumentLimits): DocumentError {
  return new DocumentError('DOCUMENT_LIMIT', `the input holds more than ${limits.maxDocuments} documents`);
}
