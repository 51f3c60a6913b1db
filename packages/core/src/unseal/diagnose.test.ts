import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicKeyFingerprint } from '../crypto/fingerprint.js';
import { UnsealError } from '../errors.js';
import { ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE } from '../model/annotations.js';
import type { SealedSecret, Secret } from '../model/types.js';
import { withSealHints } from '../seal/seal-hints.js';
import { sealSecret } from '../seal/seal.js';
import { smallKey, vectorKey2048 } from '../test-helpers/keys.js';
import {
  diagnoseUnsealFailure,
  firstFailedCiphertext,
  isDecryptFailure,
  keysProbe,
  shortFingerprint,
  unsealFailureText,
} from './diagnose.js';
import { keysDecryptor, unsealSealedSecret } from './unseal.js';

const ours = vectorKey2048();
const other = smallKey();
const oursFp = publicKeyFingerprint(ours.publicKey);
const otherFp = publicKeyFingerprint(other.publicKey);
const VALUE = 'hunter2-plaintext';

function seal(
  annotations: Record<string, string> = {},
  hints = true,
  publicKey = ours.publicKey,
): SealedSecret {
  const secret: Secret = {
    metadata: { name: 'db', namespace: 'prod', annotations },
    stringData: { password: VALUE, user: 'admin' },
  };
  const sealed = sealSecret(secret, { publicKey });
  return hints ? withSealHints(sealed, publicKeyFingerprint(publicKey)) : sealed;
}

function moveTo(
  ss: SealedSecret,
  meta: { namespace?: string; name?: string; annotations?: Record<string, string> },
) {
  return { ...ss, metadata: { ...ss.metadata, ...meta } };
}

/** Unseals with our key, then diagnoses the failure the way the controller does. */
async function diagnose(ss: SealedSecret, keys = [{ fingerprint: oursFp, key: ours.privateKey }]) {
  let failure: UnsealError | undefined;
  try {
    await unsealSealedSecret(ss, { decrypt: keysDecryptor(keys.map((k) => k.key)), keyCount: keys.length });
  } catch (error) {
    if (!(error instanceof UnsealError)) throw error;
    failure = error;
  }
  if (failure === undefined) throw new Error('expected the unseal to fail');
  expect(isDecryptFailure(failure.failures)).toBe(true);
  const ciphertext = firstFailedCiphertext(ss, failure.failures);
  if (ciphertext === undefined) throw new Error('no failed ciphertext');
  const findings = await diagnoseUnsealFailure({
    metadata: ss.metadata,
    keys: keys.map((k) => k.fingerprint),
    probe: keysProbe(keys, ciphertext),
  });
  const text = unsealFailureText(failure.message, findings);
  expect(text).not.toContain(VALUE);
  return { findings, text };
}

const STRICT_NOTE = { [ANNOTATION_NAMESPACE_WIDE]: 'true' };

describe('diagnoseUnsealFailure', () => {
  it('with hints: a strict SealedSecret moved to another namespace', async () => {
    const { findings, text } = await diagnose(moveTo(seal(), { namespace: 'staging' }));
    expect(findings).toStrictEqual([
      { code: 'SEALED_ELSEWHERE', text: 'sealed for prod/db, found at staging/db' },
    ]);
    expect(text).toBe(
      'no key could decrypt secret (password, user)\ncause: sealed for prod/db, found at staging/db',
    );
  });

  it('with hints: renamed, and a namespace-wide one moved', async () => {
    expect((await diagnose(moveTo(seal(), { name: 'db2' }))).findings.map((f) => f.text)).toStrictEqual([
      'sealed for prod/db, found at prod/db2',
    ]);
    expect(
      (await diagnose(moveTo(seal(STRICT_NOTE), { namespace: 'qa' }))).findings.map((f) => f.text),
    ).toStrictEqual(['sealed for namespace prod, found in namespace qa']);
  });

  it('with hints: sealed with a key this controller does not have', async () => {
    const { findings } = await diagnose(seal({}, true, other.publicKey));
    expect(findings).toStrictEqual([
      {
        code: 'UNKNOWN_KEY',
        text: `sealed with key ${shortFingerprint(otherFp)} which this controller does not have (it has ${shortFingerprint(oursFp)})`,
      },
    ]);
    expect(shortFingerprint(otherFp)).toMatch(/^SHA256:[A-Za-z0-9+/]{8}…$/);
  });

  it('with hints: the unknown key and the move are both named', async () => {
    const { findings } = await diagnose(moveTo(seal({}, true, other.publicKey), { namespace: 'staging' }));
    expect(findings.map((f) => f.code)).toStrictEqual(['SEALED_ELSEWHERE', 'UNKNOWN_KEY']);
  });

  it('with hints: sealed namespace-wide but the annotation says strict', async () => {
    const { findings } = await diagnose(
      moveTo(seal(STRICT_NOTE), { annotations: withHintsOnly(seal(STRICT_NOTE)) }),
    );
    expect(findings).toStrictEqual([
      { code: 'SCOPE_MISMATCH', text: 'sealed namespace-wide but the annotation says strict' },
    ]);
  });

  it.each([
    [STRICT_NOTE, {}, 'sealed namespace-wide but the annotation says strict'],
    [{ [ANNOTATION_CLUSTER_WIDE]: 'true' }, {}, 'sealed cluster-wide but the annotation says strict'],
    [{}, STRICT_NOTE, 'sealed strict but the annotation says namespace-wide'],
    [{}, { [ANNOTATION_CLUSTER_WIDE]: 'true' }, 'sealed strict but the annotation says cluster-wide'],
  ])(
    'without hints: tries the other scopes and says which one worked (%o read as %o)',
    async (sealedAs, readAs, expected) => {
      const ss = moveTo(seal(sealedAs, false), { annotations: readAs });
      const { findings } = await diagnose(ss);
      expect(findings).toStrictEqual([{ code: 'SCOPE_MISMATCH', text: expected }]);
    },
  );

  it('without hints: a moved strict SealedSecret gets no cause (nothing else can be said)', async () => {
    const { findings, text } = await diagnose(moveTo(seal({}, false), { namespace: 'staging' }));
    expect(findings).toStrictEqual([]);
    expect(text).toBe('no key could decrypt secret (password, user)');
  });

  it('hints that say it should open here, with a replaced item: HINTS_DO_NOT_MATCH', async () => {
    const good = seal();
    const foreign = seal({}, false, other.publicKey);
    const ss: SealedSecret = {
      ...good,
      spec: {
        ...good.spec,
        encryptedData: { ...good.spec.encryptedData, password: foreign.spec.encryptedData['password'] ?? '' },
      },
    };
    const { findings } = await diagnose(ss);
    expect(findings).toStrictEqual([
      {
        code: 'HINTS_DO_NOT_MATCH',
        text:
          `its seal hints say sealed for prod/db with key ${shortFingerprint(oursFp)}, but that does not open it: an ` +
          'item was replaced or damaged after sealing, or the hints were edited',
      },
    ]);
  });

  it('names at most five keys of the holder', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `SHA256:${String(i).repeat(43)}`);
    const findings = await diagnoseUnsealFailure({
      metadata: seal({}, true, other.publicKey).metadata,
      keys,
      holder: 'the certificate set',
    });
    expect(findings[0]?.text).toBe(
      `sealed with key ${shortFingerprint(otherFp)} which the certificate set does not have (it has ` +
        'SHA256:00000000…, SHA256:11111111…, SHA256:22222222…, SHA256:33333333…, SHA256:44444444… and 2 more)',
    );
  });

  it('agrees with a plural holder (the given keys do not have)', async () => {
    const findings = await diagnoseUnsealFailure({
      metadata: seal({}, true, other.publicKey).metadata,
      keys: [oursFp],
      holder: 'the given keys',
      holderIsPlural: true,
    });
    expect(findings[0]?.text).toBe(
      `sealed with key ${shortFingerprint(otherFp)} which the given keys do not have (it has ${shortFingerprint(oursFp)})`,
    );
  });

  it('keysProbe is bounded in RSA operations and tries only the named key when given', async () => {
    const ciphertext = Buffer.from(seal({}, false).spec.encryptedData['password'] ?? '', 'base64');
    const many = Array.from({ length: 10 }, () => ({ fingerprint: otherFp, key: other.privateKey }));
    const probe = keysProbe([...many, { fingerprint: oursFp, key: ours.privateKey }], ciphertext, 5);
    expect(await probe({ scope: 'strict', namespace: 'prod', name: 'db' }, undefined)).toBe(false);
    const named = keysProbe([...many, { fingerprint: oursFp, key: ours.privateKey }], ciphertext, 5);
    expect(await named({ scope: 'strict', namespace: 'prod', name: 'db' }, oursFp)).toBe(true);
    const fresh = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const unrelated = keysProbe([{ fingerprint: 'x', key: fresh.privateKey }], ciphertext);
    expect(await unrelated({ scope: 'cluster-wide', namespace: '', name: '' }, undefined)).toBe(false);
  });
});

function withHintsOnly(ss: SealedSecret): Record<string, string> {
  // The hints of a namespace-wide seal, without the namespace-wide annotation: the object now reads as strict.
  const { [ANNOTATION_NAMESPACE_WIDE]: _scope, ...rest } = ss.metadata.annotations ?? {};
  return rest;
}
