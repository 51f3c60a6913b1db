import {
  OBJECT_META_FIELDS,
  type ObjectMeta,
  type OwnerReference,
  type SealedSecret,
  type SealedSecretStatus,
  type Secret,
  type SecretTemplateSpec,
} from '@ssts/core';
import { OrderedMap, sortedMap, type Ordered } from './ordered.js';

export { OrderedMap, type Ordered } from './ordered.js';

// The Go structs' field order (what encoding/json writes), shared with the core's ObjectMeta parser.
const OWNER_ORDER = ['apiVersion', 'kind', 'name', 'uid', 'controller', 'blockOwnerDeletion'] as const;
const MANAGED_FIELDS_ORDER = [
  'manager',
  'operation',
  'apiVersion',
  'time',
  'fieldsType',
  'fieldsV1',
  'subresource',
] as const;
const TIME_FIELDS: ReadonlySet<string> = new Set(['creationTimestamp', 'deletionTimestamp', 'time']);

type Entries = [string, Ordered][];

/** Go `omitempty`: zero values and empty maps/slices are left out. */
function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === 0 || value === false) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** A metav1.Time as Go writes it: RFC 3339 in UTC, whole seconds. Text that is not such a time is kept. */
export function goTime(text: string): string {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,]\d+)?(?:[Zz]|([-+])(\d{2}):(\d{2}))$/.exec(
      text,
    );
  if (m === null) return text;
  const n = (i: number): number => Number(m[i] ?? 0);
  const offset = m[7] === undefined ? 0 : (m[7] === '-' ? -1 : 1) * (n(8) * 60 + n(9));
  const ms = Date.UTC(n(1), n(2) - 1, n(3), n(4), n(5), n(6)) - offset * 60_000;
  const year = new Date(ms).getUTCFullYear();
  if (Number.isNaN(ms) || year < 0 || year > 9999) return text;
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Raw JSON (unknown fields, fieldsV1): objects keep their key order, as Go keeps raw JSON bytes. */
function raw(value: unknown): Ordered {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(raw);
  if (typeof value === 'object') {
    return new OrderedMap(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, raw(v)]));
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return null;
}

function stringMap(map: Readonly<Record<string, unknown>>): OrderedMap {
  return sortedMap(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, raw(v)])));
}

function struct<K extends string>(order: readonly K[], source: Partial<Record<K, unknown>>): OrderedMap {
  const entries: Entries = [];
  for (const key of order) {
    const value = source[key];
    if (isEmpty(value)) continue;
    const text = typeof value === 'string' && TIME_FIELDS.has(key) ? goTime(value) : value;
    entries.push([key, raw(text)]);
  }
  return new OrderedMap(entries);
}

function ownerReference(ref: OwnerReference): OrderedMap {
  // controller and blockOwnerDeletion are pointers in Go: present means written, false included.
  const entries: Entries = [];
  for (const key of OWNER_ORDER) {
    const value = ref[key];
    if (value === undefined || value === null) continue;
    entries.push([key, value]);
  }
  return new OrderedMap(entries);
}

/** ObjectMeta in Go struct order; fields outside ObjectMeta are dropped, as Go's decoder does. */
export function orderMeta(meta: ObjectMeta | null | undefined): OrderedMap {
  const entries: Entries = [];
  if (meta === null || meta === undefined) return new OrderedMap(entries);
  for (const key of OBJECT_META_FIELDS) {
    const value: unknown = meta[key];
    if (isEmpty(value)) continue;
    if (key === 'labels' || key === 'annotations')
      entries.push([key, stringMap(value as Record<string, string>)]);
    else if (key === 'ownerReferences') entries.push([key, (value as OwnerReference[]).map(ownerReference)]);
    else if (key === 'managedFields') {
      entries.push([
        key,
        (value as Record<(typeof MANAGED_FIELDS_ORDER)[number], unknown>[]).map((entry) =>
          struct(MANAGED_FIELDS_ORDER, entry ?? {}),
        ),
      ]);
    } else if (typeof value === 'string' && TIME_FIELDS.has(key)) entries.push([key, goTime(value)]);
    else entries.push([key, raw(value)]);
  }
  return new OrderedMap(entries);
}

/** A metav1.Time field without omitempty effect: null when unset. */
const timeOrNull = (text: string | undefined): Ordered =>
  text === undefined || text === '' ? null : goTime(text);

function orderStatus(status: SealedSecretStatus): OrderedMap {
  const entries: Entries = [];
  if (status.observedGeneration !== undefined && status.observedGeneration !== 0) {
    entries.push(['observedGeneration', status.observedGeneration]);
  }
  if (status.conditions !== undefined && status.conditions.length > 0) {
    const conditions = status.conditions.map((c) => {
      const fields: Entries = [
        ['type', c.type],
        ['status', c.status],
        ['lastUpdateTime', timeOrNull(c.lastUpdateTime)],
        ['lastTransitionTime', timeOrNull(c.lastTransitionTime)],
      ];
      if (c.reason !== undefined && c.reason !== '') fields.push(['reason', c.reason]);
      if (c.message !== undefined && c.message !== '') fields.push(['message', c.message]);
      return new OrderedMap(fields);
    });
    entries.push(['conditions', conditions]);
  }
  return new OrderedMap(entries);
}

/** The template with its `data` map allowed to hold nulls (a null entry drops that key when unsealed). */
export type OutputTemplate = Omit<SecretTemplateSpec, 'data'> & {
  data?: Readonly<Record<string, string | null>> | null;
};
export type OutputSealedSecret = Omit<SealedSecret, 'spec'> & {
  spec: Omit<SealedSecret['spec'], 'template'> & { template?: OutputTemplate };
};

/** A SealedSecret as Go's kubeseal marshals it (compat §2.3); `status` only when the object has one. */
export function orderSealedSecret(ss: OutputSealedSecret): OrderedMap {
  const entries: Entries = [];
  if (ss.kind !== undefined && ss.kind !== '') entries.push(['kind', ss.kind]);
  if (ss.apiVersion !== undefined && ss.apiVersion !== '') entries.push(['apiVersion', ss.apiVersion]);
  entries.push(['metadata', orderMeta(ss.metadata)]);
  const template = ss.spec.template;
  const t: Entries = [['metadata', orderMeta(template?.metadata)]];
  if (template?.type !== undefined && template.type !== '') t.push(['type', template.type]);
  if (template?.immutable !== undefined) t.push(['immutable', template.immutable]);
  if (template?.data !== undefined && template.data !== null && !isEmpty(template.data)) {
    t.push(['data', sortedMap(template.data)]);
  }
  const spec: Entries = [['template', new OrderedMap(t)]];
  if (ss.spec.data !== undefined && ss.spec.data !== null && ss.spec.data !== '')
    spec.push(['data', ss.spec.data]);
  spec.push(['encryptedData', sortedMap(ss.spec.encryptedData)]);
  entries.push(['spec', new OrderedMap(spec)]);
  if (ss.status !== undefined) entries.push(['status', orderStatus(ss.status)]);
  return new OrderedMap(entries);
}

/** A core/v1 Secret in Go struct order. */
export function orderSecret(secret: Secret): OrderedMap {
  const entries: Entries = [];
  if (secret.kind !== undefined && secret.kind !== '') entries.push(['kind', secret.kind]);
  if (secret.apiVersion !== undefined && secret.apiVersion !== '')
    entries.push(['apiVersion', secret.apiVersion]);
  entries.push(['metadata', orderMeta(secret.metadata)]);
  if (secret.immutable !== undefined) entries.push(['immutable', secret.immutable]);
  if (!isEmpty(secret.data)) entries.push(['data', sortedMap(secret.data ?? {})]);
  if (!isEmpty(secret.stringData)) entries.push(['stringData', sortedMap(secret.stringData ?? {})]);
  if (secret.type !== undefined && secret.type !== '') entries.push(['type', secret.type]);
  return new OrderedMap(entries);
}
