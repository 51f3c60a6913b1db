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

/**
 * Bounds on the RSA work a run does for inputs it cannot open: each item costs one RSA private-key operation per
 * given key that fails on it, and a file that is not ours (a pull request, a copied repository) can hold thousands
 * of such items. An honest SealedSecret fits in one API object (etcd takes at most 1.5 MiB, about 2 000 RSA-4096
 * items), and the key that opened one item of a document is tried first on the next, so an honest document costs
 * about one operation per item.
 */
export interface OfflineLimits {
  /** Items of one SealedSecret; a document with more is refused before any decryption. */
  readonly itemsPerDocument: number;
  /** Failed decryptions spent on one document; its remaining items are not tried. */
  readonly failuresPerDocument: number;
  /** Failed decryptions spent in the whole run; after them no item that needs a trial is tried. */
  readonly failuresPerRun: number;
}

export const OFFLINE_LIMITS: OfflineLimits = {
  itemsPerDocument: 4_096,
  failuresPerDocument: 64,
  failuresPerRun: 16_384,
};

interface Opened {
  readonly key: RecoveryKey;
  readonly plaintext: Buffer;
}

/**
 * The first key that opens `ciphertext` (trying `first` before the others), with the plaintext (the caller wipes
 * it); `failures` decryptions failed on the way; `exhausted` when it stopped at `allowedFailures` without trying
 * every key.
 */
function open(
  keys: readonly RecoveryKey[],
  first: RecoveryKey | undefined,
  ciphertext: Uint8Array,
  label: Uint8Array,
  allowedFailures: number,
): { opened?: Opened; failures: number; exhausted: boolean } {
  const order = first === undefined ? keys : [first, ...keys.filter((k) => k !== first)];
  let failures = 0;
  for (const key of order) {
    if (failures >= allowedFailures) return { failures, exhausted: true };
    try {
      return {
        opened: { key, plaintext: hybridDecrypt(key.privateKey, ciphertext, label) },
        failures,
        exhausted: false,
      };
    } catch (error) {
      if (error instanceof SealedSecretsError && error.code === 'DECRYPT_FAILED') {
        failures++;
        continue;
      }
      throw error;
    }
  }
  return { failures, exhausted: false };
}

/** At most ten item names, then how many more. */
function itemList(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => JSON.stringify(k));
  return keys.length > 10 ? `${shown.join(', ')} and ${keys.length - 10} more` : shown.join(', ');
}

/** Re-encrypts documents with `keys` (the old private keys) to `targetKey` (the new certificate's public key). */
export function offlineReencryptor(
  keys: readonly RecoveryKey[],
  targetKey: KeyObject,
  limits: OfflineLimits = OFFLINE_LIMITS,
): DocumentReencryptor {
  const target = publicKeyFingerprint(targetKey);
  let runFailures = 0;
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
      const entries = Object.entries(encrypted as Record<string, unknown>);
      if (entries.length > limits.itemsPerDocument) {
        throw new Error(
          `${entries.length} items: more than ${limits.itemsPerDocument}, which no SealedSecret the API server accepts has`,
        );
      }
      const reencrypted: Record<string, string> = {};
      const from = new Set<string>();
      const unopened: string[] = [];
      const untried: string[] = [];
      let documentFailures = 0;
      let first: RecoveryKey | undefined;
      for (const [item, text] of entries) {
        if (typeof text !== 'string') throw new Error(`item ${JSON.stringify(item)} is not a string`);
        let ciphertext: Buffer;
        try {
          ciphertext = decodeBase64Strict(text);
        } catch {
          throw new Error(`item ${JSON.stringify(item)} is not base64`);
        }
        const allowed = Math.min(
          limits.failuresPerDocument - documentFailures,
          limits.failuresPerRun - runFailures,
        );
        const { opened, failures, exhausted } = open(keys, first, ciphertext, label, allowed);
        documentFailures += failures;
        runFailures += failures;
        if (opened === undefined) {
          // A document whose hint names the target was re-encrypted already: what no key opens is on the target.
          if (!hinted) (exhausted ? untried : unopened).push(item);
          continue;
        }
        first = opened.key;
        try {
          if (opened.key.fingerprint === target) continue;
          reencrypted[item] = hybridEncrypt(targetKey, opened.plaintext, label).toString('base64');
          from.add(opened.key.fingerprint);
        } finally {
          opened.plaintext.fill(0);
        }
      }
      if (unopened.length > 0 || untried.length > 0) {
        const reasons: string[] = [];
        if (unopened.length > 0) {
          reasons.push(
            `no given private key decrypts ${itemList(unopened)} as sealed for ${scope} ` +
              `"${label.toString('utf8')}" (tried ${keys.length} key${keys.length === 1 ? '' : 's'})`,
          );
        }
        if (untried.length > 0) {
          const bound =
            runFailures >= limits.failuresPerRun
              ? `${limits.failuresPerRun} failed decryptions in this run`
              : `${limits.failuresPerDocument} failed decryptions in one SealedSecret`;
          reasons.push(`${itemList(untried)} not tried (stopped after ${bound})`);
        }
        throw new Error(reasons.join('; '));
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
