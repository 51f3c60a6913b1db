// Issue 14 on the local control plane: status.decryptionKeys, GET /v1/keys and the per-key metrics after a key
// renewal and a re-encryption, the renewed certificate's link (key Secret annotations, GET /v1/cert-chain), and the
// causes an unseal failure names in the Synced condition and the event, with seal hints and without.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  linkPath,
  parseCertChain,
  parseCertificatePem,
  publicKeyFingerprint,
  sealSecret,
  withSealHints,
} from '@ssts/core';
import { createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  eventsFor,
  getSealedSecret,
  keyMetricAt,
  listSecrets,
  plainSecret,
  replaceSealedSecret,
  sealWith,
  waitForSynced,
  type RunningController,
  type SealedSecret,
} from './support.js';

const KEY_LABEL = 'sealedsecrets.bitnami.com/sealed-secrets-key';
const NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';

interface KeysReport {
  keys: { fingerprint: string; state: string; objects: number; items: number; linked: boolean }[];
  objects: number;
  objectsWithoutKey: number;
}

async function certFingerprint(controller: RunningController): Promise<string> {
  const pem = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
  return publicKeyFingerprint(parseCertificatePem(pem).publicKey);
}

async function keysReport(controller: RunningController): Promise<KeysReport> {
  const response = await fetch(`${controller.url}/v1/keys`);
  expect(response.status).toBe(200);
  return (await response.json()) as KeysReport;
}

const keyMetric = (controller: RunningController, name: string) => keyMetricAt(controller.metricsUrl, name);

const keysOf = (ss: SealedSecret | undefined) => ss?.status?.decryptionKeys;

describe('key inventory and key continuity (issue 14)', () => {
  it('after a renewal: each object names its key, /v1/keys and /metrics count them, the chain links the keys; a re-encryption frees the old key', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-inventory-' });
    const controller = await controllerForTest(ns, ['--key-renew-period', '0']);
    const first = await certFingerprint(controller);
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'old', { a: '1', b: '2' })));
    const old = await waitForSynced(ns, 'old', (c, ss) => c.status === 'True' && keysOf(ss) !== undefined);
    expect(keysOf(old)).toEqual([{ fingerprint: first, itemCount: 2, items: ['a', 'b'] }]);

    // One renewal (SIGUSR1 generates a key at once).
    controller.process.kill('SIGUSR1');
    const second = await waitFor(
      async () => {
        const fp = await certFingerprint(controller);
        return fp !== first && fp;
      },
      { description: 'the renewed sealing key' },
    );
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'new', { c: '3' })));
    const fresh = await waitForSynced(ns, 'new', (c, ss) => c.status === 'True' && keysOf(ss) !== undefined);
    expect(keysOf(fresh)).toEqual([{ fingerprint: second, itemCount: 1, items: ['c'] }]);

    const report = await keysReport(controller);
    expect(
      report.keys.map(({ fingerprint, state, objects, items, linked }) => [
        fingerprint,
        state,
        objects,
        items,
        linked,
      ]),
    ).toEqual([
      [first, 'active', 1, 2, false],
      [second, 'sealing', 1, 1, true],
    ]);
    expect([report.objects, report.objectsWithoutKey]).toEqual([2, 0]);
    expect(await keyMetric(controller, 'key_objects')).toEqual({ [first]: 1, [second]: 1 });
    expect(await keyMetric(controller, 'key_items')).toEqual({ [first]: 2, [second]: 1 });
    expect(await keyMetric(controller, 'key_sealing')).toEqual({ [first]: 0, [second]: 1 });
    const body = JSON.stringify(report);
    expect(body).not.toMatch(/PRIVATE KEY|tls\.key/);

    // The renewed key Secret carries the old key's signature; /v1/cert-chain links a client pinning the old key.
    const keySecrets = await listSecrets(ns, `${KEY_LABEL}=active`);
    const renewed = keySecrets.find(
      (s) => s.metadata.annotations?.['sealed-secrets-ts/previous-key'] === first,
    );
    expect(renewed?.metadata.annotations?.['sealed-secrets-ts/previous-key-signature']).toMatch(
      /^[A-Za-z0-9+/]+=*$/,
    );
    const chainResponse = await fetch(`${controller.url}/v1/cert-chain`);
    expect(chainResponse.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const chain = parseCertChain(Buffer.from(await chainResponse.arrayBuffer()));
    expect(chain.map((e) => e.fingerprint)).toEqual([first, second]);
    expect(linkPath(chain, new Set([first]), second)).toEqual({ ok: true, path: [first, second] });

    // Re-encrypt the old object through /v1/rotate (what `kubeseal reencrypt` does), write it back.
    const current = (await getSealedSecret(ns, 'old')) as SealedSecret;
    const rotated = await fetch(`${controller.url}/v1/rotate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(current),
    });
    expect(rotated.status).toBe(200);
    const reencrypted = (await rotated.json()) as SealedSecret;
    await replaceSealedSecret({
      ...current,
      spec: { ...current.spec, encryptedData: reencrypted.spec.encryptedData },
    });
    const moved = await waitForSynced(ns, 'old', (c, ss) => keysOf(ss)?.[0]?.fingerprint === second);
    expect(keysOf(moved)).toEqual([{ fingerprint: second, itemCount: 2, items: ['a', 'b'] }]);
    await waitFor(async () => (await keysReport(controller)).keys[0]?.objects === 0, {
      description: 'the old key to have no objects left',
    });
    expect((await keysReport(controller)).keys.map((k) => k.objects)).toEqual([0, 2]);
    expect(await keyMetric(controller, 'key_objects')).toEqual({ [first]: 0, [second]: 2 });
  });

  it('an unseal failure names its cause in the Synced condition and the event, with seal hints and without', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-causes-' });
    const controller = await controllerForTest(ns, ['--key-renew-period', '0']);
    const pem = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
    const publicKey = parseCertificatePem(pem).publicKey;
    const own = publicKeyFingerprint(publicKey);
    const short = (fp: string) => `SHA256:${fp.slice(7, 15)}…`;
    const seal = (name: string, annotations: Record<string, string> = {}, key = publicKey): SealedSecret => ({
      ...sealSecret(plainSecret(ns, name, { pw: 'hunter2-e2e-value' }, { annotations }), { publicKey: key }),
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
    });
    const moved = (ss: SealedSecret, name: string): SealedSecret => ({
      ...ss,
      metadata: { ...ss.metadata, name },
    });
    const strictNow = (ss: SealedSecret): SealedSecret => ({
      ...ss,
      metadata: {
        ...ss.metadata,
        annotations: Object.fromEntries(
          Object.entries(ss.metadata.annotations ?? {}).filter(([k]) => k !== NAMESPACE_WIDE),
        ),
      },
    });
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const strangerFp = publicKeyFingerprint(stranger);

    const cases: [SealedSecret, string | undefined][] = [
      // Sealed for another name, found here: with hints the place is named; without, nothing more can be said.
      [
        moved(withSealHints(seal('db'), own), 'elsewhere-hints'),
        `sealed for ${ns}/db, found at ${ns}/elsewhere-hints`,
      ],
      [moved(seal('db'), 'elsewhere-plain'), undefined],
      // Sealed with a key this controller does not have.
      [
        withSealHints(seal('unknown-key', {}, stranger), strangerFp),
        `sealed with key ${short(strangerFp)} which this controller does not have (it has ${short(own)})`,
      ],
      // Without the hint the key cannot be named, and no other scope's label opens it: nothing more is said.
      [seal('unknown-key-plain', {}, stranger), undefined],
      // Sealed namespace-wide, the annotation since removed (read as strict): with hints, and by trying the labels.
      [
        strictNow(withSealHints(seal('scope-hints', { [NAMESPACE_WIDE]: 'true' }), own)),
        'sealed namespace-wide but the annotation says strict',
      ],
      [
        strictNow(seal('scope-plain', { [NAMESPACE_WIDE]: 'true' })),
        'sealed namespace-wide but the annotation says strict',
      ],
    ];
    for (const [ss] of cases) await createSealedSecret(ss);
    for (const [ss, cause] of cases) {
      const name = ss.metadata.name ?? '';
      const expected =
        cause === undefined
          ? 'no key could decrypt secret (pw)'
          : `no key could decrypt secret (pw)\ncause: ${cause}`;
      const failed = await waitForSynced(ns, name, (c) => c.status === 'False');
      expect(failed.status?.conditions?.[0]?.message, name).toBe(expected);
      expect(JSON.stringify(failed.status)).not.toContain('hunter2');
      const events = await waitFor(async () => {
        const list = await eventsFor(failed);
        return list.some((e) => e.reason === 'ErrUnsealFailed') && list;
      });
      expect(events.find((e) => e.reason === 'ErrUnsealFailed')?.message, name).toBe(
        `Failed to unseal: ${expected}`,
      );
    }
  });
});
