import { constants, createCipheriv, publicEncrypt, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealedSecretsError } from '../errors.js';
import { independentDecrypt, independentEncrypt } from '../test-helpers/independent-crypto.js';
import { smallKey, vectorKey2048 } from '../test-helpers/keys.js';
import { knownAnswer2048 } from '../test-helpers/vectors.js';
import { hybridDecrypt, hybridDecryptAsync, hybridEncrypt, rsaOaepDecryptionKey } from './hybrid.js';

const utf8 = (text: string) => Buffer.from(text, 'utf8');

function expectDecryptFailure(run: () => unknown): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SealedSecretsError);
  expect((caught as SealedSecretsError).code).toBe('DECRYPT_FAILED');
}

describe('known-answer vectors (Go stdlib, RSA-2048)', () => {
  const vector = knownAnswer2048();
  const { privateKey } = vectorKey2048();

  it.each(vector.values)(
    '$scope value decrypts to "bar" with label "$label"',
    ({ label, ciphertext_base64 }) => {
      const plaintext = hybridDecrypt(privateKey, Buffer.from(ciphertext_base64, 'base64'), utf8(label));
      expect(plaintext.toString('base64')).toBe(vector.plaintext_base64);
    },
  );

  it.each(vector.values)('$scope value fails with every other label', ({ label, ciphertext_base64 }) => {
    const others = vector.values.map((v) => v.label).filter((l) => l !== label);
    expect(others).toHaveLength(2);
    for (const other of [...others, 'myns/othername', 'otherns/myname']) {
      expectDecryptFailure(() =>
        hybridDecrypt(privateKey, Buffer.from(ciphertext_base64, 'base64'), utf8(other)),
      );
    }
  });
});

describe('hybridEncrypt', () => {
  const { privateKey, publicKey } = vectorKey2048();

  it.each(['myns/myname', 'myns', ''])('is read by an independent decryption (label %j)', (label) => {
    const blob = hybridEncrypt(publicKey, utf8('s3cr3t'), utf8(label));
    expect(blob.length).toBe(2 + 256 + 6 + 16);
    expect(blob.readUInt16BE(0)).toBe(256);
    expect(independentDecrypt(privateKey, blob, label).toString('utf8')).toBe('s3cr3t');
  });

  it('encrypts the empty value to 2 + k + 16 bytes', () => {
    const blob = hybridEncrypt(publicKey, new Uint8Array(0), utf8('myns'));
    expect(blob.length).toBe(2 + 256 + 16);
    expect(hybridDecrypt(privateKey, blob, utf8('myns')).length).toBe(0);
  });

  it('is randomized: the same input never gives the same bytes', () => {
    const a = hybridEncrypt(publicKey, utf8('same'), utf8('l'));
    const b = hybridEncrypt(publicKey, utf8('same'), utf8('l'));
    expect(a.equals(b)).toBe(false);
  });
});

describe('hybridDecrypt', () => {
  const { privateKey, publicKey } = vectorKey2048();

  it('reads values made by an independent encryption', () => {
    const blob = independentEncrypt(publicKey, utf8('from elsewhere'), 'ns/name');
    expect(hybridDecrypt(privateKey, blob, utf8('ns/name')).toString('utf8')).toBe('from elsewhere');
  });

  it('accepts a 16-byte session key (AES-128-GCM), as Go aes.NewCipher does', () => {
    const key = randomBytes(16);
    const rsa = publicEncrypt(
      { key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: utf8('x') },
      key,
    );
    const cipher = createCipheriv('aes-128-gcm', key, Buffer.alloc(12));
    const body = Buffer.concat([cipher.update(utf8('v')), cipher.final(), cipher.getAuthTag()]);
    const blob = Buffer.concat([Buffer.from([rsa.length >> 8, rsa.length & 0xff]), rsa, body]);
    expect(hybridDecrypt(privateKey, blob, utf8('x')).toString('utf8')).toBe('v');
  });

  it.each([
    ['empty input', Buffer.alloc(0)],
    ['one byte', Buffer.from([1])],
    ['prefix longer than the data', Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(100)])],
  ])('fails with DECRYPT_FAILED on %s', (_name, blob) => {
    expectDecryptFailure(() => hybridDecrypt(privateKey, blob, utf8('')));
  });

  it('fails when the value is truncated anywhere', () => {
    const blob = hybridEncrypt(publicKey, utf8('abc'), utf8(''));
    for (const length of [blob.length - 1, blob.length - 16, 2 + 256, 2 + 255, 10]) {
      expectDecryptFailure(() => hybridDecrypt(privateKey, blob.subarray(0, length), utf8('')));
    }
  });

  it('fails with a key that did not encrypt the value', () => {
    const blob = hybridEncrypt(smallKey().publicKey, utf8('abc'), utf8(''));
    expectDecryptFailure(() => hybridDecrypt(privateKey, blob, utf8('')));
  });
});

describe('hybridDecryptAsync (RSA-OAEP by WebCrypto on the thread pool)', () => {
  const vector = knownAnswer2048();
  const { privateKey } = vectorKey2048();

  it.each(vector.values)(
    '$scope value decrypts to "bar" with label "$label"',
    async ({ label, ciphertext_base64 }) => {
      const key = await rsaOaepDecryptionKey(privateKey);
      const plaintext = await hybridDecryptAsync(key, Buffer.from(ciphertext_base64, 'base64'), utf8(label));
      expect(plaintext.toString('base64')).toBe(vector.plaintext_base64);
    },
  );

  it('fails as hybridDecrypt does: wrong label, truncation, tampering, another key', async () => {
    const key = await rsaOaepDecryptionKey(privateKey);
    const { ciphertext_base64, label } = vector.values[0] ?? { ciphertext_base64: '', label: '' };
    const blob = Buffer.from(ciphertext_base64, 'base64');
    const tampered = Buffer.from(blob);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    const cases: [Uint8Array, string][] = [
      [blob, 'otherns/myname'],
      [blob.subarray(0, 100), label],
      [blob.subarray(0, 1), label],
      [tampered, label],
      [hybridEncrypt(smallKey().publicKey, utf8('abc'), utf8(label)), label],
    ];
    for (const [value, l] of cases) {
      await expect(hybridDecryptAsync(key, value, utf8(l))).rejects.toMatchObject({ code: 'DECRYPT_FAILED' });
    }
  });
});

describe('properties', () => {
  const { privateKey, publicKey } = smallKey();

  it('round-trips random bytes under random labels', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 64 }), (plaintext, label) => {
        const blob = hybridEncrypt(publicKey, plaintext, label);
        expect(hybridDecrypt(privateKey, blob, label).equals(Buffer.from(plaintext))).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects any single-byte tamper', () => {
    const plaintext = utf8('tamper me please');
    const blob = hybridEncrypt(publicKey, plaintext, utf8('ns/n'));
    fc.assert(
      fc.property(fc.nat({ max: blob.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const tampered = Buffer.from(blob);
        tampered[index] = (tampered[index] ?? 0) ^ flip;
        expectDecryptFailure(() => hybridDecrypt(privateKey, tampered, utf8('ns/n')));
      }),
      { numRuns: 200 },
    );
  });
});
