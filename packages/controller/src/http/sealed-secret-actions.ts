import { isDeepStrictEqual } from 'node:util';
import type { KeyObject } from 'node:crypto';
import {
  canonicalObjectMeta,
  DocumentError,
  parseDocuments,
  parseSealedSecret,
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  sealSecret,
  stripServerSideFields,
  type DocumentLimits,
  type InputDocument,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import { errorMessage } from '../errors.js';
import type { DecryptedItems } from './decrypt-items.js';

export const MULTISTREAM_MESSAGE =
  'Multistream YAML not supported yet (see https://github.com/bitnami-labs/sealed-secrets/issues/114)';

/** A request body that is not one usable SealedSecret. */
export class BadSealedSecretError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BadSealedSecretError';
  }
}

/**
 * Bounds of a posted body, checked before anything is built from it. kubeseal posts JSON (parsed as JSON, fast);
 * YAML is allowed like upstream but costs about 1 µs a token, so its token count is kept small enough that a
 * hostile body cannot hold the event loop for more than a few tens of milliseconds.
 */
export const POSTED_DOCUMENT_LIMITS: Partial<DocumentLimits> = {
  maxDepth: 64,
  maxDocuments: 16,
  maxYamlTokens: 20_000,
  maxAliasCount: 16,
};

/**
 * Decodes a posted SealedSecret (JSON or YAML; apiVersion and kind required, compat §5.2). With `singleDocument`,
 * several documents are refused like upstream's /v1/verify; otherwise only the first is used (/v1/rotate).
 */
export async function parsePostedSealedSecret(
  body: Buffer,
  options: { singleDocument: boolean; maxBytes: number },
): Promise<SealedSecret> {
  let documents: InputDocument[];
  try {
    documents = await parseDocuments(body, { ...POSTED_DOCUMENT_LIMITS, maxBytes: options.maxBytes });
  } catch (cause) {
    if (cause instanceof DocumentError) {
      throw new BadSealedSecretError(`cannot parse the request body: ${cause.message}`, { cause });
    }
    throw cause;
  }
  if (options.singleDocument && documents.length > 1) throw new BadSealedSecretError(MULTISTREAM_MESSAGE);
  const first = documents[0];
  if (first === undefined) throw new BadSealedSecretError('the request body holds no object');
  const value = first.value;
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  if (kind !== undefined && kind !== SEALED_SECRET_KIND)
    throw new BadSealedSecretError('unexpected resource type');
  try {
    return parseSealedSecret(value, { requireTypeMeta: true });
  } catch (cause) {
    throw new BadSealedSecretError(errorMessage(cause), { cause });
  }
}

export interface RotateDeps {
  /** Decrypt-only (decrypt-items.ts): never reads `spec.template`. */
  readonly decryptItems: (ss: SealedSecret) => Promise<DecryptedItems>;
  /** The full unseal, used only for the legacy `spec.data` path (which JSON-decodes a whole Secret). */
  readonly unsealLegacy: (ss: SealedSecret) => Promise<Secret>;
  readonly latestPublicKey: () => KeyObject | undefined;
  readonly onMetadataMismatch?: () => void;
}

/** Upstream's log text when /v1/rotate finds no key to seal with (addendum §1.2 step 3). */
export const NO_LATEST_KEY_MESSAGE = 'error getting latest private key. key registry has no keys';

/**
 * Addendum §1.2 /v1/rotate (v0.40.0): align the template metadata with the top-level metadata when they differ
 * (upstream quirk kept, but server-side fields such as uid/resourceVersion are not copied), decrypt
 * `spec.encryptedData` **without** `template.data`, and seal the items again with the latest key. The answer's
 * `encryptedData` has exactly the posted keys and no `template.data`; template metadata, `type` and `immutable`
 * are kept. The legacy `spec.data` path is unchanged (the blob is a whole Secret). The answer carries
 * apiVersion/kind.
 */
export async function rotateSealedSecret(posted: SealedSecret, deps: RotateDeps): Promise<SealedSecret> {
  const ss = structuredClone(posted);
  const template = ss.spec.template ?? {};
  if (!isDeepStrictEqual(ss.metadata, template.metadata)) {
    deps.onMetadataMismatch?.();
    ss.spec.template = { ...template, metadata: stripServerSideFields(ss.metadata) };
  }
  let secret: Secret;
  try {
    secret =
      ss.spec.data !== undefined && ss.spec.data !== null
        ? await deps.unsealLegacy(withoutTemplateData(ss))
        : secretOf(ss, await deps.decryptItems(ss));
  } catch (error) {
    throw new Error(`error decrypting secret. ${errorMessage(error)}`, { cause: error });
  }
  const publicKey = deps.latestPublicKey();
  if (publicKey === undefined) throw new Error(NO_LATEST_KEY_MESSAGE);
  const resealed = sealSecret(secret, { publicKey });
  return { ...resealed, apiVersion: SEALED_SECRET_API_VERSION, kind: SEALED_SECRET_KIND };
}

/** The Secret the decrypted items make, before any template: template metadata with the object's name/namespace. */
function secretOf(ss: SealedSecret, decrypted: DecryptedItems): Secret {
  if (decrypted.kind !== 'encryptedData') throw new Error('expected encryptedData items');
  const template = ss.spec.template;
  const secret: Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: canonicalObjectMeta({
      ...template?.metadata,
      name: ss.metadata.name ?? '',
      namespace: ss.metadata.namespace ?? '',
    }),
    data: Object.fromEntries(
      [...decrypted.items].map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    ),
  };
  if (template?.type) secret.type = template.type;
  if (template?.immutable !== undefined) secret.immutable = template.immutable;
  return secret;
}

function withoutTemplateData(ss: SealedSecret): SealedSecret {
  const template = ss.spec.template;
  if (template?.data === undefined) return ss;
  const { data: _ignored, ...rest } = template;
  return { ...ss, spec: { ...ss.spec, template: rest } };
}
