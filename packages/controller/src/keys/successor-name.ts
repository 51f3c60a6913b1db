import { createHash } from 'node:crypto';

/** The characters apimachinery's generateName suffixes use (no vowels, no 0/1/3), so our names look the same. */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The name of the key Secret that succeeds the key with `predecessorFingerprint` (undefined: the first key):
 * `<prefix>` + 5 characters derived from the predecessor, shaped like generateName's `<prefix>xxxxx`. Replicas
 * racing to renew the same key compute the same name, so the API server's AlreadyExists lets exactly one win.
 */
export function successorKeyName(prefix: string, predecessorFingerprint: string | undefined): string {
  const digest = createHash('sha256')
    .update(`sealed-secrets-ts key successor\0${predecessorFingerprint ?? ''}`)
    .digest();
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[(digest[i] ?? 0) % SUFFIX_ALPHABET.length];
  return `${prefix}${suffix}`;
}
