import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { SealedSecretsError } from '../errors.js';

export { isFingerprint } from './fingerprint-format.js';

/** OpenSSH-style `SHA256:<unpadded base64>` of the RSA public key (compat §1.6), equal to `ssh-keygen -l`. */
export function publicKeyFingerprint(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new SealedSecretsError(
      'INVALID_KEY',
      `expected an RSA key, got ${publicKey.asymmetricKeyType ?? key.type}`,
    );
  }
  const jwk = publicKey.export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') {
    throw new SealedSecretsError('INVALID_KEY', 'RSA public key has no modulus or exponent');
  }
  const wire = Buffer.concat([
    sshString(Buffer.from('ssh-rsa', 'ascii')),
    sshString(mpint(Buffer.from(jwk.e, 'base64url'))),
    sshString(mpint(Buffer.from(jwk.n, 'base64url'))),
  ]);
  return `SHA256:${createHash('sha256').update(wire).digest('base64').replace(/=+$/, '')}`;
}

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([length, bytes]);
}

/** RFC 4251 mpint of a non-negative big-endian integer: minimal, with a 0x00 in front when the top bit is set. */
function mpint(unsigned: Buffer): Buffer {
  let start = 0;
  while (start < unsigned.length && unsigned[start] === 0) start++;
  const minimal = unsigned.subarray(start);
  const top = minimal[0];
  return top !== undefined && top >= 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal;
}
