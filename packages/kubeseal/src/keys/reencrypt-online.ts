// Online re-encryption of SealedSecret documents (kubeseal reencrypt <dir>): through the controller's /v1/rotate,
// one request at a time (its rate limit waited out by rotateOne). Which key a ciphertext was sealed with cannot be
// read from it without the private key, so the document's sealed-with hint tells: a document whose hint names the
// controller's current certificate is on it already and is not sent again (this is what makes a second run a
// no-op; kubeseal reencrypt writes the hint). A document without the hint is always sent, and with `all` every
// document is (the hint names the newest seal of the document: `kubeseal set` after a renewal seals one item with
// the new key and leaves the others on the old one).
import { readSealHints, withoutSealHints } from '@ssts/core';
import type { ControllerClient } from '../cluster/controller-client.js';
import { rotateOne, rotatedValues } from './reencrypt.js';
import type { DocumentReencryptor, SealedSecretDocument } from './reencrypt-files.js';

/** What `from` says when the document has no sealed-with hint. */
export const UNKNOWN_KEY = 'unknown';

/** A rotate request body: the document without status and without the seal hints (they name the old key). */
function requestOf(value: SealedSecretDocument): string {
  const { status: _status, ...rest } = value;
  const metadata = value.metadata ?? {};
  const annotations = withoutSealHints(metadata.annotations);
  const { annotations: _annotations, ...others } = metadata;
  return JSON.stringify({
    apiVersion: 'bitnami.com/v1alpha1',
    ...rest,
    metadata: {
      ...others,
      ...(annotations !== undefined && Object.keys(annotations).length > 0 && { annotations }),
    },
  });
}

/**
 * Re-encrypts documents to the controller's newest key. `target` is the fingerprint of the controller's current
 * certificate (what /v1/rotate seals with).
 */
export function onlineReencryptor(
  controller: ControllerClient,
  target: string,
  options: { readonly all?: boolean; readonly sleep?: (ms: number) => Promise<void> } = {},
): DocumentReencryptor {
  return {
    target,
    check(value) {
      const { sealedWith } = readSealHints(value.metadata ?? {});
      return Promise.resolve({
        from: [sealedWith ?? UNKNOWN_KEY],
        current: options.all !== true && sealedWith === target,
        reencrypt: async () => rotatedValues(await rotateOne(controller, requestOf(value), options.sleep)),
      });
    },
  };
}
