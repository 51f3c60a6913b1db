import * as crypto from 'node:crypto';
import {
  constants,
  createPrivateKey,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import {
  decodeBase64Strict,
  encryptionLabel,
  hybridEncrypt,
  KeyRing,
  parseCertificatePem,
  publicKeyFingerprint,
  type SealedSecret,
} from '@ssts/core';
import { readFixture, readJsonFixture } from '@ssts/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { labelHash, probeValue, type ProbeResult } from './oaep-probe.js';
import { ProbeWorker } from './probe-worker.js';

interface TestKey {
  fingerprint: string;
  key: KeyObject;
  publicKey: KeyObject;
  bytes: number;
}

function testKey(bits: number): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return { fingerprint: publicKeyFingerprint(publicKey), key: privateKey, publicKey, bytes: bits / 8 };
}

const a = testKey(2048);
const b = testKey(2048);
const small = testKey(1024);
const seal = (key: TestKey, label: string, plaintext = 'hunter2'): Buffer =>
  hybridEncrypt(key.publicKey, Buffer.from(plaintext), Buffer.from(label));
const probe = (keys: readonly TestKey[], blob: Uint8Array): ProbeResult => probeValue(crypto, keys, blob);

describe('probeValue', () => {
  it('finds the key and the label hash of a value, whatever label it was sealed with', () => {
    for (const label of ['web/db', 'web', '', 'a'.repeat(300)]) {
      const result = probe([b, a], seal(a, label));
      expect(result).toEqual({
        kind: 'found',
        fingerprint: a.fingerprint,
        labelHash: new Uint8Array(labelHash(label)),
        intact: true,
        attempts: 2,
      });
    }
  });

  it('reads the RSA-4096 vectors sealed by an independent implementation, in each scope', () => {
    const privateKey = createPrivateKey(readFixture('vectors', 'sealedsecret-4096', 'tls.key'));
    const publicKey = parseCertificatePem(readFixture('vectors', 'sealedsecret-4096', 'tls.crt')).publicKey;
    const key = { fingerprint: publicKeyFingerprint(publicKey), key: privateKey, bytes: 512 };
    for (const [scope, label] of [
      ['strict', 'web/app-credentials'],
      ['namespace-wide', 'web'],
      ['cluster-wide', ''],
    ]) {
      const ss = readJsonFixture<SealedSecret>('vectors', 'sealedsecret-4096', `sealed-${scope}.json`);
      for (const value of Object.values(ss.spec.encryptedData)) {
        const result = probeValue(crypto, [key], decodeBase64Strict(value));
        expect(result.kind === 'found' && Buffer.from(result.labelHash)).toEqual(labelHash(label ?? ''));
        expect(result.kind === 'found' && result.intact).toBe(true);
      }
    }
  });

  it('agrees with OpenSSL OAEP: found with hash H exactly when decryption under a label of hash H works', () => {
    for (let i = 0; i < 20; i++) {
      const label = randomBytes(8).toString('hex');
      const blob = seal(a, label);
      const block = blob.subarray(2, 2 + 256);
      const result = probe([a], blob);
      expect(result.kind).toBe('found');
      const decrypts = (l: string): boolean => {
        try {
          privateDecrypt(
            {
              key: a.key,
              padding: constants.RSA_PKCS1_OAEP_PADDING,
              oaepHash: 'sha256',
              oaepLabel: Buffer.from(l),
            },
            block,
          ).fill(0);
          return true;
        } catch {
          return false;
        }
      };
      expect(decrypts(label)).toBe(true);
      expect(decrypts(`${label}x`)).toBe(false);
    }
  });

  it('says no-key for another key of the same size, with the loaded sizes for another size', () => {
    expect(probe([b], seal(a, 'web/db'))).toEqual({
      kind: 'no-key',
      rsaBytes: 256,
      sizes: [256],
      attempts: 1,
    });
    // A 1024-bit value is not tried against 2048-bit keys at all.
    expect(probe([a, b], seal(small, 'web/db'))).toEqual({
      kind: 'no-key',
      rsaBytes: 128,
      sizes: [256],
      attempts: 0,
    });
    expect(probe([], seal(a, 'x'))).toEqual({ kind: 'no-key', rsaBytes: 256, sizes: [], attempts: 0 });
  });

  it('reports an altered AES-GCM part as found but not intact', () => {
    const blob = seal(a, 'web/db');
    blob[blob.length - 1] = (blob[blob.length - 1] ?? 0) ^ 1;
    expect(probe([a], blob)).toMatchObject({ kind: 'found', intact: false });
    // Spliced: the RSA block of one value with the AES part of another.
    const other = seal(a, 'web/db', 'other value');
    const spliced = Buffer.concat([seal(a, 'web/db').subarray(0, 258), other.subarray(258)]);
    expect(probe([a], spliced)).toMatchObject({ kind: 'found', intact: false });
  });

  it('never finds an encoding in multiplied ciphertexts (the padding-oracle attack shape) or random blocks', () => {
    const blob = seal(a, 'web/db');
    const jwk = a.publicKey.export({ format: 'jwk' });
    const n = BigInt(`0x${Buffer.from(jwk.n ?? '', 'base64url').toString('hex')}`);
    const e = 65537n;
    const c = BigInt(`0x${blob.subarray(2, 258).toString('hex')}`);
    const modPow = (base: bigint, exp: bigint): bigint => {
      let result = 1n;
      let x = base % n;
      for (let k = exp; k > 0n; k >>= 1n) {
        if (k & 1n) result = (result * x) % n;
        x = (x * x) % n;
      }
      return result;
    };
    for (let i = 0; i < 200; i++) {
      const s = BigInt(`0x${randomBytes(32).toString('hex')}`) + 2n;
      const mauled = (c * modPow(s, e)) % n;
      const block = Buffer.from(mauled.toString(16).padStart(512, '0'), 'hex');
      const value = Buffer.concat([blob.subarray(0, 2), block, blob.subarray(258)]);
      expect(probe([a], value).kind).toBe('no-key');
      const random = Buffer.concat([blob.subarray(0, 2), randomBytes(256), blob.subarray(258)]);
      expect(probe([a], random).kind).toBe('no-key');
    }
  });

  it('says malformed for values shorter than 2 bytes or than their length prefix', () => {
    expect(probe([a], Buffer.alloc(1))).toEqual({ kind: 'malformed', bytes: 1, rsaBytes: undefined });
    expect(probe([a], seal(a, 'x').subarray(0, 200))).toEqual({
      kind: 'malformed',
      bytes: 200,
      rsaBytes: 256,
    });
  });

  it('labelHash is the SHA-256 OAEP puts in the encoding, e.g. of the label of web/db', () => {
    expect(Buffer.from(labelHash('web/db'))).toEqual(
      crypto
        .createHash('sha256')
        .update(encryptionLabel('web', 'db', 'strict'))
        .digest(),
    );
  });
});

describe('ProbeWorker', () => {
  const worker = new ProbeWorker();
  afterAll(() => worker.close());

  it('runs probeValue on its own thread with the published keys, in the order asked', async () => {
    const ring = KeyRing.of(
      [a, b].map((k) => ({
        fingerprint: k.fingerprint,
        privateKey: k.key,
        certificate: { pem: '', publicKey: k.publicKey, notBefore: new Date(0), notAfter: new Date(0) },
        orderingTime: new Date(0),
      })),
    );
    worker.setKeyRing(ring);
    const blob = seal(a, 'web/db');
    expect(await worker.probe(blob, [b.fingerprint, a.fingerprint])).toEqual(probe([b, a], blob));
    expect(await worker.probe(blob, [a.fingerprint])).toMatchObject({ kind: 'found', attempts: 1 });
    // Keys not in the ring are skipped.
    expect(await worker.probe(blob, ['SHA256:unknown'])).toMatchObject({ kind: 'no-key', attempts: 0 });
  });

  it('rejects once closed', async () => {
    const closing = new ProbeWorker();
    await closing.close();
    await expect(closing.probe(Buffer.alloc(4), [])).rejects.toThrow('closed');
  });
});
