import { CliError } from '../errors.js';

/** One decoded document of the input stream, numbered from 1 in input order. */
export interface InputDocument {
  readonly index: number;
  readonly value: unknown;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return `a ${typeof value}`;
}

/** Splits concatenated JSON values (`{…}{…}` or newline separated) into their source texts. */
function splitJsonStream(text: string): string[] {
  const parts: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (i >= text.length) break;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      } else if (depth === 0 && /\s/.test(c ?? '')) break;
    }
    parts.push(text.slice(start, i));
  }
  return parts;
}

function parseJsonStream(text: string): InputDocument[] {
  return splitJsonStream(text).map((part, n) => {
    try {
      return { index: n + 1, value: JSON.parse(part) as unknown };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError('INPUT', `document ${n + 1}: invalid JSON: ${reason}`, { cause: error });
    }
  });
}

async function parseYamlStream(text: string): Promise<InputDocument[]> {
  const { parseAllDocuments } = await import('./yaml.js');
  const parsed = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false });
  const documents = Array.isArray(parsed) ? parsed : [parsed];
  return documents.map((doc, n) => {
    const problem = doc.errors[0];
    if (problem !== undefined) {
      const reason = problem.message.split('\n')[0] ?? problem.message;
      throw new CliError('INPUT', `document ${n + 1}: invalid YAML: ${reason}`, { cause: problem });
    }
    return { index: n + 1, value: doc.toJS({ maxAliasCount: 100 }) as unknown };
  });
}

/**
 * Decodes a stream of YAML documents or concatenated JSON objects (the Go YAML-or-JSON decoder: a stream starting
 * with `{` is JSON). Empty documents are dropped; anything but an object is an error naming the document.
 */
export async function parseDocuments(input: Buffer | string): Promise<InputDocument[]> {
  const text = (typeof input === 'string' ? input : input.toString('utf8')).replace(/^\uFEFF/, '');
  const documents = text.trimStart().startsWith('{') ? parseJsonStream(text) : await parseYamlStream(text);
  const objects = documents.filter((d) => d.value !== null && d.value !== undefined);
  for (const doc of objects) {
    if (typeof doc.value !== 'object' || Array.isArray(doc.value)) {
      throw new CliError('INPUT', `document ${doc.index}: expected an object, found ${describe(doc.value)}`);
    }
  }
  return objects;
}
