import type { KeyObject } from 'node:crypto';
import { decodeBase64Strict } from '../crypto/base64.js';
import { hybridEncrypt } from '../crypto/hybrid.js';
import { SealedSecretsError } from '../errors.js';
import { SERVER_SIDE_FIELDS } from '../model/object-meta.js';
import type { ObjectMeta, SealedSecret, Secret } from '../model/types.js';
import { encryptionLabel, type Scope } from '../scope/scope.js';
import { sealedSecretEnvelope, sealTarget } from './envelope.js';

export interface SealOptions {
  publicKey: KeyObject;
  /**
   * kubeseal's `--allow-empty-data`. Default true (what /v1/rotate needs); false → EMPTY_DATA with upstream's text
   * when the Secret has neither `data` nor `stringData` items.
   */
  allowEmptyData?: boolean;
}

const EMPTY_DATA_MESSAGE =
  'secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, ' +
  '--allow-empty-data can be used';

/**
 * Compat §6.5 step 6 (shared with /v1/rotate): the scope comes from the Secret's annotations (apply
 * withScopeAnnotations first for --scope); non-cluster-wide without namespace → MISSING_NAMESPACE
 * `secret must declare a namespace`; missing name → MISSING_NAME `missing metadata.name in input Secret`.
 * Top-level metadata = name, namespace, scope annotation; template metadata = the Secret's metadata minus the two
 * last-applied annotations and ownerReferences; `type`, `immutable` copied; `data` (base64-decoded) then
 * `stringData` items encrypted (stringData wins). Does not strip server-side fields (see stripServerSideFields).
 *
 * The result has Go's field order (kind, apiVersion, metadata, spec{template{metadata,type,immutable},
 * encryptedData}) with map keys sorted, so `JSON.stringify(ss, null, 2)` matches kubeseal's JSON layout. The
 * crypto-free parts (sealTarget, sealedSecretEnvelope) are shared with the browser page.
 */
export function sealSecret(secret: Secret, options: SealOptions): SealedSecret {
  const target = sealTarget(secret);
  const plaintexts = secretPlaintexts(secret);
  if (options.allowEmptyData === false && plaintexts.size === 0) {
    throw new SealedSecretsError('EMPTY_DATA', EMPTY_DATA_MESSAGE);
  }
  const label = Buffer.from(target.label, 'utf8');
  // fromEntries, not assignment: an item named `__proto__` must stay an item.
  const encryptedData = Object.fromEntries(
    [...plaintexts].map(([key, plaintext]) => [
      key,
      hybridEncrypt(options.publicKey, plaintext, label).toString('base64'),
    ]),
  );
  return sealedSecretEnvelope(secret, target, encryptedData);
}

/** Raw bytes of every item: `data` values base64-decoded, then `stringData` as UTF-8 (overriding `data`). */
export function secretPlaintexts(secret: Secret): Map<string, Buffer> {
  const plaintexts = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(secret.data ?? {})) {
    try {
      plaintexts.set(key, decodeBase64Strict(value));
    } catch (error) {
      if (!(error instanceof SealedSecretsError)) throw error;
      throw new SealedSecretsError('INVALID_BASE64', `${error.message} (${key})`, { cause: error });
    }
  }
  for (const [key, value] of Object.entries(secret.stringData ?? {}))
    plaintexts.set(key, Buffer.from(value, 'utf8'));
  return plaintexts;
}

/** Compat §6.5 step 5: a copy without selfLink, uid, resourceVersion, generation, creation/deletion timestamps. */
export function stripServerSideFields(metadata: ObjectMeta): ObjectMeta {
  const copy = structuredClone(metadata);
  for (const field of SERVER_SIDE_FIELDS) delete copy[field];
  return copy;
}

/** Raw mode: base64 of hybridEncrypt with the label of (namespace, name, scope). */
export function sealRawValue(
  publicKey: KeyObject,
  value: Uint8Array,
  target: { namespace: string; name: string; scope: Scope },
): string {
  return hybridEncrypt(
    publicKey,
    value,
    encryptionLabel(target.namespace, target.name, target.scope),
  ).toString('base64');
}
