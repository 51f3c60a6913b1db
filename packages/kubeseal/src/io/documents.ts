import {
  DocumentError,
  SEALED_SECRET_SHAPE,
  SECRET_OR_LIST_SHAPE,
  SECRET_SHAPE,
  coerceToKubectlShape,
  formatPath,
  parseDocuments as parseBounded,
  type KubectlShape,
} from '@ssts/core';
import { CliError } from '../errors.js';
import { compareCodePoints } from '../format/ordered.js';

/** One input document as kubectl would read it: strings where Kubernetes has strings. */
export interface InputDocument {
  readonly index: number;
  readonly value: unknown;
  readonly format: 'json' | 'yaml';
  /** Paths of unquoted numbers or booleans whose text changed on the way to a string (`1.0` → "1"). */
  readonly changedScalars: readonly string[];
}

/** What the stream should hold; decides the string positions and the error texts. */
export type InputKind = 'secrets' | 'sealed-secrets' | 'key-file';

const SHAPES: Record<InputKind, KubectlShape> = {
  secrets: SECRET_SHAPE,
  'sealed-secrets': SEALED_SECRET_SHAPE,
  'key-file': SECRET_OR_LIST_SHAPE,
};

export const NO_SECRETS = 'no secrets found. Ensure the input is valid and UTF-8 encoded';

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => compareCodePoints(a, b))
      .map(([k, v]) => [k, sortKeysDeep(v)]),
  );
}

/** managedFields[].fieldsV1 is raw JSON in Go: kept as written in JSON, sorted when it went through YAML. */
function sortFieldsV1(document: unknown): unknown {
  const sortIn = (meta: unknown): void => {
    const entries = (meta as { managedFields?: unknown } | null)?.managedFields;
    if (!Array.isArray(entries)) return;
    for (const entry of entries) {
      if (entry !== null && typeof entry === 'object' && 'fieldsV1' in entry) {
        (entry as { fieldsV1: unknown }).fieldsV1 = sortKeysDeep((entry as { fieldsV1: unknown }).fieldsV1);
      }
    }
  };
  const doc = document as { metadata?: unknown; spec?: { template?: { metadata?: unknown } } } | null;
  sortIn(doc?.metadata);
  sortIn(doc?.spec?.template?.metadata);
  return document;
}

function inputError(error: DocumentError, kind: InputKind): CliError {
  if (error.code !== 'INVALID_ENCODING') return new CliError('INPUT', error.message, { cause: error });
  // Upstream's texts: its Secret reader swallows the YAML error; the SealedSecret readers print go-yaml's.
  const message = kind === 'secrets' ? NO_SECRETS : `yaml: ${error.reason ?? 'invalid input'}`;
  return new CliError('INPUT', message, { cause: error, hints: [`hint: ${error.message}`] });
}

/**
 * Reads a stream of YAML documents or concatenated JSON objects with the core's bounded reader, the way kubectl
 * (and upstream kubeseal) reads it: numbers and booleans at string positions become text, invalid UTF-8 and raw
 * control characters are refused. Nothing is written before the whole stream has been read.
 */
export async function readDocuments(input: Uint8Array, kind: InputKind): Promise<InputDocument[]> {
  let documents;
  try {
    documents = await parseBounded(input, {}, { dialect: 'kubectl' });
  } catch (error) {
    if (error instanceof DocumentError) throw inputError(error, kind);
    throw error;
  }
  // Go reads a JSON stream as JSON until a document needs a conversion; from then on it reads YAML, whose maps
  // come back sorted (that shows in fieldsV1, which Go keeps as raw JSON).
  let readAsYaml = false;
  return documents.map((doc) => {
    const { value, conversions } = coerceToKubectlShape(doc.value, SHAPES[kind]);
    if (doc.format === 'yaml' || conversions.length > 0) readAsYaml = true;
    return {
      index: doc.index,
      value: readAsYaml ? sortFieldsV1(value) : value,
      format: doc.format,
      changedScalars: conversions.filter((c) => c.changed).map((c) => formatPath(c.path)),
    };
  });
}

/** A stderr line about unquoted values whose text changed (the values themselves are never printed). */
export function conversionWarning(doc: InputDocument): string | undefined {
  if (doc.changedScalars.length === 0) return undefined;
  const shown = doc.changedScalars.slice(0, 5).join(', ');
  const more = doc.changedScalars.length > 5 ? ` and ${doc.changedScalars.length - 5} more` : '';
  return (
    `warning: document ${doc.index}: ${shown}${more}: unquoted YAML number or boolean converted to text ` +
    'the way kubectl does, which is not the text written; quote the value to keep it as written'
  );
}
