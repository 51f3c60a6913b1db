import {
  decryptionKeysOf,
  formatKubeTime,
  type DecryptionKeyUse,
  type ItemKeys,
  type KeyInventoryEntry,
  type KeyInventoryReport,
  type KeyRing,
  type SealedSecret,
} from '@ssts/core';
import { keysOldestFirst } from './cert-link.js';

// The wire types of GET /v1/keys live in the core: kubeseal reads what the controller writes.
export type { KeyInventoryEntry, KeyInventoryReport } from '@ssts/core';

/** Per watched SealedSecret, the keys its last unseal used (`undefined`: not known). */
export interface InventoryObject {
  readonly decryptionKeys: readonly DecryptionKeyUse[] | undefined;
}

/**
 * Pure: counts objects and items per key of `ring`. Keys recorded by objects but not held (removed since) are not
 * listed; those objects still count for the keys they do name.
 */
export function summarizeKeyInventory(ring: KeyRing, objects: Iterable<InventoryObject>): KeyInventoryReport {
  const counts = new Map<string, { objects: number; items: number }>();
  let total = 0;
  let withoutKey = 0;
  for (const object of objects) {
    total++;
    const uses = object.decryptionKeys ?? [];
    if (uses.length === 0) withoutKey++;
    for (const use of uses) {
      const count = counts.get(use.fingerprint) ?? { objects: 0, items: 0 };
      count.objects++;
      count.items += use.itemCount;
      counts.set(use.fingerprint, count);
    }
  }
  const sealing = ring.latest()?.fingerprint;
  const keys = keysOldestFirst(ring).map((entry): KeyInventoryEntry => {
    const count = counts.get(entry.fingerprint) ?? { objects: 0, items: 0 };
    return {
      fingerprint: entry.fingerprint,
      ...(entry.secretName !== undefined && { secretName: entry.secretName }),
      created: formatKubeTime(entry.orderingTime),
      state: entry.fingerprint === sealing ? 'sealing' : 'active',
      objects: count.objects,
      items: count.items,
      linked: entry.link !== undefined,
    };
  });
  return { keys, objects: total, objectsWithoutKey: withoutKey };
}

/** Distinct key-use lists shared at most; beyond that, lists are compact copies of their own. */
export const SHARED_KEY_USE_LISTS = 4096;

/**
 * Interns key-use lists reduced to what the key inventory reads, each key's fingerprint and item count: thousands
 * of objects sealed alike share one frozen list instead of each holding its own copy of the fingerprints and item
 * names (the names stay in the API server's status). Bounded, so hostile statuses cannot grow it.
 */
export class KeyUseLists {
  readonly #shared = new Map<string, readonly DecryptionKeyUse[]>();

  share(uses: readonly DecryptionKeyUse[]): readonly DecryptionKeyUse[] {
    const id = uses.map((use) => `${use.fingerprint}:${use.itemCount}`).join(' ');
    const known = this.#shared.get(id);
    if (known !== undefined) return known;
    const compact = Object.freeze(
      uses.map(({ fingerprint, itemCount }) => Object.freeze({ fingerprint, itemCount })),
    );
    if (this.#shared.size < SHARED_KEY_USE_LISTS) this.#shared.set(id, compact);
    return compact;
  }
}

/**
 * Which keys the watched SealedSecrets need. The source is each object's `status.decryptionKeys` in the informer
 * cache (so every replica answers alike, and the answer survives restarts), overlaid by what this process's own
 * reconciles found (fresher, and the only source with `--update-status=false`).
 */
export class KeyInventory {
  readonly #recent = new Map<string, readonly DecryptionKeyUse[]>();
  readonly #lists = new KeyUseLists();

  record(ss: SealedSecret, itemKeys: ItemKeys): void {
    this.#recent.set(objectName(ss), this.#lists.share(decryptionKeysOf(itemKeys)));
  }

  forget(namespace: string, name: string): void {
    this.#recent.delete(`${namespace}/${name}`);
  }

  report(ring: KeyRing, watched: Iterable<SealedSecret>): KeyInventoryReport {
    const recent = this.#recent;
    function* objects(): Generator<InventoryObject> {
      for (const ss of watched) {
        yield { decryptionKeys: recent.get(objectName(ss)) ?? ss.status?.decryptionKeys };
      }
    }
    return summarizeKeyInventory(ring, objects());
  }
}

function objectName(ss: SealedSecret): string {
  return `${ss.metadata.namespace ?? ''}/${ss.metadata.name ?? ''}`;
}
