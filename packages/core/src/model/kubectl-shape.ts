import { GoScalar } from '../documents/go-scalars.js';
import { OBJECT_META_FIELDS } from './object-meta.js';
import type { Path } from './reader.js';

/**
 * Where a decoded document holds strings, so that numbers and booleans written there without quotes can become
 * text the way kubectl reads a manifest (sigs.k8s.io/yaml converts a scalar to a string when the Go field is a
 * string): `port: 5432` → "5432", `1.5e3` → "1500", `true` → "true", a `null` map value → "".
 */
export type KubectlShape =
  | { readonly kind: 'string' }
  | { readonly kind: 'string-map'; readonly nullValues: 'empty' | 'keep' }
  | { readonly kind: 'list'; readonly item: KubectlShape }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, KubectlShape>> };

const STRING: KubectlShape = { kind: 'string' };
const STRING_MAP: KubectlShape = { kind: 'string-map', nullValues: 'empty' };
const list = (item: KubectlShape): KubectlShape => ({ kind: 'list', item });
const object = (fields: Record<string, KubectlShape>): KubectlShape => ({ kind: 'object', fields });
const strings = (...names: string[]): Record<string, KubectlShape> =>
  Object.fromEntries(names.map((name) => [name, STRING]));

// Every ObjectMeta field not listed here is a string (name, namespace, uid, timestamps, …).
const OBJECT_META_OTHER = new Set(['generation', 'deletionGracePeriodSeconds']);
const OBJECT_META_SHAPE = object({
  ...strings(...OBJECT_META_FIELDS.filter((f) => !OBJECT_META_OTHER.has(f))),
  labels: STRING_MAP,
  annotations: STRING_MAP,
  finalizers: list(STRING),
  ownerReferences: list(object(strings('apiVersion', 'kind', 'name', 'uid'))),
  managedFields: list(
    object(strings('manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'subresource')),
  ),
});

const SECRET_FIELDS = {
  ...strings('apiVersion', 'kind', 'type'),
  metadata: OBJECT_META_SHAPE,
  data: STRING_MAP,
  stringData: STRING_MAP,
};

/** A core/v1 Secret (kubeseal's input). */
export const SECRET_SHAPE: KubectlShape = object(SECRET_FIELDS);

/** A Secret, or a v1 List of Secrets (a key backup). */
export const SECRET_OR_LIST_SHAPE: KubectlShape = object({ ...SECRET_FIELDS, items: list(SECRET_SHAPE) });

/** A SealedSecret; `template.data` keeps null values (v0.40 meaning: drop the key). */
export const SEALED_SECRET_SHAPE: KubectlShape = object({
  ...strings('apiVersion', 'kind'),
  metadata: OBJECT_META_SHAPE,
  spec: object({
    data: STRING,
    encryptedData: STRING_MAP,
    template: object({
      type: STRING,
      metadata: OBJECT_META_SHAPE,
      data: { kind: 'string-map', nullValues: 'keep' },
    }),
  }),
  status: object({
    conditions: list(
      object(strings('type', 'status', 'lastUpdateTime', 'lastTransitionTime', 'reason', 'message')),
    ),
  }),
});

export interface KubectlConversion {
  /** Where a number or boolean became a string. */
  readonly path: Path;
  /** True when the text differs from what was written (`1.0` → "1", `017` → "15", `True` → "true"). */
  readonly changed: boolean;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof GoScalar);
}

/**
 * Returns a plain JSON value: scalars at the string positions of `shape` become strings as kubectl makes them,
 * GoScalars elsewhere become their JSON value. Values of the wrong kind are left for the model's parser to report.
 */
export function coerceToKubectlShape(
  value: unknown,
  shape: KubectlShape | undefined,
): { value: unknown; conversions: KubectlConversion[] } {
  const conversions: KubectlConversion[] = [];
  const toText = (item: unknown, path: Path): unknown => {
    if (item instanceof GoScalar) {
      const text = item.toGoString();
      conversions.push({ path, changed: text !== item.source });
      return text;
    }
    if (typeof item === 'boolean' || typeof item === 'number') {
      conversions.push({ path, changed: false });
      return String(item);
    }
    return plain(item);
  };
  const plain = (item: unknown): unknown => {
    if (item instanceof GoScalar) return item.value;
    if (Array.isArray(item)) return item.map(plain);
    if (isPlainObject(item)) return Object.fromEntries(Object.entries(item).map(([k, v]) => [k, plain(v)]));
    return item;
  };
  const walk = (item: unknown, at: KubectlShape | undefined, path: Path): unknown => {
    if (at === undefined) return plain(item);
    switch (at.kind) {
      case 'string':
        return toText(item, path);
      case 'string-map':
        if (!isPlainObject(item)) return plain(item);
        return Object.fromEntries(
          Object.entries(item).map(([k, v]) => [
            k,
            v === null ? (at.nullValues === 'empty' ? '' : null) : toText(v, [...path, k]),
          ]),
        );
      case 'list':
        if (!Array.isArray(item)) return plain(item);
        return item.map((v, i) =>
          v === null && at.item.kind === 'string' ? '' : walk(v, at.item, [...path, i]),
        );
      case 'object':
        if (!isPlainObject(item)) return plain(item);
        return Object.fromEntries(
          Object.entries(item).map(([k, v]) => [
            k,
            walk(v, Object.hasOwn(at.fields, k) ? at.fields[k] : undefined, [...path, k]),
          ]),
        );
    }
  };
  return { value: walk(value, shape, []), conversions };
}
