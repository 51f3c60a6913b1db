import {
  ANNOTATION_MANAGED,
  ANNOTATION_PATCH,
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type SealedSecret,
  type Secret,
} from '@ssts/core';

/** Event reasons and texts of compat §3.7. */
export const EVENT_UNSEALED = 'Unsealed';
export const EVENT_UNSEAL_FAILED = 'ErrUnsealFailed';
export const EVENT_UPDATE_FAILED = 'ErrUpdateFailed';
export const MESSAGE_UNSEALED = 'SealedSecret unsealed successfully';

/** `unseal_errors_total` reasons (compat §8). */
export type ErrorReason = 'fetch' | 'unseal' | 'update' | 'unmanaged' | 'status';

/** What to do with the target Secret once it exists (compat §3.5 steps 6–8). */
export type SecretPlan =
  | { readonly action: 'none' }
  | { readonly action: 'update'; readonly secret: Secret }
  | { readonly action: 'reject'; readonly eventMessage: string; readonly statusMessage: string };

/** Exact `"true"` only (compat §9.2 #1). */
export function annotationIsTrue(
  object: { metadata: { annotations?: Record<string, string> } },
  key: string,
): boolean {
  return object.metadata.annotations?.[key] === 'true';
}

/** client-go IsControlledBy: the owner reference with `controller: true` carries the SealedSecret's uid. */
export function isControlledBy(secret: Secret, ss: SealedSecret): boolean {
  const controller = secret.metadata.ownerReferences?.find((ref) => ref.controller === true);
  return controller !== undefined && controller.uid === ss.metadata.uid;
}

/** A copy with `apiVersion`/`kind` filled in when the cached object lacks them (compat §3.5 step 3, §9.2 #2). */
export function withTypeMeta(ss: SealedSecret): SealedSecret {
  const copy = structuredClone(ss);
  if (copy.apiVersion === undefined || copy.apiVersion === '') copy.apiVersion = SEALED_SECRET_API_VERSION;
  if (copy.kind === undefined || copy.kind === '') copy.kind = SEALED_SECRET_KIND;
  return copy;
}

export function unmanagedMessage(name: string): string {
  return `Resource "${name}" already exists and is not managed by SealedSecret`;
}

/** Event text for an update rejected because the target Secret is immutable (compat §3.9). */
export function immutableMessage(namespace: string, name: string): string {
  return (
    `Error updating ${namespace}/${name}: the target Secret is immutable. Once a Secret is marked as immutable, ` +
    'it is not possible to revert this change nor to mutate the contents of the data field. You can only delete ' +
    'and recreate the Secret.'
  );
}

/**
 * Compat §3.5 steps 6–8 for an existing Secret: the ownership gate, then replace or patch mode, then a semantic
 * comparison so an unchanged Secret is not written. `unsealed` is what unsealing the SealedSecret produced.
 */
export function planSecretUpdate(ss: SealedSecret, unsealed: Secret, existing: Secret): SecretPlan {
  const name = ss.metadata.name ?? '';
  const patch = annotationIsTrue(existing, ANNOTATION_PATCH);
  if (!isControlledBy(existing, ss) && !annotationIsTrue(existing, ANNOTATION_MANAGED) && !patch) {
    return {
      action: 'reject',
      eventMessage: unmanagedMessage(name),
      statusMessage: `failed update: ${unmanagedMessage(name)}`,
    };
  }
  const desired = structuredClone(existing);
  const meta = desired.metadata;
  if (patch) {
    desired.data = { ...existing.data, ...unsealed.data };
    meta.labels = { ...existing.metadata.labels, ...unsealed.metadata.labels };
    meta.annotations = { ...existing.metadata.annotations, ...unsealed.metadata.annotations };
    // `managed` is checked after the merge, so a template carrying it adopts the Secret too.
    if (meta.annotations[ANNOTATION_MANAGED] === 'true') setOwnerReferences(desired, unsealed);
  } else {
    setOrDelete(desired, 'data', unsealed.data);
    setOrDelete(meta, 'labels', unsealed.metadata.labels);
    setOrDelete(meta, 'annotations', unsealed.metadata.annotations);
    setOwnerReferences(desired, unsealed);
  }
  // Upstream writes the empty template type, which the API server defaults back to Opaque: a no-op UPDATE on
  // every pass. Asking for the defaulted value directly avoids that write (README: quirk decisions).
  desired.type = unsealed.type !== undefined && unsealed.type !== '' ? unsealed.type : 'Opaque';
  return semanticEqual(existing, desired) ? { action: 'none' } : { action: 'update', secret: desired };
}

/** The Secret to create when none exists: the unsealed one, with the defaulted type made explicit. */
export function secretToCreate(unsealed: Secret): Secret {
  const secret = structuredClone(unsealed);
  delete secret.apiVersion;
  delete secret.kind;
  return secret;
}

function setOwnerReferences(desired: Secret, unsealed: Secret): void {
  setOrDelete(desired.metadata, 'ownerReferences', unsealed.metadata.ownerReferences);
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = structuredClone(value);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/**
 * apimachinery's semantic equality as far as it matters for Secrets: absent, null and empty maps/lists are
 * equal; everything else compares by value.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => semanticEqual(item, b[index]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) if (!semanticEqual(left[key], right[key])) return false;
    return true;
  }
  return a === b;
}
