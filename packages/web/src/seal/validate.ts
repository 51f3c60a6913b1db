// Kubernetes' own rules for the names the page accepts (apimachinery validation), checked before sealing so a
// mistake shows next to its field now instead of as an API server error at apply time. kubeseal checks none of
// these; everything it would accept and the API server would also accept is accepted here.
import { InputError } from './errors.js';

/** The API server refuses Secrets whose data is larger than this (core/v1 validation, MaxSecretSize). */
export const MAX_SECRET_BYTES = 1024 * 1024;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

export function checkName(field: string, name: string): void {
  if (name === '') throw new InputError(field, 'a name is required');
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw new InputError(
      field,
      `"${name}" is not a valid name: lower case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters`,
    );
  }
}

export function checkNamespace(field: string, namespace: string): void {
  if (namespace === '') throw new InputError(field, 'a namespace is required for this scope');
  if (namespace.length > 63 || !DNS1123_LABEL.test(namespace)) {
    throw new InputError(
      field,
      `"${namespace}" is not a valid namespace: lower case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters`,
    );
  }
}

export function checkSecretKey(field: string, key: string): void {
  if (key === '') throw new InputError(field, 'every item needs a key');
  if (key.length > 253 || !SECRET_KEY.test(key) || key === '.' || key === '..') {
    throw new InputError(
      field,
      `"${key}" is not a valid key: letters, digits, "-", "_" and ".", at most 253 characters, not "." or ".."`,
    );
  }
}

/** `prefix/name` or `name` (apimachinery IsQualifiedName). */
function isQualifiedName(key: string): boolean {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) return false;
  return name.length <= 63 && QUALIFIED_NAME_PART.test(name);
}

/**
 * `key=value` lines (the first `=` splits; the value is kept exactly, spaces included); blank lines are skipped.
 * Labels also get the label-value rule; annotations may total 256 KiB.
 */
export function parseKeyValueLines(
  field: string,
  text: string,
  kind: 'label' | 'annotation',
): Record<string, string> {
  const entries: [string, string][] = [];
  const seen = new Set<string>();
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const where = `line ${index + 1}`;
    if (eq < 0) throw new InputError(field, `${where}: expected ${kind} key=value`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1);
    if (!isQualifiedName(key)) {
      throw new InputError(
        field,
        `${where}: "${key}" is not a valid ${kind} key (an optional DNS prefix and "/", then at most 63 letters, digits, "-", "_" or ".")`,
      );
    }
    if (seen.has(key)) throw new InputError(field, `${where}: ${kind} "${key}" is given twice`);
    seen.add(key);
    if (kind === 'label' && (value.length > 63 || !LABEL_VALUE.test(value))) {
      throw new InputError(
        field,
        `${where}: "${value}" is not a valid label value (at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit)`,
      );
    }
    entries.push([key, value]);
  }
  const map = Object.fromEntries(entries);
  if (kind === 'annotation') {
    const size = entries.reduce((sum, [k, v]) => sum + k.length + new TextEncoder().encode(v).length, 0);
    if (size > MAX_ANNOTATIONS_BYTES) {
      throw new InputError(field, `annotations may total at most ${MAX_ANNOTATIONS_BYTES / 1024} KiB`);
    }
  }
  return map;
}
