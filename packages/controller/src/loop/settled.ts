import type { DecryptionKeyUse, SealedSecret } from '@ssts/core';
import type { KeyUseLists } from '../keys/inventory.js';
import { withoutBookkeeping } from './informers.js';

/**
 * The spec a cached SealedSecret keeps once a pass of its generation succeeded: the ciphertext (about three
 * quarters of a cached object) is only read by the next pass, and that pass is rare (the Secret deleted, a new
 * leadership term) and fetches the object. Frozen and shared: a settled object is recognised by this identity,
 * and anything that would write into it fails loudly instead of unsealing nothing.
 */
const SETTLED_SPEC: SealedSecret['spec'] = Object.freeze({
  encryptedData: Object.freeze({}) as Record<string, string>,
});

export function isSettled(ss: SealedSecret): boolean {
  return ss.spec === SETTLED_SPEC;
}

/**
 * A copy of `ss` without its spec. Metadata and status stay (the key inventory, leadership terms and metrics read
 * them), `status.decryptionKeys` reduced to the key inventory's counts and shared through `lists`.
 */
export function settled(ss: SealedSecret, lists: KeyUseLists): SealedSecret {
  const uses = ss.status?.decryptionKeys;
  return {
    ...ss,
    spec: SETTLED_SPEC,
    ...(ss.status !== undefined &&
      uses !== undefined && {
        status: { ...ss.status, decryptionKeys: lists.share(uses) as DecryptionKeyUse[] },
      }),
  };
}

/** Same object (uid) and same spec (generation): a CRD's generation moves with every spec change. */
export function sameGeneration(a: SealedSecret, b: SealedSecret): boolean {
  return (
    a.metadata.uid !== undefined &&
    a.metadata.uid === b.metadata.uid &&
    a.metadata.generation !== undefined &&
    a.metadata.generation === b.metadata.generation
  );
}

/**
 * The SealedSecret informer's transform: withoutBookkeeping, and a new version of a settled object stays settled
 * while its spec is the same generation (status writes, label or annotation edits).
 */
export function sealedSecretTransform(
  lists: KeyUseLists,
): (object: SealedSecret, cached: SealedSecret | undefined) => SealedSecret {
  return (object, cached) => {
    const trimmed = withoutBookkeeping(object);
    return cached !== undefined && isSettled(cached) && sameGeneration(cached, trimmed)
      ? settled(trimmed, lists)
      : trimmed;
  };
}
