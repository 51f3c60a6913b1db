import {
  decodeBase64Strict,
  encryptionLabel,
  NO_KEY_COULD_DECRYPT,
  scopeFromAnnotations,
  SealedSecretsError,
  type SealedSecret,
  type ValueDecryptor,
} from '@ssts/core';

export interface DecryptOnlyOptions {
  readonly decrypt: ValueDecryptor;
  /** `--accept-deprecated-v1-data` (compat §1.4). */
  readonly acceptDeprecatedV1Data: boolean;
}

/** What a SealedSecret's ciphertext holds, decrypted: the encryptedData items, or the legacy blob as is. */
export type DecryptedItems =
  | { readonly kind: 'encryptedData'; readonly items: ReadonlyMap<string, Uint8Array> }
  | { readonly kind: 'legacy'; readonly blob: Uint8Array };

/** The ciphertext of a posted SealedSecret does not decrypt (verify: 409, rotate: 500). */
export class NotDecryptableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotDecryptableError';
  }
}

/** One value tried: its plaintext, or why it failed (`base64`: not Go-strict base64; `decrypt`: no key worked). */
export type ValueOutcome =
  { readonly plaintext: Uint8Array } | { readonly failure: string; readonly cause: 'base64' | 'decrypt' };

/** Every value of a SealedSecret tried, without stopping at the first failure. */
export type ValueOutcomes =
  | { readonly kind: 'encryptedData'; readonly items: ReadonlyMap<string, ValueOutcome> }
  | { readonly kind: 'legacy'; readonly blob: ValueOutcome };

/**
 * Addendum §1.1/§1.2: decrypts `spec.encryptedData` (or the legacy `spec.data` blob) under the OAEP label of the
 * object's **top-level** metadata, and nothing more. `spec.template` is never read, so no template is parsed or
 * run and the answer cannot depend on the plaintext; the legacy blob is not JSON-decoded. Every item is tried;
 * failures are reported like the unseal's (`no key could decrypt secret (a, b)`, keys sorted), without values.
 */
export async function decryptItems(ss: SealedSecret, options: DecryptOnlyOptions): Promise<DecryptedItems> {
  const outcomes = await decryptEachValue(ss, options);
  if (outcomes.kind === 'legacy') {
    if ('failure' in outcomes.blob) throw new NotDecryptableError(`${outcomes.blob.failure} (data)`);
    return { kind: 'legacy', blob: outcomes.blob.plaintext };
  }
  const items = new Map<string, Uint8Array>();
  const failed = new Map<string, string[]>();
  for (const [key, outcome] of outcomes.items) {
    if ('plaintext' in outcome) items.set(key, outcome.plaintext);
    else failed.set(outcome.failure, [...(failed.get(outcome.failure) ?? []), key]);
  }
  if (failed.size > 0) {
    throw new NotDecryptableError(
      [...failed].map(([message, failedKeys]) => `${message} (${failedKeys.join(', ')})`).join('\n'),
    );
  }
  return { kind: 'encryptedData', items };
}

/**
 * decryptItems' work, value by value (items in sorted key order), for callers that need to know which value
 * failed and why (the admission webhook). Throws NotDecryptableError only for the legacy-field rules (§1.4).
 */
export async function decryptEachValue(
  ss: SealedSecret,
  options: DecryptOnlyOptions,
): Promise<ValueOutcomes> {
  const scope = scopeFromAnnotations(ss.metadata.annotations);
  const label = encryptionLabel(ss.metadata.namespace ?? '', ss.metadata.name ?? '', scope);
  if (ss.spec.data !== undefined && ss.spec.data !== null) {
    if (!options.acceptDeprecatedV1Data) {
      throw new NotDecryptableError(
        `using deprecated 'data' field, use 'encryptedData' or flip the feature flag`,
      );
    }
    if (Object.keys(ss.spec.encryptedData).length > 0) {
      throw new NotDecryptableError(
        `cannot use the field 'encryptedData' and the deprecated field 'data' at the same time`,
      );
    }
    return { kind: 'legacy', blob: await decryptOne(ss.spec.data, label, options.decrypt) };
  }
  const keys = Object.keys(ss.spec.encryptedData).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const outcomes = await Promise.all(
    keys.map((key) => decryptOne(ss.spec.encryptedData[key] ?? '', label, options.decrypt)),
  );
  return {
    kind: 'encryptedData',
    items: new Map(keys.map((key, index) => [key, outcomes[index] as ValueOutcome])),
  };
}

async function decryptOne(value: string, label: Uint8Array, decrypt: ValueDecryptor): Promise<ValueOutcome> {
  let ciphertext: Buffer;
  try {
    ciphertext = decodeBase64Strict(value);
  } catch (error) {
    if (!(error instanceof SealedSecretsError)) throw error;
    return { failure: error.message, cause: 'base64' };
  }
  try {
    return { plaintext: await decrypt(ciphertext, label) };
  } catch (error) {
    if (!(error instanceof SealedSecretsError) || error.code !== 'DECRYPT_FAILED') throw error;
    return { failure: NO_KEY_COULD_DECRYPT, cause: 'decrypt' };
  }
}
