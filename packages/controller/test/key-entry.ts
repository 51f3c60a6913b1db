import { createPublicKey, type KeyObject } from 'node:crypto';
import { publicKeyFingerprint, type KeyEntry } from '@ssts/core';

/** A KeyRing entry for `privateKey` whose certificate times are `time` (ms), enough for the decrypt pool's tests. */
export function keyEntry(privateKey: KeyObject, time: number, name = `k${time}`): KeyEntry {
  return {
    fingerprint: publicKeyFingerprint(privateKey),
    privateKey,
    certificate: {
      pem: '',
      publicKey: createPublicKey(privateKey),
      notBefore: new Date(time),
      notAfter: new Date(time + 1),
    },
    orderingTime: new Date(time),
    secretName: name,
  };
}
