import { Writable } from 'node:stream';
import { LABEL_SEALED_SECRETS_KEY, parseCertificatePem, parsePrivateKeyPem, type Secret } from '@ssts/core';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import { testKeySecret } from '../../test/key-secret.js';
import { testServer } from '../http/test-helpers/api-server.js';
import type { Logger } from '../log.js';
import { KeyStore, type KeyStoreOptions } from './key-store.js';

const NS = 'ctrl';
const HOUR = 3_600_000;

function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream) as Logger, lines };
}

const keySecret = (
  name: string,
  notBefore: Date,
  labels: Record<string, string> | undefined,
  created: string,
): Secret => testKeySecret(name, NS, notBefore, labels, created);

function setup(overrides: Partial<KeyStoreOptions> = {}) {
  const gateway = new FakeGateway();
  const clock = new ManualClock(Date.UTC(2026, 5, 1));
  const { log, lines } = capturingLogger();
  const store = new KeyStore({
    gateway,
    namespace: NS,
    keyPrefix: 'sealed-secrets-key',
    keySize: 1024,
    keyTtlMs: 10 * HOUR,
    myCn: '',
    renewPeriodMs: 0,
    cutoffTime: undefined,
    orderBy: 'CertNotBefore',
    privateKeyLabels: {},
    privateKeyAnnotations: {},
    clock,
    log,
    ...overrides,
  });
  return { gateway, clock, store, lines };
}

const keySecrets = (gateway: FakeGateway) =>
  [...gateway.objects.values()].filter((o) => o.metadata.labels?.[LABEL_SEALED_SECRETS_KEY] === 'active');

describe('KeyStore', () => {
  it('loads active keys and the unlabeled legacy key, skipping unusable Secrets and other labels', async () => {
    const { gateway, store, lines } = setup();
    const active = LABEL_SEALED_SECRETS_KEY;
    gateway.put(
      'secrets',
      keySecret(
        'sealed-secrets-keyaaaaa',
        new Date(Date.UTC(2026, 0, 1)),
        { [active]: 'active' },
        '2026-01-01T00:00:00Z',
      ),
    );
    gateway.put(
      'secrets',
      keySecret('sealed-secrets-key', new Date(Date.UTC(2025, 0, 1)), undefined, '2025-01-01T00:00:00Z'),
    );
    gateway.put(
      'secrets',
      keySecret(
        'sealed-secrets-keybbbbb',
        new Date(Date.UTC(2026, 2, 1)),
        { [active]: 'compromised' },
        '2026-03-01T00:00:00Z',
      ),
    );
    gateway.put('secrets', {
      metadata: { name: 'broken', namespace: NS, labels: { [active]: 'active' } },
      data: { 'tls.key': 'bm9wZQ==' },
    });
    await store.load();
    const ring = store.current();
    expect(ring.all().map((e) => e.secretName)).toEqual(['sealed-secrets-key', 'sealed-secrets-keyaaaaa']);
    expect(ring.latest()?.secretName).toBe('sealed-secrets-keyaaaaa');
    expect(lines.join('')).toContain('Skipping a key Secret that cannot be used');
  });

  it('orders by Secret creationTimestamp when asked', async () => {
    const { gateway, store } = setup({ orderBy: 'SecretCreationTimestamp' });
    const label = { [LABEL_SEALED_SECRETS_KEY]: 'active' };
    gateway.put(
      'secrets',
      keySecret('k-newcert', new Date(Date.UTC(2026, 5, 1)), label, '2026-01-01T00:00:00Z'),
    );
    gateway.put(
      'secrets',
      keySecret('k-newsecret', new Date(Date.UTC(2020, 0, 1)), label, '2026-02-01T00:00:00Z'),
    );
    await store.load();
    expect(store.current().latest()?.secretName).toBe('k-newsecret');
  });

  it('creates the first key Secret exactly per compat §4.1 and logs only its certificate', async () => {
    const { gateway, store, lines } = setup({
      privateKeyLabels: { testLabel1: 'additional.label', 'test.label.2': 'test/2' },
      privateKeyAnnotations: { note: 'x' },
    });
    await store.load();
    await store.start();
    const [secret] = keySecrets(gateway) as Secret[];
    expect(secret?.metadata.name).toMatch(/^sealed-secrets-key[a-z0-9]{5}$/);
    expect(secret?.metadata.generateName).toBe('sealed-secrets-key');
    expect(secret?.type).toBe('kubernetes.io/tls');
    expect(secret?.metadata.labels).toEqual({
      [LABEL_SEALED_SECRETS_KEY]: 'active',
      testLabel1: 'additional.label',
      'test.label.2': 'test/2',
    });
    expect(secret?.metadata.annotations).toEqual({ note: 'x' });
    const keyPem = Buffer.from(secret?.data?.['tls.key'] ?? '', 'base64').toString();
    expect(keyPem).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(parsePrivateKeyPem(keyPem).asymmetricKeyDetails?.modulusLength).toBe(1024);
    expect(store.current().size).toBe(1);
    expect(store.current().latest()?.orderingTime.getTime()).toBe(Date.UTC(2026, 5, 1));
    const log = lines.join('');
    expect(log).toContain('Certificate generated');
    expect(log).toContain('BEGIN CERTIFICATE');
    expect(log).not.toContain('PRIVATE KEY');
  });

  it('does not generate when a key exists and the period is 0; SIGUSR1-style generateKey still works', async () => {
    const { gateway, store, clock } = setup();
    gateway.put(
      'secrets',
      keySecret(
        'k1',
        new Date(Date.UTC(2026, 0, 1)),
        { [LABEL_SEALED_SECRETS_KEY]: 'active' },
        '2026-01-01T00:00:00Z',
      ),
    );
    await store.load();
    await store.start();
    expect(keySecrets(gateway)).toHaveLength(1);
    expect(clock.pending).toBe(0);
    await store.generateKey();
    expect(keySecrets(gateway)).toHaveLength(2);
    expect(store.current().latest()?.secretName).not.toBe('k1');
  });

  it('renews a key aged period − 1s after ~1s, then every period (certificate times have second precision)', async () => {
    const { gateway, store, clock } = setup({ renewPeriodMs: 10 * HOUR });
    const notBefore = new Date(clock.now() - 10 * HOUR + 1000);
    gateway.put(
      'secrets',
      keySecret('k1', notBefore, { [LABEL_SEALED_SECRETS_KEY]: 'active' }, '2026-01-01T00:00:00Z'),
    );
    await store.load();
    await store.start();
    expect(keySecrets(gateway)).toHaveLength(1);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 20));
    expect(keySecrets(gateway)).toHaveLength(1);
    clock.advance(1);
    await vi.waitFor(() => expect(keySecrets(gateway)).toHaveLength(2));
    clock.advance(10 * HOUR - 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(keySecrets(gateway)).toHaveLength(2);
    clock.advance(1);
    await vi.waitFor(() => expect(keySecrets(gateway)).toHaveLength(3));
    store.stop();
    expect(clock.pending).toBe(0);
  });

  it('generates at startup when the latest key predates the cutoff', async () => {
    const { gateway, store, clock } = setup({ cutoffTime: new Date(Date.UTC(2026, 5, 1)) });
    gateway.put(
      'secrets',
      keySecret(
        'k1',
        new Date(clock.now() - HOUR),
        { [LABEL_SEALED_SECRETS_KEY]: 'active' },
        '2026-01-01T00:00:00Z',
      ),
    );
    await store.load();
    await store.start();
    expect(keySecrets(gateway)).toHaveLength(2);
  });

  it('fails startup when the first key cannot be written', async () => {
    const { gateway, store } = setup();
    gateway.failures.set('createSecret', new Error('forbidden'));
    await store.load();
    await expect(store.start()).rejects.toMatchObject({ code: 'KEYS' });
    expect(store.current().size).toBe(0);
  });

  it('keeps the latest key when an older one is registered later and notifies subscribers', async () => {
    const { store } = setup();
    const seen: number[] = [];
    store.subscribe((ring) => seen.push(ring.size));
    const label = { [LABEL_SEALED_SECRETS_KEY]: 'active' };
    store.addSecret(keySecret('new', new Date(Date.UTC(2026, 1, 1)), label, '2026-02-01T00:00:00Z'));
    store.addSecret(keySecret('old', new Date(Date.UTC(2025, 1, 1)), label, '2025-02-01T00:00:00Z'));
    expect(store.current().latest()?.secretName).toBe('new');
    expect(seen).toEqual([1, 2]);
  });
});

describe('key registration is atomic (addendum §3.2)', () => {
  it('a generated key is the latest as soon as it is registered, even when the key watch saw its Secret first', async () => {
    const { gateway, store, clock } = setup();
    // The live key watch (--watch-for-secrets) can deliver the new Secret before createSecret returns; its
    // certificate NotBefore has second precision, so it may tie with or predate the previous key.
    const create = gateway.createSecret.bind(gateway);
    gateway.createSecret = async (secret) => {
      const created = await create(secret);
      store.addSecret(created);
      return created;
    };
    await store.load();
    await store.start();
    for (let i = 0; i < 5; i++) {
      clock.advance(300);
      const entry = await store.generateKey();
      expect(store.current().latest()?.fingerprint).toBe(entry.fingerprint);
    }
    expect(store.current().size).toBe(6);
  });

  it('never serves anything but one whole certificate while keys are generated (cert.pem stress)', async () => {
    const { gateway, store, clock } = setup();
    /** Every certificate of a key Secret written so far: the only acceptable answers. */
    const known = new Set<string>();
    // With the key watch racing the generation, as in the test above.
    const create = gateway.createSecret.bind(gateway);
    gateway.createSecret = async (secret) => {
      known.add(Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString());
      const created = await create(secret);
      store.addSecret(created);
      return created;
    };
    await store.load();
    await store.start();
    const { app } = testServer({ certificatePem: () => store.current().latest()?.certificate.pem });
    let generating = true;
    let answers = 0;
    const bad: string[] = [];
    const hammer = async (): Promise<void> => {
      while (generating) {
        const body = (await app.inject({ url: '/v1/cert.pem' })).body;
        answers++;
        if (!known.has(body) || body.match(/-----BEGIN CERTIFICATE-----/g)?.length !== 1) bad.push(body);
        // inject() alone never yields to I/O: let the key generation's thread-pool callbacks in.
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    const hammers = Array.from({ length: 4 }, hammer);
    try {
      for (let i = 0; i < 10; i++) {
        clock.advance(200);
        const entry = await store.generateKey();
        // From the moment generateKey resolves, the new certificate is what is served.
        expect((await app.inject({ url: '/v1/cert.pem' })).body).toBe(entry.certificate.pem);
      }
    } finally {
      generating = false;
      await Promise.all(hammers);
    }
    expect(answers).toBeGreaterThan(10);
    expect(bad.slice(0, 1)).toEqual([]);
    for (const pem of known) expect(parseCertificatePem(pem).publicKey).toBeDefined();
  });
});
