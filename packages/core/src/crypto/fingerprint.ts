import type { KeyObject } from 'node:crypto';
import { notImplemented } from '../errors.js';

/** OpenSSH-style `SHA256:<unpadded base64>` of the RSA public key (compat §1.6), equal to `ssh-keygen -l`. */
export function publicKeyFingerprint(key: KeyObject): string {
  return notImplemented(`publicKeyFingerprint(${key.type})`);
}
