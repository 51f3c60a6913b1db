import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  createSelfSignedCertificate,
  firstFailedCiphertext,
  publicKeyFingerprint,
  sealSecret,
  UnsealError,
  keysDecryptor,
  unsealSealedSecret,
  withSealHints,
  type SealedSecret,
} from '@ssts/core';
import { describe, expect, it } from 'vitest';
import type { ControllerClient } from '../cluster/controller-client.js';
import {
  certificateFingerprints,
  readCertificateSet,
  recoveryCauses,
  validateCauses,
  validateOffline,
} from './offline-validate.js';

function key() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = createSelfSignedCertificate({
    privateKey,
    publicKey,
    commonName: 'set',
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    validityMs: 86_400_000 * 365,
    serial: new Uint8Array(16).fill(3),
  });
  return { privateKey, fingerprint: publicKeyFingerprint(publicKey), pem };
}

const pinned = key();
const other = key();
const short = (fp: string) => `SHA256:${fp.slice(7, 15)}…`;
const NS_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';

function sealed(
  name: string,
  namespace: string,
  publicKey: KeyObject,
  annotations: Record<string, string> = {},
): SealedSecret {
  return sealSecret(
    { metadata: { name, namespace, annotations }, stringData: { pw: 'hunter2' } },
    { publicKey },
  );
}
const move = (ss: SealedSecret, namespace: string, name = ss.metadata.name): SealedSecret => ({
  ...ss,
  metadata: { ...ss.metadata, namespace, ...(name !== undefined && { name }) },
});
const annotate = (ss: SealedSecret, annotations: Record<string, string>): SealedSecret => ({
  ...ss,
  metadata: { ...ss.metadata, annotations },
});

describe('offline validation (kubeseal validate --offline --cert-set)', () => {
  const set = [pinned.fingerprint];
  const good = withSealHints(sealed('db', 'prod', createPublicKey(pinned.privateKey)), pinned.fingerprint);

  it('passes a well-formed SealedSecret sealed with a pinned key for its own place', async () => {
    expect(await validateOffline(good, set)).toEqual([]);
  });

  it('names each precise reason: moved, unknown key, scope changed, no hints, damaged values', async () => {
    expect(await validateOffline(move(good, 'staging'), set)).toEqual([
      { code: 'SEALED_ELSEWHERE', text: 'sealed for prod/db, found at staging/db' },
    ]);
    const foreign = withSealHints(sealed('db', 'prod', createPublicKey(other.privateKey)), other.fingerprint);
    expect(await validateOffline(foreign, set)).toEqual([
      {
        code: 'UNKNOWN_KEY',
        text: `sealed with key ${short(other.fingerprint)} which the certificate set does not have (it has ${short(pinned.fingerprint)})`,
      },
    ]);
    const wide = withSealHints(
      sealed('db', 'prod', createPublicKey(pinned.privateKey), { [NS_WIDE]: 'true' }),
      pinned.fingerprint,
    );
    const { [NS_WIDE]: _dropped, ...withoutScope } = wide.metadata.annotations ?? {};
    expect(await validateOffline(annotate(wide, withoutScope), set)).toEqual([
      { code: 'SCOPE_MISMATCH', text: 'sealed namespace-wide but the annotation says strict' },
    ]);
    const plain = sealed('db', 'prod', createPublicKey(pinned.privateKey));
    expect((await validateOffline(plain, set)).map((p) => p.code)).toEqual(['NO_HINTS']);
    const damaged = { ...good, spec: { ...good.spec, encryptedData: { pw: 'AgA=', bad: '%%%' } } };
    expect((await validateOffline(damaged, set)).map((p) => p.text)).toEqual([
      'encryptedData "pw" is not a sealed value (too short)',
      'encryptedData "bad" is not a sealed value (not base64)',
    ]);
    const edited = annotate(good, {
      ...good.metadata.annotations,
      'sealed-secrets-ts/sealed-for': 'strict a/b/c',
    });
    expect(await validateOffline(edited, set)).toEqual([
      { code: 'INVALID_HINT', text: 'the annotation sealed-secrets-ts/sealed-for is malformed' },
    ]);
  });

  it('reads a certificate set from a PEM bundle or a directory, bounded', async () => {
    expect(certificateFingerprints(`${pinned.pem}${other.pem}`, 'bundle.pem')).toEqual([
      pinned.fingerprint,
      other.fingerprint,
    ]);
    const files: Record<string, string> = {
      '/set/a.pem': pinned.pem,
      '/set/b.crt': other.pem,
      '/set/notes.txt': 'x',
    };
    const fs = {
      readFile: (path: string) => Promise.resolve(Buffer.from(files[path] ?? '')),
      writeFileAtomic: () => Promise.resolve(),
    };
    const dir = (path: string) =>
      Promise.resolve(path === '/set' ? ['a.pem', 'b.crt', 'notes.txt'] : undefined);
    expect(await readCertificateSet(fs, '/set', dir)).toEqual([pinned.fingerprint, other.fingerprint]);
    expect(await readCertificateSet(fs, '/set/a.pem', dir)).toEqual([pinned.fingerprint]);
    await expect(readCertificateSet(fs, '/set/notes.txt', dir)).rejects.toThrow(
      'no certificate in /set/notes.txt',
    );
    const many = () => Promise.resolve(Array.from({ length: 513 }, (_, i) => `${i}.pem`));
    await expect(readCertificateSet(fs, '/big', many)).rejects.toThrow('more than 512 files');
  });
});

describe('cause lines for --recovery-unseal and --validate', () => {
  it('--recovery-unseal: the other scope that opens it, found by trial decryption without hints', async () => {
    const wide = sealed('db', 'prod', createPublicKey(pinned.privateKey), { [NS_WIDE]: 'true' });
    const strict = annotate(wide, {});
    const error = await unsealSealedSecret(strict, { decrypt: keysDecryptor([pinned.privateKey]) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsealError);
    const causes = await recoveryCauses(
      strict,
      [pinned],
      firstFailedCiphertext(strict, (error as UnsealError).failures),
    );
    expect(causes).toEqual(['cause: sealed namespace-wide but the annotation says strict']);
  });

  it('--validate: the key the controller lacks from /v1/keys; without /v1/keys only the place is judged', async () => {
    const foreign = withSealHints(sealed('db', 'prod', createPublicKey(other.privateKey)), other.fingerprint);
    const controller = (status: number): ControllerClient => ({
      fetchCertificate: () => Promise.reject(new Error('unused')),
      verify: () => Promise.reject(new Error('unused')),
      rotate: () => Promise.reject(new Error('unused')),
      get: () =>
        Promise.resolve({
          status,
          body: Buffer.from(
            JSON.stringify({
              keys: [
                {
                  fingerprint: pinned.fingerprint,
                  created: '2026-01-01T00:00:00Z',
                  state: 'sealing',
                  objects: 0,
                  items: 0,
                  linked: false,
                },
              ],
              objects: 0,
              objectsWithoutKey: 0,
            }),
          ),
        }),
    });
    expect(await validateCauses(move(foreign, 'staging'), controller(200))).toEqual([
      'cause: sealed for prod/db, found at staging/db',
      `cause: sealed with key ${short(other.fingerprint)} which the controller does not have (it has ${short(pinned.fingerprint)})`,
    ]);
    expect(await validateCauses(move(foreign, 'staging'), controller(404))).toEqual([
      'cause: sealed for prod/db, found at staging/db',
    ]);
  });

  it('--validate without hints: asks /v1/verify under the other scopes and says which one opened it', async () => {
    const CW = 'sealedsecrets.bitnami.com/cluster-wide';
    const asked: string[] = [];
    // A controller holding `pinned`: 200 when the posted object opens under its own label, else 409.
    const controller: ControllerClient = {
      fetchCertificate: () => Promise.reject(new Error('unused')),
      rotate: () => Promise.reject(new Error('unused')),
      get: () => Promise.resolve({ status: 404, body: Buffer.alloc(0) }),
      verify: async (json) => {
        const ss = JSON.parse(json) as SealedSecret;
        const a = ss.metadata.annotations ?? {};
        asked.push(a[CW] === 'true' ? 'cluster-wide' : a[NS_WIDE] === 'true' ? 'namespace-wide' : 'strict');
        try {
          await unsealSealedSecret(ss, { decrypt: keysDecryptor([pinned.privateKey]) });
          return { status: 200, body: Buffer.alloc(0) };
        } catch {
          return { status: 409, body: Buffer.alloc(0) };
        }
      },
    };
    const publicKey = createPublicKey(pinned.privateKey);
    const nsWide = annotate(sealed('db', 'prod', publicKey, { [NS_WIDE]: 'true' }), {});
    expect(await validateCauses(nsWide, controller)).toEqual([
      'cause: sealed namespace-wide but the annotation says strict',
    ]);
    expect(asked).toEqual(['namespace-wide']);
    asked.length = 0;
    const clusterWide = annotate(sealed('db', 'prod', publicKey, { [CW]: 'true' }), { [NS_WIDE]: 'true' });
    expect(await validateCauses(clusterWide, controller)).toEqual([
      'cause: sealed cluster-wide but the annotation says namespace-wide',
    ]);
    asked.length = 0;
    // Moved without hints: no other scope opens it, and nothing is claimed.
    expect(await validateCauses(move(sealed('db', 'prod', publicKey), 'staging'), controller)).toEqual([]);
    expect(asked).toEqual(['namespace-wide', 'cluster-wide']);
  });
});
