import {
  cloneJson,
  optionalArray,
  optionalBoolean,
  optionalInteger,
  optionalString,
  optionalStringArray,
  optionalStringMap,
  readObject,
  type Path,
} from './reader.js';
import type { ObjectMeta, OwnerReference } from './types.js';

/** The ObjectMeta fields the API server sets, which a sealed copy leaves out (compat §6.5 step 5). */
export const SERVER_SIDE_FIELDS = [
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

/** The fields of Kubernetes ObjectMeta, in the order Go serializes them. */
export const OBJECT_META_FIELDS = [
  'name',
  'generateName',
  'namespace',
  ...SERVER_SIDE_FIELDS,
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
] as const;

const KNOWN = new Set<string>(OBJECT_META_FIELDS);

/** Validates ObjectMeta. Known fields are type-checked; unknown fields are deep-copied and kept in place. */
export function parseObjectMeta(value: unknown, path: Path): ObjectMeta {
  if (value === undefined || value === null) return {};
  const input = readObject(value, path);
  const entries: [string, unknown][] = [];
  for (const [key, item] of Object.entries(input)) {
    const parsed = KNOWN.has(key) ? parseKnownField(key, item, [...path, key]) : cloneJson(item);
    if (parsed !== undefined) entries.push([key, parsed]);
  }
  return Object.fromEntries(entries) as ObjectMeta;
}

function parseKnownField(key: string, value: unknown, path: Path): unknown {
  switch (key) {
    case 'generation':
    case 'deletionGracePeriodSeconds':
      return optionalInteger(value, path);
    case 'labels':
    case 'annotations':
      return optionalStringMap(value, path);
    case 'finalizers':
      return optionalStringArray(value, path);
    case 'ownerReferences':
      return optionalArray(value, path)?.map((item, index) => parseOwnerReference(item, [...path, index]));
    case 'managedFields':
      return optionalArray(value, path)?.map(cloneJson);
    default:
      // name, namespace, uid, timestamps …: strings; a null timestamp (old kubeseal output) counts as absent.
      return optionalString(value, path);
  }
}

function parseOwnerReference(value: unknown, path: Path): OwnerReference {
  const input = readObject(value, path);
  const reference: OwnerReference = {
    apiVersion: optionalString(input['apiVersion'], [...path, 'apiVersion']) ?? '',
    kind: optionalString(input['kind'], [...path, 'kind']) ?? '',
    name: optionalString(input['name'], [...path, 'name']) ?? '',
    uid: optionalString(input['uid'], [...path, 'uid']) ?? '',
  };
  const controller = optionalBoolean(input['controller'], [...path, 'controller']);
  const blockOwnerDeletion = optionalBoolean(input['blockOwnerDeletion'], [...path, 'blockOwnerDeletion']);
  if (controller !== undefined) reference.controller = controller;
  if (blockOwnerDeletion !== undefined) reference.blockOwnerDeletion = blockOwnerDeletion;
  return reference;
}

function sortedMap(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * A deep copy holding only real ObjectMeta fields, in Go's field order, with map keys sorted and empty or null
 * values omitted (Go's `omitempty`), the way the Go types would serialize it.
 */
export function canonicalObjectMeta(meta: ObjectMeta | null | undefined): ObjectMeta {
  const entries: [string, unknown][] = [];
  for (const field of OBJECT_META_FIELDS) {
    const value = meta?.[field];
    if (value === undefined || value === null || value === '') continue;
    if (field === 'generation' && value === 0) continue;
    if (Array.isArray(value)) {
      if (value.length > 0) entries.push([field, cloneJson(value)]);
    } else if (field === 'labels' || field === 'annotations') {
      const map = value as Record<string, string>;
      if (Object.keys(map).length > 0) entries.push([field, sortedMap(map)]);
    } else {
      entries.push([field, value]);
    }
  }
  return Object.fromEntries(entries) as ObjectMeta;
}
