import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { hybridEncrypt, KeyRing } from '@ssts/core';
import { readJsonFixture, VECTOR_4096_DIR } from '@ssts/test-utils';
import { keyEntry } from '../../test/key-entry.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DecryptPool, defaultThreadPoolRsa, keyTryOrder } from './decrypt-pool.js';

interface KnownAnswer {
  namespace: string;
  name: string;
  plaintext_base64: string;
  private_key_pem: string;
  values: { scope: string; label: string; ciphertext_base64: string }[];
}

const entry = keyEntry;

const vectors = readJsonFixture<KnownAnswer>('vectors', 'known-answer-2048.json');
const vectorKey = createPrivateKey(vectors.private_key_pem);
const otherKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
// The same behaviour whether RSA runs in the worker threads or on libuv's thread pool (WebCrypto).
const MODES = [
  ['worker threads', 0],
  ["libuv's thread pool", 2],
] as const;

describe.each(MODES)('DecryptPool, RSA on %s', (_mode, threadPoolRsa) => {
  const pool = new DecryptPool({ size: 2, threadPoolRsa });
  afterAll(() => pool.close());

  it('decrypts the independent known-answer vectors with their labels, whatever other keys are loaded', async () => {
    pool.setKeyRing(KeyRing.of([entry(otherKey, 2, 'other'), entry(vectorKey, 1, 'vector')]));
    for (const value of vectors.values) {
      const plaintext = await pool.decryptorFor(`v/${value.scope}`)(
        Buffer.from(value.ciphertext_base64, 'base64'),
        Buffer.from(value.label),
      );
      expect(Buffer.from(plaintext).toString('base64')).toBe(vectors.plaintext_base64);
    }
  });

  it('fails with exactly "no key could decrypt secret" for a wrong label, truncation, tampering or no keys', async () => {
    pool.setKeyRing(KeyRing.of([entry(vectorKey, 1, 'vector')]));
    const strict = Buffer.from(
      vectors.values.find((v) => v.scope === 'strict')?.ciphertext_base64 ?? '',
      'base64',
    );
    const decrypt = pool.decryptorFor('x/y');
    await expect(decrypt(strict, Buffer.from('myns/other'))).rejects.toThrow(/^no key could decrypt secret$/);
    await expect(decrypt(strict.subarray(0, 100), Buffer.from('myns/myname'))).rejects.toThrow(
      'no key could decrypt secret',
    );
    await expect(decrypt(Buffer.from([1]), Buffer.from(''))).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    const tampered = Buffer.from(strict);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await expect(decrypt(tampered, Buffer.from('myns/myname'))).rejects.toThrow(
      'no key could decrypt secret',
    );
    pool.setKeyRing(KeyRing.empty());
    await expect(decrypt(strict, Buffer.from('myns/myname'))).rejects.toThrow('no key could decrypt secret');
  });

  it('decrypts the RSA-4096 vector key (PKCS#1 tls.key) values', async () => {
    const key = createPrivateKey(readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8'));
    pool.setKeyRing(KeyRing.of([entry(key, 1, 'k4096')]));
    const sealed = readJsonFixture<{ spec: { encryptedData: Record<string, string> } }>(
      'vectors',
      'sealedsecret-4096',
      'sealed-cluster-wide.json',
    );
    const expected = readJsonFixture<Record<string, string>>(
      'vectors',
      'sealedsecret-4096',
      'expected-data.json',
    );
    for (const [item, value] of Object.entries(sealed.spec.encryptedData)) {
      const plaintext = await pool.decryptorFor('web/app-credentials')(
        Buffer.from(value, 'base64'),
        new Uint8Array(),
      );
      expect(Buffer.from(plaintext).toString('base64')).toBe(expected[item]);
    }
  });

  it('tries the sealing key first once it decrypted anything: 5 keys, sealing key oldest', async () => {
    const own = new DecryptPool({ size: 2, threadPoolRsa });
    try {
      const keys = [1, 2, 3, 4, 5].map((i) =>
        entry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, i, `k${i}`),
      );
      own.setKeyRing(KeyRing.of(keys));
      const sealing = createPublicKey(keys[0]?.privateKey ?? otherKey);
      const unsealObject = async (name: string): Promise<string[]> => {
        const label = Buffer.from(`ns/${name}`);
        const decrypt = own.decryptorFor(`ns/${name}`);
        const values = ['a', 'b', 'c'].map((v) => hybridEncrypt(sealing, Buffer.from(v), label));
        const plain = await Promise.all(values.map((v) => decrypt(v, label)));
        return plain.map((p) => Buffer.from(p).toString());
      };
      // First object: its first value tries all 5 keys (newest first); the two others wait and take 1 each.
      expect(await unsealObject('first')).toEqual(['a', 'b', 'c']);
      expect(own.rsaOperations).toBe(5 + 1 + 1);
      // A new object starts with the key that succeeded last anywhere: one operation per value.
      expect(await unsealObject('second')).toEqual(['a', 'b', 'c']);
      expect(own.rsaOperations).toBe(7 + 3);
      // The first object again: its own key, three operations (upstream's order would take 15).
      expect(await unsealObject('first')).toEqual(['a', 'b', 'c']);
      expect(own.rsaOperations).toBe(10 + 3);
      expect(own.started).toBe(threadPoolRsa > 0 ? 0 : 2);
    } finally {
      await own.close();
    }
  });
});

describe('DecryptPool', () => {
  const pool = new DecryptPool({ size: 2, threadPoolRsa: 0 });
  afterAll(() => pool.close());

  it('spreads concurrent work over all workers', async () => {
    const keys = [1, 2, 3].map((i) =>
      entry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, i, `k${i}`),
    );
    pool.setKeyRing(KeyRing.of(keys));
    const before = pool.handledPerWorker();
    const label = Buffer.from('ns/name');
    const values = keys.flatMap((k) =>
      Array.from({ length: 8 }, () => hybridEncrypt(createPublicKey(k.privateKey), Buffer.from('v'), label)),
    );
    const results = await Promise.all(values.map((v, i) => pool.decryptorFor(`ns/o${i}`)(v, label)));
    expect(results.every((r) => Buffer.from(r).toString() === 'v')).toBe(true);
    const after = pool.handledPerWorker();
    expect(pool.size).toBe(2);
    expect(after).toHaveLength(2);
    expect(after.every((count, i) => count > (before[i] ?? 0))).toBe(true);
  });

  it('starts workers on demand: none while idle, one for sequential work, up to its size under concurrency', async () => {
    const own = new DecryptPool({ size: 3, threadPoolRsa: 0 });
    try {
      expect([own.size, own.started]).toEqual([3, 0]);
      const key = entry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 1, 'k');
      own.setKeyRing(KeyRing.of([key]));
      const label = Buffer.from('ns/name');
      const sealed = () => hybridEncrypt(createPublicKey(key.privateKey), Buffer.from('v'), label);
      for (let i = 0; i < 3; i++) await own.decryptorFor('ns/name')(sealed(), label);
      expect(own.started).toBe(1);
      await Promise.all(Array.from({ length: 12 }, (_, i) => own.decryptorFor(`ns/o${i}`)(sealed(), label)));
      expect(own.started).toBe(3);
    } finally {
      await own.close();
    }
  });

  it('stops a worker that stayed idle for workerIdleMs; the next request starts one again', async () => {
    const own = new DecryptPool({ size: 2, threadPoolRsa: 0, workerIdleMs: 50 });
    try {
      const key = entry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 1, 'k');
      own.setKeyRing(KeyRing.of([key]));
      const label = Buffer.from('ns/name');
      const sealed = () => hybridEncrypt(createPublicKey(key.privateKey), Buffer.from('v'), label);
      await Promise.all(Array.from({ length: 6 }, (_, i) => own.decryptorFor(`ns/o${i}`)(sealed(), label)));
      // Both workers started; on a loaded machine one may already have idled out while the other finished.
      expect(own.started + own.workersIdled).toBe(2);
      for (let waited = 0; own.started > 0 && waited < 10_000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect([own.started, own.workersIdled]).toEqual([0, 2]);
      expect(Buffer.from(await own.decryptorFor('ns/again')(sealed(), label)).toString()).toBe('v');
      expect(own.started + own.workersIdled).toBe(3);
    } finally {
      await own.close();
    }
  });

  it('uses the thread pool only when libuv keeps a thread free: size < UV_THREADPOOL_SIZE', () => {
    expect([1, 2, 3, 4].map((size) => defaultThreadPoolRsa(size, 4))).toEqual([1, 2, 3, 0]);
    expect(defaultThreadPoolRsa(8, 9)).toBe(8);
  });

  it("keyTryOrder: the object's key, then most recent global successes, then newest first", () => {
    const keys = [1, 2, 3, 4].map((i) => entry(otherKey, i, `k${i}`));
    // Distinct fingerprints without generating keys: the order only looks at fingerprints and times.
    const ring = KeyRing.of(keys.map((k, i) => ({ ...k, fingerprint: `f${i + 1}` })));
    expect(keyTryOrder(ring, undefined, new Map())).toEqual(['f4', 'f3', 'f2', 'f1']);
    const recent = new Map([
      ['f1', 7],
      ['f2', 9],
      ['gone', 10],
    ]);
    expect(keyTryOrder(ring, undefined, recent)).toEqual(['f2', 'f1', 'f4', 'f3']);
    expect(keyTryOrder(ring, 'f3', recent)).toEqual(['f3', 'f2', 'f1', 'f4']);
    expect(keyTryOrder(ring, 'f1', recent)).toEqual(['f1', 'f2', 'f4', 'f3']);
  });
});
