// Issue 14 in the controller: the key Secret link written at generation, /v1/cert-chain's document, and the
// inventory behind /v1/keys and the key_objects / key_items metrics.
import { generateKeyPairSync } from 'node:crypto';
import {
  ANNOTATION_PREVIOUS_KEY,
  ANNOTATION_PREVIOUS_KEY_SIGNATURE,
  KeyRing,
  LABEL_SEALED_SECRETS_KEY,
  keyEntryFromSecret,
  linkPath,
  parseCertChain,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { keyEntry } from '../../test/key-entry.js';
import { ManualClock } from '../../test/manual-clock.js';
import type { Logger } from '../log.js';
import { ControllerMetrics } from '../metrics.js';
import { certChainOf, keysOldestFirst, linkFromPrevious } from './cert-link.js';
import { KeyInventory, summarizeKeyInventory } from './inventory.js';
import { KeyStore } from './key-store.js';

function store() {
  const gateway = new FakeGateway();
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const keys = new KeyStore({
    gateway,
    namespace: 'ctrl',
    keyPrefix: 'sealed-secrets-key',
    keySize: 1024,
    keyTtlMs: 3_600_000,
    myCn: '',
    renewPeriodMs: 0,
    cutoffTime: undefined,
    orderBy: 'CertNotBefore',
    privateKeyLabels: {},
    privateKeyAnnotations: { note: 'x' },
    clock,
    log: pino({ level: 'silent' }) as Logger,
  });
  const secrets = () =>
    ([...gateway.objects.values()] as Secret[]).filter(
      (o) => o.metadata.labels?.[LABEL_SEALED_SECRETS_KEY] === 'active',
    );
  return { keys, clock, secrets };
}

const chainBody = (ring: KeyRing) => Buffer.from(JSON.stringify(certChainOf(ring)));

describe('key continuity in the controller', () => {
  it('the first key has no link; each generated key is signed by the sealing key it replaces', async () => {
    const { keys, clock, secrets } = store();
    await keys.load();
    await keys.start();
    const [first] = secrets();
    expect(first?.metadata.annotations).toEqual({ note: 'x' });
    clock.advance(60_000);
    await keys.generateKey();
    clock.advance(60_000);
    await keys.generateKey();
    const ring = keys.current();
    const [a, b, c] = keysOldestFirst(ring).map((e) => e.fingerprint);
    expect(ring.latest()?.fingerprint).toBe(c);

    // The link lives in the key Secret's annotations, so a restarted controller (or another replica) reads it.
    const reread = secrets().map((s) => keyEntryFromSecret(s));
    const second = reread.find((e) => e.fingerprint === b);
    expect(second?.link?.previous).toBe(a);
    const secondSecret = secrets().find((s) => s.metadata.name === second?.secretName);
    expect(Object.keys(secondSecret?.metadata.annotations ?? {}).sort()).toEqual([
      'note',
      ANNOTATION_PREVIOUS_KEY,
      ANNOTATION_PREVIOUS_KEY_SIGNATURE,
    ]);

    // /v1/cert-chain: oldest first, the sealing certificate last; a client pinning `a` reaches `c` through `b`.
    const chain = parseCertChain(chainBody(ring));
    expect(chain.map((e) => e.fingerprint)).toEqual([a, b, c]);
    expect(chain[0]?.link).toBeUndefined();
    expect(linkPath(chain, new Set([a ?? '']), c ?? '')).toEqual({ ok: true, path: [a, b, c] });
    const body = JSON.stringify(certChainOf(ring));
    expect(body).not.toContain('PRIVATE KEY');
  });

  it('a chain whose link was forged is refused by the client check', async () => {
    const { keys, clock } = store();
    await keys.load();
    await keys.start();
    clock.advance(60_000);
    await keys.generateKey();
    const ring = keys.current();
    const [a, b] = keysOldestFirst(ring);
    const stranger = keyEntry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 1);
    const forged = linkFromPrevious(stranger, b?.certificate.pem ?? '');
    expect(forged !== undefined && 'link' in forged).toBe(true);
    const document = certChainOf(ring);
    const tampered = {
      ...document,
      certificates: document.certificates.map((entry) =>
        entry.fingerprint === b?.fingerprint && forged !== undefined && 'link' in forged
          ? { ...entry, signature: forged.link.signature }
          : entry,
      ),
    };
    const chain = parseCertChain(Buffer.from(JSON.stringify(tampered)));
    expect(linkPath(chain, new Set([a?.fingerprint ?? '']), b?.fingerprint ?? '')).toEqual({
      ok: false,
      reason: `the signature of ${b?.fingerprint} by ${a?.fingerprint} is not valid`,
    });
  });

  it('linkFromPrevious: nothing without a previous key; a failing signature is an error, not a throw', () => {
    expect(linkFromPrevious(undefined, 'pem')).toBeUndefined();
    const previous = keyEntry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, 1);
    const result = linkFromPrevious(previous, 'not a certificate');
    expect(result !== undefined && 'error' in result).toBe(true);
  });
});

describe('key inventory (GET /v1/keys, key_objects / key_items)', () => {
  const [k1, k2, k3] = [1, 2, 3].map((t) =>
    keyEntry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, t * 1000),
  );
  const ring = KeyRing.of([k1, k2, k3].filter((k) => k !== undefined));
  const fp = (k: typeof k1) => k?.fingerprint ?? '';
  const ss = (name: string, decryptionKeys?: { fingerprint: string; itemCount: number }[]): SealedSecret => ({
    metadata: { name, namespace: 'ns' },
    spec: { encryptedData: {} },
    ...(decryptionKeys !== undefined && { status: { decryptionKeys } }),
  });

  it('counts objects and items per key, oldest first with the sealing key last; unknown keys are not listed', () => {
    const report = summarizeKeyInventory(ring, [
      { decryptionKeys: [{ fingerprint: fp(k1), itemCount: 2 }] },
      {
        decryptionKeys: [
          { fingerprint: fp(k1), itemCount: 1 },
          { fingerprint: fp(k3), itemCount: 4 },
        ],
      },
      { decryptionKeys: [{ fingerprint: 'SHA256:gone', itemCount: 1 }] },
      { decryptionKeys: undefined },
      { decryptionKeys: [] },
    ]);
    expect(report).toEqual({
      keys: [
        {
          fingerprint: fp(k1),
          secretName: 'k1000',
          created: '1970-01-01T00:00:01Z',
          state: 'active',
          objects: 2,
          items: 3,
          linked: false,
        },
        {
          fingerprint: fp(k2),
          secretName: 'k2000',
          created: '1970-01-01T00:00:02Z',
          state: 'active',
          objects: 0,
          items: 0,
          linked: false,
        },
        {
          fingerprint: fp(k3),
          secretName: 'k3000',
          created: '1970-01-01T00:00:03Z',
          state: 'sealing',
          objects: 1,
          items: 4,
          linked: false,
        },
      ],
      objects: 5,
      objectsWithoutKey: 2,
    });
  });

  it("reads each object's status, overlaid by this process's own reconciles; forget drops the overlay", () => {
    const inventory = new KeyInventory();
    const watched = [ss('a', [{ fingerprint: fp(k1), itemCount: 1 }]), ss('b')];
    const objects = () => inventory.report(ring, watched).keys.map((k) => k.objects);
    expect(objects()).toEqual([1, 0, 0]);
    const a = watched[0] as SealedSecret;
    inventory.record(a, { x: fp(k3) });
    inventory.record(watched[1] as SealedSecret, { y: fp(k3), z: fp(k2) });
    expect(objects()).toEqual([0, 1, 2]);
    inventory.forget('ns', 'a');
    expect(objects()).toEqual([1, 1, 1]);
  });

  it('objects unsealed alike share one record; counts stay per object and per item', () => {
    const inventory = new KeyInventory();
    const watched = ['a', 'b', 'c', 'd'].map((name) => ss(name));
    for (const object of watched.slice(0, 3)) inventory.record(object, { x: fp(k3), y: fp(k3) });
    inventory.record(watched[3] as SealedSecret, { x: fp(k2), y: fp(k3), z: fp(k3) });
    const report = inventory.report(ring, watched);
    expect(report.keys.map((k) => [k.objects, k.items])).toEqual([
      [0, 0],
      [1, 1],
      [4, 8],
    ]);
    expect(report.objectsWithoutKey).toBe(0);
  });

  it('the metrics are computed from the inventory at scrape time, one series per loaded key', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false });
    expect(await metrics.registry.metrics()).not.toMatch(/^sealed_secrets_controller_key_objects\{/m);
    let watched = [ss('a', [{ fingerprint: fp(k1), itemCount: 3 }])];
    metrics.setKeyInventory(() => new KeyInventory().report(ring, watched));
    let text = await metrics.registry.metrics();
    expect(text).toContain(`sealed_secrets_controller_key_objects{fingerprint="${fp(k1)}"} 1\n`);
    expect(text).toContain(`sealed_secrets_controller_key_items{fingerprint="${fp(k1)}"} 3\n`);
    expect(text).toContain(`sealed_secrets_controller_key_objects{fingerprint="${fp(k3)}"} 0\n`);
    watched = [ss('a', [{ fingerprint: fp(k3), itemCount: 3 }])];
    text = await metrics.registry.metrics();
    expect(text).toContain(`sealed_secrets_controller_key_objects{fingerprint="${fp(k1)}"} 0\n`);
    expect(text).toContain(`sealed_secrets_controller_key_objects{fingerprint="${fp(k3)}"} 1\n`);
  });

  it('walks the watched SealedSecrets once per scrape for both families, and afresh on the next scrape', async () => {
    const metrics = new ControllerMetrics('test', { defaultMetrics: false });
    let reports = 0;
    metrics.setKeyInventory(() => {
      reports++;
      return new KeyInventory().report(ring, [ss('a', [{ fingerprint: fp(k1), itemCount: 2 }])]);
    });
    const text = await metrics.registry.metrics();
    expect(text).toContain(`sealed_secrets_controller_key_objects{fingerprint="${fp(k1)}"} 1\n`);
    expect(text).toContain(`sealed_secrets_controller_key_items{fingerprint="${fp(k1)}"} 2\n`);
    expect(reports).toBe(1);
    await metrics.registry.metrics();
    expect(reports).toBe(2);
  });
});
