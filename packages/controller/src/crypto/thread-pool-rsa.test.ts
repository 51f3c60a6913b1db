// RSA on libuv's thread pool: each slot decrypts with its own copy of a key. OpenSSL serialises concurrent
// private-key operations on one RSA key, so slots sharing one copy ran at about one core's rate.
import { generateKeyPairSync } from 'node:crypto';
import * as unseal from '@ssts/core/unseal';
import { hybridEncrypt } from '@ssts/core';
import { describe, expect, it, vi } from 'vitest';
import { ThreadPoolRsa } from './thread-pool-rsa.js';

vi.mock('@ssts/core/unseal', async (original) => {
  const actual = await original<typeof unseal>();
  return { ...actual, rsaOaepDecryptionKey: vi.fn(actual.rsaOaepDecryptionKey) };
});
const imports = vi.mocked(unseal.rsaOaepDecryptionKey);

describe('ThreadPoolRsa', () => {
  it('gives each slot its own copy of a key, made once, and decrypts correctly through every slot', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const label = Buffer.from('ns/name');
    const values = Array.from({ length: 12 }, (_, i) => Buffer.from(`value ${i}`));
    const sealed = values.map((v) => hybridEncrypt(publicKey, v, label));
    const rsa = new ThreadPoolRsa(3);
    imports.mockClear();
    const opened = await Promise.all(sealed.map((c) => rsa.decrypt(privateKey, c, label)));
    expect(opened.map(String)).toEqual(values.map(String));
    // Twelve operations at most three at a time: three copies of the one key, not one and not twelve.
    expect(imports).toHaveBeenCalledTimes(3);
    await rsa.decrypt(privateKey, sealed[0] as Buffer, label);
    expect(imports).toHaveBeenCalledTimes(3);
  });

  it('fails like hybridDecrypt and frees the slot for the next operation', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsa = new ThreadPoolRsa(1);
    const good = hybridEncrypt(publicKey, Buffer.from('x'), Buffer.from('a'));
    await expect(rsa.decrypt(privateKey, good, Buffer.from('b'))).rejects.toMatchObject({
      code: 'DECRYPT_FAILED',
    });
    await expect(rsa.decrypt(privateKey, good, Buffer.from('a'))).resolves.toEqual(Buffer.from('x'));
  });
});
