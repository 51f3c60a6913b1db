// Offline re-encryption (issue 15, upstream #365): SealedSecret documents are decrypted here with backed-up
// private keys and sealed to another key (another cluster's certificate), with no cluster at all. Each item is
// decrypted under the label of the document's own name, namespace and scope (what the controller will use), sealed
// again under the same label, and its plaintext wiped at once: plaintexts live only in memory buffers, never in a
// file, a message or a log. An item that one of the given keys opens and that is on the target key already is
// left as it is; an item no key opens is taken as moved when the document's sealed-with hint names the target
// (what a previous run wrote), which makes a second run a no-op.
import type { KeyObject } from 'node:crypto';
import {
  SealedSecretsError,
  decodeBase64Strict,
  encryptionLabel,
  hybridDecrypt,
  hybridEncrypt,
  publicKeyFingerprint,
  readSealHints,
  scopeFromAnnotations,
  type ObjectMeta,
} from '@ssts/core';
import type { RecoveryKey } from '../modes/recovery-keys.js';
import type { DocumentReencryptor, SealedSecretDocument } from './reencrypt-files.js';

/** The first key that opens `ciphertext`, with the plaintext (the caller wipes it), or undefined. */
function open(
  keys: readonly RecoveryKey[],
  ciphertext: Uint8Array,
  label: Uint8Array,
): { key: RecoveryKey; plaintext: Buffer } | undefined {
  for (const key of keys) {
    try {
      return { key, plaintext: hybridDecrypt(key.privateKey, ciphertext, label) };
    } catch (error) {
      if (error instanceof SealedSecretsError && error.code === 'DECRYPT_FAILED') continue;
      throw error;
    }
  }
  return undefined;
}

const itemList = (keys: readonly string[]) => keys.map((k) => JSON.stringify(k)).join(', ');

/** Re-encrypts documents with `keys` (the old private keys) to `targetKey` (the new certificate's public key). */
export function offlineReencryptor(keys: readonly RecoveryKey[], targetKey: KeyObject): DocumentReencryptor {
  const target = publicKeyFingerprint(targetKey);
  return {
    target,
    check(value: SealedSecretDocument) {
      const metadata: ObjectMeta = value.metadata ?? {};
      if (value.spec.data !== undefined && value.spec.data !== null) {
        throw new Error('the legacy spec.data is not re-encrypted offline: re-encrypt it online');
      }
      const encrypted = value.spec.encryptedData ?? {};
      if (typeof encrypted !== 'object' || encrypted === null || Array.isArray(encrypted))
        throw new Error('spec.encryptedData is not a mapping');
      const scope = scopeFromAnnotations(metadata.annotations);
      const label = encryptionLabel(metadata.namespace ?? '', metadata.name ?? '', scope);
      const hinted = readSealHints(metadata).sealedWith === target;
      const reencrypted: Record<string, string> = {};
      const from = new Set<string>();
      const unopened: string[] = [];
      for (const [item, text] of Object.entries(encrypted as Record<string, unknown>)) {
        if (typeof text !== 'string') throw new Error(`item ${JSON.stringify(item)} is not a string`);
        let ciphertext: Buffer;
        try {
          ciphertext = decodeBase64Strict(text);
        } catch {
          throw new Error(`item ${JSON.stringify(item)} is not base64`);
        }
        const opened = open(keys, ciphertext, label);
        if (opened === undefined) {
          if (!hinted) unopened.push(item);
          continue;
        }
        try {
          if (opened.key.fingerprint === target) continue;
          reencrypted[item] = hybridEncrypt(targetKey, opened.plaintext, label).toString('base64');
          from.add(opened.key.fingerprint);
        } finally {
          opened.plaintext.fill(0);
        }
      }
      if (unopened.length > 0) {
        throw new Error(
          `no given private key decrypts ${itemList(unopened)} as sealed for ${scope} ` +
            `"${label.toString('utf8')}" (tried ${keys.length} key${keys.length === 1 ? '' : 's'})`,
        );
      }
      const encryptedData = Object.fromEntries(
        Object.keys(reencrypted)
          .sort()
          .map((k) => [k, reencrypted[k] as string]),
      );
      return Promise.resolve({
        from: [...from].sort(),
        current: Object.keys(encryptedData).length === 0,
        items: Object.keys(encryptedData).length,
        reencrypt: () => Promise.resolve({ encryptedData }),
      });
    },
  };
}
