import type { DecryptionKeyUse, SealedSecretStatus } from './types.js';

/** Item names are listed in `status.decryptionKeys` only while all of them together stay under this many chars. */
export const DECRYPTION_KEYS_MAX_NAME_CHARS = 4096;

/** Item → fingerprint of the key that decrypted it in one unseal (the legacy blob is the item `''`). */
export type ItemKeys = Readonly<Record<string, string>>;

/**
 * `status.decryptionKeys` for one unseal: one entry per key, sorted by fingerprint, with its item count and (when
 * short enough) the sorted item names. The legacy `spec.data` blob counts as an item without a name.
 */
export function decryptionKeysOf(itemKeys: ItemKeys): DecryptionKeyUse[] {
  const byKey = new Map<string, string[]>();
  for (const [item, fingerprint] of Object.entries(itemKeys)) {
    const items = byKey.get(fingerprint) ?? [];
    items.push(item);
    byKey.set(fingerprint, items);
  }
  const names = Object.keys(itemKeys).filter((item) => item !== '');
  const listNames = names.reduce((sum, item) => sum + item.length, 0) <= DECRYPTION_KEYS_MAX_NAME_CHARS;
  return [...byKey.keys()].sort(byCodeUnits).map((fingerprint) => {
    const items = (byKey.get(fingerprint) ?? []).sort(byCodeUnits);
    const named = items.filter((item) => item !== '');
    return {
      fingerprint,
      itemCount: items.length,
      ...(listNames && named.length > 0 && { items: named }),
    };
  });
}

/**
 * Pure (for the reconcile's status plan): the status with `decryptionKeys` set from the last unseal's item keys,
 * and whether that changed anything. `undefined` item keys (nothing known, e.g. the unseal never ran) leave the
 * status as it is; an empty map removes the field. Conditions and observedGeneration are untouched, so the
 * Synced condition stays exactly as upstream writes it.
 */
export function withDecryptionKeys(
  status: SealedSecretStatus | undefined,
  itemKeys: ItemKeys | undefined,
): { status: SealedSecretStatus; changed: boolean } {
  const current = status ?? {};
  if (itemKeys === undefined) return { status: current, changed: false };
  const next = decryptionKeysOf(itemKeys);
  const { decryptionKeys: previous, ...rest } = current;
  if (JSON.stringify(previous ?? []) === JSON.stringify(next)) return { status: current, changed: false };
  return { status: next.length === 0 ? rest : { ...rest, decryptionKeys: next }, changed: true };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
