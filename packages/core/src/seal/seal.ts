import type { KeyObject } from 'node:crypto';
import { notImplemented } from '../errors.js';
import type { ObjectMeta, SealedSecret, Secret } from '../model/types.js';
import type { Scope } from '../scope/scope.js';

export interface SealOptions {
  publicKey: KeyObject;
}

/**
 * Compat §6.5 step 6 (shared with /v1/rotate): the scope comes from the Secret's annotations (apply
 * withScopeAnnotations first for --scope); non-cluster-wide without namespace → MISSING_NAMESPACE
 * `secret must declare a namespace`; missing name → MISSING_NAME `missing metadata.name in input Secret`.
 * Top-level metadata = name, namespace, scope annotation; template metadata = the Secret's metadata minus the two
 * last-applied annotations and ownerReferences; `type`, `immutable` copied; `data` (base64-decoded) then
 * `stringData` items encrypted (stringData wins). Does not strip server-side fields (see stripServerSideFields).
 */
export function sealSecret(secret: Secret, options: SealOptions): SealedSecret {
  return notImplemented(`sealSecret(${secret.metadata.name ?? ''}, ${options.publicKey.type})`);
}

/** Compat §6.5 step 5: a copy without selfLink, uid, resourceVersion, generation, creation/deletion timestamps. */
export function stripServerSideFields(metadata: ObjectMeta): ObjectMeta {
  return notImplemented(`stripServerSideFields(${metadata.name ?? ''})`);
}

/** Raw mode: base64 of hybridEncrypt with the label of (namespace, name, scope). */
export function sealRawValue(
  publicKey: KeyObject,
  value: Uint8Array,
  target: { namespace: string; name: string; scope: Scope },
): string {
  return notImplemented(`sealRawValue(${publicKey.type}, ${value.length}, ${target.scope})`);
}
