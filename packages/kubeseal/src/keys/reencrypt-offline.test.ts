// Offline re-encryption spends RSA private-key operations on what it cannot open: a hostile or foreign file must
// cost a bounded number of them, and an honest document about one per item.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as core from '@ssts/core';
import { publicKeyFingerprint, sealRawValue } from '@ssts/core';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecoveryKey } from '../modes/recovery-keys.js';
import { OFFLINE_LIMITS, offlineReencryptor } from './reencrypt-offline.js';
import type { SealedSecretDocument } from './reencrypt-files.js';

vi.mock('@ssts/core', async (original) => {
  const actual = await original<typeof core>();
  return { ...actual, hybridDecrypt: vi.fn(actual.hybridDecrypt) };
});
const decrypt = vi.mocked(core.hybridDecrypt);

function recoveryKey(source: string): RecoveryKey & { publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { fingerprint: publicKeyFingerprint(publicKey), privateKey, publicKey, source };
}

const [a, b, c, foreign, target] = ['a', 'b', 'c', 'foreign', 'target'].map(recoveryKey) as [
  ReturnType<typeof recoveryKey>,
  ReturnType<typeof recoveryKey>,
  ReturnType<typeof recoveryKey>,
  ReturnType<typeof recoveryKey>,
  ReturnType<typeof recoveryKey>,
];
const keys = [a, b, c];

function doc(name: string, items: number, key: KeyObject, hintedTarget = false): SealedSecretDocument {
  const encryptedData = Object.fromEntries(
    Array.from({ length: items }, (_, i) => [
      `k${i}`,
      sealRawValue(key, Buffer.from(`v${i}`), { namespace: 'ns', name, scope: 'strict' }),
    ]),
  );
  const annotations = hintedTarget
    ? { 'sealed-secrets-ts/sealed-with': publicKeyFingerprint(target.publicKey) }
    : undefined;
  return {
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name, namespace: 'ns', ...(annotations === undefined ? {} : { annotations }) },
    spec: { encryptedData },
  } as SealedSecretDocument;
}

// (A block body: a function returned from beforeEach would be run as its clean-up.)
beforeEach(() => {
  decrypt.mockClear();
});

/** check() throws synchronously on a refused document; reencryptFiles awaits it inside its try. */
const checked = (reencryptor: ReturnType<typeof offlineReencryptor>, document: SealedSecretDocument) =>
  Promise.resolve().then(() => reencryptor.check(document));

describe('offline re-encryption: RSA work bounds', () => {
  it('an honest document costs one decryption per item once its key is found', async () => {
    const reencryptor = offlineReencryptor(keys, target.publicKey);
    const result = await checked(reencryptor, doc('db', 20, c.publicKey));
    expect(result).toMatchObject({ items: 20, from: [c.fingerprint], current: false });
    // The first item tries a, b, then c; the other 19 try c first.
    expect(decrypt).toHaveBeenCalledTimes(3 + 19);
  });

  it('a document of items no key opens stops after the per-document failure budget and says so', async () => {
    const reencryptor = offlineReencryptor(keys, target.publicKey);
    const check = checked(reencryptor, doc('hostile', 300, foreign.publicKey));
    await expect(check).rejects.toThrow(
      /^no given private key decrypts "k0", "k1", .* "k9" and 11 more as sealed for strict "ns\/hostile" \(tried 3 keys\); "k21", .* "k30" and 269 more not tried \(stopped after 64 failed decryptions in one SealedSecret\)$/,
    );
    expect(decrypt).toHaveBeenCalledTimes(OFFLINE_LIMITS.failuresPerDocument);
  });

  it('the run stops trying after its failure budget; a document already hinted to the target stays a no-op', async () => {
    const limits = { ...OFFLINE_LIMITS, failuresPerRun: 10 };
    const reencryptor = offlineReencryptor(keys, target.publicKey, limits);
    await expect(checked(reencryptor, doc('one', 3, foreign.publicKey))).rejects.toThrow(/tried 3 keys/);
    await expect(checked(reencryptor, doc('two', 3, foreign.publicKey))).rejects.toThrow(
      /^"k0", "k1", "k2" not tried \(stopped after 10 failed decryptions in this run\)$/,
    );
    expect(decrypt).toHaveBeenCalledTimes(10);
    // Re-encrypted by an earlier run: what is not tried is taken as moved, as what no key opens already was.
    await expect(checked(reencryptor, doc('done', 3, target.publicKey, true))).resolves.toMatchObject({
      current: true,
      items: 0,
    });
    expect(decrypt).toHaveBeenCalledTimes(10);
    // After it, nothing is tried at all: the file is reported, not half-checked.
    await expect(checked(reencryptor, doc('three', 2, a.publicKey))).rejects.toThrow(
      /^"k0", "k1" not tried \(stopped after 10 failed decryptions in this run\)$/,
    );
    expect(decrypt).toHaveBeenCalledTimes(10);
  });

  it('refuses a document with more items than any API object can hold before decrypting anything', async () => {
    const reencryptor = offlineReencryptor(keys, target.publicKey);
    const encryptedData = Object.fromEntries(
      Array.from({ length: OFFLINE_LIMITS.itemsPerDocument + 1 }, (_, i) => [`k${i}`, 'AgA='] as const),
    );
    const hostile = {
      kind: 'SealedSecret',
      metadata: { name: 'x', namespace: 'ns' },
      spec: { encryptedData },
    };
    await expect(checked(reencryptor, hostile as SealedSecretDocument)).rejects.toThrow(
      '4097 items: more than 4096, which no SealedSecret the API server accepts has',
    );
    expect(decrypt).not.toHaveBeenCalled();
  });
});
