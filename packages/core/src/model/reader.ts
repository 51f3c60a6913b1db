import { SealedSecretsError } from '../errors.js';
import { quoteUserText } from '../text/bounded-text.js';

/**
 * A location in an untrusted document, rendered like `spec.encryptedData.foo` or `metadata.annotations["a/b"]`.
 * Keys that are not short identifiers are quoted like Go's `%q` and cut after 20 characters, so a hostile key
 * cannot make the message long.
 */
export type Path = readonly (string | number)[];

const SIMPLE_KEY = /^[A-Za-z_][A-Za-z0-9_-]{0,62}$/;

export function formatPath(path: Path): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else if (SIMPLE_KEY.test(part)) text += text === '' ? part : `.${part}`;
    else text += `[${quoteUserText(part)}]`;
  }
  return text;
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

export function invalid(path: Path, problem: string, what = 'value'): SealedSecretsError {
  const where = formatPath(path);
  return new SealedSecretsError(
    'INVALID_OBJECT',
    where === '' ? `${what}: ${problem}` : `${where}: ${problem}`,
  );
}

function mismatch(path: Path, expected: string, value: unknown, what?: string): SealedSecretsError {
  return invalid(path, `expected ${expected}, got ${describeValue(value)}`, what);
}

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readObject(value: unknown, path: Path, what?: string): JsonObject {
  if (!isObject(value)) throw mismatch(path, 'an object', value, what);
  return value;
}

/** Absent and `null` are the same (Go's decoder leaves the zero value for both). */
export function optionalObject(value: unknown, path: Path): JsonObject | undefined {
  return value === undefined || value === null ? undefined : readObject(value, path);
}

export function optionalString(value: unknown, path: Path): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw mismatch(path, 'a string', value);
  return value;
}

export function optionalBoolean(value: unknown, path: Path): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw mismatch(path, 'a boolean', value);
  return value;
}

export function optionalInteger(value: unknown, path: Path): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw mismatch(path, 'an integer', value);
  return value;
}

export function optionalStringMap(value: unknown, path: Path): Record<string, string> | undefined {
  const object = optionalObject(value, path);
  if (object === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(object).map(([key, item]) => {
      if (typeof item !== 'string') throw mismatch([...path, key], 'a string', item);
      return [key, item];
    }),
  );
}

/** Like optionalStringMap, but an item may be `null` (kept as `null`, not dropped). */
export function optionalNullableStringMap(
  value: unknown,
  path: Path,
): Record<string, string | null> | undefined {
  const object = optionalObject(value, path);
  if (object === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(object).map(([key, item]) => {
      if (item !== null && typeof item !== 'string') throw mismatch([...path, key], 'a string or null', item);
      return [key, item];
    }),
  );
}

export function optionalArray(value: unknown, path: Path): readonly unknown[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw mismatch(path, 'an array', value);
  return value;
}

export function optionalStringArray(value: unknown, path: Path): string[] | undefined {
  return optionalArray(value, path)?.map((item, index) => {
    if (typeof item !== 'string') throw mismatch([...path, index], 'a string', item);
    return item;
  });
}

/** Deep copy of an arbitrary JSON-like value (unknown fields are kept but never shared with the input). */
export function cloneJson(value: unknown): unknown {
  return structuredClone(value);
}
