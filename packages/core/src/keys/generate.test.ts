import { describe, expect, it } from 'vitest';
import { hybridDecrypt, hybridEncrypt } from '../crypto/hybrid.js';
import { generateRsaKeyPair } from './generate.js';

describe('generateRsaKeyPair', () => {
  it('makes an RSA key pair of the requested size with exponent 65537 that works for sealing', async () => {
    const { privateKey, publicKey } = await generateRsaKeyPair(2048);
    expect(privateKey.asymmetricKeyDetails).toMatchObject({ modulusLength: 2048, publicExponent: 65537n });
    expect(publicKey.type).toBe('public');
    const blob = hybridEncrypt(publicKey, Buffer.from('x'), Buffer.from('l'));
    expect(hybridDecrypt(privateKey, blob, Buffer.from('l')).toString()).toBe('x');
  });

  it('reports an impossible size as INVALID_KEY', async () => {
    await expect(generateRsaKeyPair(-1)).rejects.toMatchObject({ code: 'INVALID_KEY' });
  });
});
