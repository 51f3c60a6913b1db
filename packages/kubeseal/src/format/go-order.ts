import {
  OBJECT_META_FIELDS,
  type ObjectMeta,
  type OwnerReference,
  type SealedSecret,
  type Secret,
} from '@ssts/core';

/** A JSON value whose object keys are already in output order. */
export type Ordered = string | number | boolean | null | Ordered[] | { [key: string]: Ordered };

// ObjectMeta fields in Go's serialization order, shared with the core's parser.
const META_ORDER = OBJECT_META_FIELDS;

const OWNER_ORDER = ['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion'] as const;

/** Go `omitempty`: zero values and empty maps/slices are left out. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Go marshals maps with sorted keys. fromEntries, not assignment: a key named `__proto__` must stay a key. */
function sortedMap(map: Readonly<Record<string, unknown>>): { [key: string]: Ordered } {
  return Object.fromEntries(
    Object.keys(map)
      .sort()
      .map((key) => [key, plain(map[key])]),
  );
}

function plain(value: unknown): Ordered {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object') return sortedMap(value as Record<string, unknown>);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function ownerReference(ref: OwnerReference): Ordered {
  const out: { [key: string]: Ordered } = {};
  for (const key of OWNER_ORDER) {
    const v = ref[key];
    if (v !== undefined && v !== null) out[key] = plain(v);
  }
  return out;
}

/** ObjectMeta in Go struct order; fields outside ObjectMeta are dropped, as Go's decoder does. */
export function orderMeta(meta: ObjectMeta | null | undefined): { [key: string]: Ordered } {
  const out: { [key: string]: Ordered } = {};
  if (meta === null || meta === undefined) return out;
  for (const key of META_ORDER) {
    const v: unknown = meta[key];
    if (isEmpty(v)) continue;
    if (key === 'ownerReferences') out[key] = (v as OwnerReference[]).map(ownerReference);
    else out[key] = plain(v);
  }
  return out;
}

/** A SealedSecret as Go's kubeseal marshals it (compat §2.3); `status` is never emitted. */
export function orderSealedSecret(ss: SealedSecret): { [key: string]: Ordered } {
  const out: { [key: string]: Ordered } = {};
  if (ss.kind !== undefined && ss.kind !== '') out.kind = ss.kind;
  if (ss.apiVersion !== undefined && ss.apiVersion !== '') out.apiVersion = ss.apiVersion;
  out.metadata = orderMeta(ss.metadata);
  const template = ss.spec.template;
  const t: { [key: string]: Ordered } = { metadata: orderMeta(template?.metadata) };
  if (template?.type !== undefined && template.type !== '') t.type = template.type;
  if (template?.immutable !== undefined) t.immutable = template.immutable;
  if (template?.data !== undefined && template.data !== null && !isEmpty(template.data))
    t.data = sortedMap(template.data);
  const spec: { [key: string]: Ordered } = { template: t };
  if (ss.spec.data !== undefined && ss.spec.data !== null && ss.spec.data !== '') spec.data = ss.spec.data;
  spec.encryptedData = sortedMap(ss.spec.encryptedData);
  out.spec = spec;
  return out;
}

/** A core/v1 Secret in Go struct order. */
export function orderSecret(secret: Secret): { [key: string]: Ordered } {
  const out: { [key: string]: Ordered } = {};
  if (secret.kind !== undefined && secret.kind !== '') out.kind = secret.kind;
  if (secret.apiVersion !== undefined && secret.apiVersion !== '') out.apiVersion = secret.apiVersion;
  out.metadata = orderMeta(secret.metadata);
  if (secret.immutable !== undefined) out.immutable = secret.immutable;
  if (!isEmpty(secret.data)) out.data = sortedMap(secret.data ?? {});
  if (!isEmpty(secret.stringData)) out.stringData = sortedMap(secret.stringData ?? {});
  if (secret.type !== undefined && secret.type !== '') out.type = secret.type;
  return out;
}
