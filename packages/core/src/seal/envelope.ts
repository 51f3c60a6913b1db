// The crypto-free half of sealing (compat §6.5 step 6): which label to encrypt under, and the SealedSecret built
// around already-encrypted values. No Node built-ins here: the browser page (packages/web) bundles this module and
// does the encryption with WebCrypto.
import { SealedSecretsError } from '../errors.js';
import { LAST_APPLIED_ANNOTATIONS } from '../model/annotations.js';
import { canonicalObjectMeta } from '../model/object-meta.js';
import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type ObjectMeta,
  type SealedSecret,
  type SecretTemplateSpec,
  type Secret,
} from '../model/types.js';
import {
  encryptionLabelText,
  scopeFromAnnotations,
  withScopeAnnotations,
  type Scope,
} from '../scope/scope.js';

/** Who a Secret is sealed for: its scope (from its annotations) and the OAEP label text of compat §1.2. */
export interface SealTarget {
  readonly name: string;
  readonly namespace: string | undefined;
  readonly scope: Scope;
  /** `ns/name`, `ns` or empty; encrypt under its UTF-8 bytes. */
  readonly label: string;
}

/**
 * The scope comes from the Secret's annotations (apply withScopeAnnotations first for --scope). Missing name →
 * MISSING_NAME `missing metadata.name in input Secret`; non-cluster-wide without namespace → MISSING_NAMESPACE
 * `secret must declare a namespace`.
 */
export function sealTarget(secret: Secret): SealTarget {
  const { name, namespace, annotations } = secret.metadata;
  if (!name) throw new SealedSecretsError('MISSING_NAME', 'missing metadata.name in input Secret');
  const scope = scopeFromAnnotations(annotations);
  if (scope !== 'cluster-wide' && !namespace) {
    throw new SealedSecretsError('MISSING_NAMESPACE', 'secret must declare a namespace');
  }
  return { name, namespace, scope, label: encryptionLabelText(namespace ?? '', name, scope) };
}

/**
 * The SealedSecret for `secret` with the given encrypted values (base64, keyed by item): top-level metadata =
 * name, namespace, scope annotation; template metadata = the Secret's metadata minus the two last-applied
 * annotations and ownerReferences; `type`, `immutable` copied. Go's field order, map keys sorted, so
 * `JSON.stringify(ss, null, 2)` matches kubeseal's JSON layout.
 */
export function sealedSecretEnvelope(
  secret: Secret,
  target: SealTarget,
  encryptedData: Readonly<Record<string, string>>,
): SealedSecret {
  const template: SecretTemplateSpec = { metadata: templateMetadata(secret.metadata) };
  if (secret.type) template.type = secret.type;
  if (secret.immutable !== undefined) template.immutable = secret.immutable;
  const metadata = canonicalObjectMeta({
    name: target.name,
    ...(target.namespace && { namespace: target.namespace }),
    annotations: target.scope === 'strict' ? {} : withScopeAnnotations({}, target.scope),
  });
  const sorted = Object.fromEntries(
    Object.keys(encryptedData)
      .sort(byCodeUnits)
      .map((key) => [key, encryptedData[key] ?? '']),
  );
  return {
    kind: SEALED_SECRET_KIND,
    apiVersion: SEALED_SECRET_API_VERSION,
    metadata,
    spec: { template, encryptedData: sorted },
  };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The Secret's metadata as the template: without the plaintext-bearing last-applied annotations and owner refs. */
function templateMetadata(metadata: ObjectMeta): ObjectMeta {
  const annotations = Object.fromEntries(
    Object.entries(metadata.annotations ?? {}).filter(
      ([key]) => !(LAST_APPLIED_ANNOTATIONS as readonly string[]).includes(key),
    ),
  );
  const { ownerReferences: _dropped, ...rest } = metadata;
  return canonicalObjectMeta({ ...rest, annotations });
}
