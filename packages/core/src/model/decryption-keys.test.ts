import { describe, expect, it } from 'vitest';
import { updateSyncedCondition } from './conditions.js';
import { DECRYPTION_KEYS_MAX_NAME_CHARS, decryptionKeysOf, withDecryptionKeys } from './decryption-keys.js';
import { parseSealedSecret } from './parse.js';
import type { SealedSecretStatus } from './types.js';

const A = `SHA256:${'A'.repeat(43)}`;
const B = `SHA256:${'B'.repeat(43)}`;
const synced: SealedSecretStatus = {
  observedGeneration: 2,
  conditions: [{ type: 'Synced', status: 'True', lastUpdateTime: 't', lastTransitionTime: 't' }],
};

describe('status.decryptionKeys', () => {
  it('groups items by key, sorted, and counts the legacy blob without a name', () => {
    expect(decryptionKeysOf({ user: B, password: A, token: A })).toStrictEqual([
      { fingerprint: A, itemCount: 2, items: ['password', 'token'] },
      { fingerprint: B, itemCount: 1, items: ['user'] },
    ]);
    expect(decryptionKeysOf({ '': A })).toStrictEqual([{ fingerprint: A, itemCount: 1 }]);
  });

  it('leaves the names out when they are long, keeping the counts', () => {
    const many = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`${String(i).padStart(3, '0')}${'x'.repeat(60)}`, A]),
    );
    expect(Object.keys(many).join('').length).toBeGreaterThan(DECRYPTION_KEYS_MAX_NAME_CHARS);
    expect(decryptionKeysOf(many)).toStrictEqual([{ fingerprint: A, itemCount: 100 }]);
  });

  it('changes only decryptionKeys, and only when the keys changed; the Synced condition is untouched', () => {
    const first = withDecryptionKeys(synced, { password: A });
    expect(first.changed).toBe(true);
    expect(first.status).toStrictEqual({
      ...synced,
      decryptionKeys: [{ fingerprint: A, itemCount: 1, items: ['password'] }],
    });
    expect(withDecryptionKeys(first.status, { password: A })).toStrictEqual({
      status: first.status,
      changed: false,
    });
    expect(withDecryptionKeys(first.status, undefined)).toStrictEqual({
      status: first.status,
      changed: false,
    });
    const emptied = withDecryptionKeys(first.status, {});
    expect(emptied).toStrictEqual({ status: synced, changed: true });
    // The Synced logic keeps the field as it is.
    const next = updateSyncedCondition(first.status, { ok: true, generation: 2, now: new Date(0) });
    expect(next.status.decryptionKeys).toStrictEqual(first.status.decryptionKeys);
    expect(next.changed).toBe(false);
  });

  it('is parsed from the API leniently: a malformed value is dropped, never an error', () => {
    const base = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: {},
      spec: { encryptedData: {} },
    };
    const good = [{ fingerprint: A, itemCount: 1, items: ['a'] }];
    expect(parseSealedSecret({ ...base, status: { decryptionKeys: good } }).status).toStrictEqual({
      decryptionKeys: good,
    });
    for (const bad of [{}, [{ fingerprint: 1, itemCount: 1 }], [{ fingerprint: A, itemCount: 'x' }], ['a']]) {
      expect(parseSealedSecret({ ...base, status: { decryptionKeys: bad } }).status).toStrictEqual({});
    }
  });
});
