import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { Writable } from 'node:stream';
import { KubeError } from '@ssts/kube';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import type { Logger } from '../log.js';
import {
  ServingCertificates,
  type ServingCertificatesOptions,
  type ServingIdentity,
} from './serving-certificates.js';

const NS = 'ctrl';
const SECRET = 'webhook-ca';
const CONFIG = 'sealed-secrets-webhook';
const DAY = 86_400_000;
const HOSTS = ['sealed-secrets-webhook.ctrl.svc', '127.0.0.1'];

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

function withConfiguration(gateway: FakeGateway, caBundle?: string): void {
  gateway.webhookConfigurations.set(CONFIG, {
    metadata: { name: CONFIG, resourceVersion: '1' },
    webhooks: [
      { name: 'a.sealedsecrets.bitnami.com', clientConfig: caBundle === undefined ? {} : { caBundle } },
      { name: 'b.sealedsecrets.bitnami.com', clientConfig: {} },
    ],
  });
}

function setup(
  gateway = new FakeGateway(),
  clock = new ManualClock(Date.UTC(2026, 5, 1)),
  overrides: Partial<ServingCertificatesOptions> = {},
) {
  const { log, lines } = capturingLogger();
  const identities: ServingIdentity[] = [];
  const certs = new ServingCertificates({
    gateway,
    namespace: NS,
    secretName: SECRET,
    configurationName: CONFIG,
    hosts: HOSTS,
    caValidityMs: 300 * DAY,
    certValidityMs: 30 * DAY,
    syncIntervalMs: 60_000,
    clock,
    log,
    onIdentity: (identity) => identities.push(identity),
    // 1024-bit keys keep the suite fast; the controller makes RSA-2048 ones.
    generateKey: () => Promise.resolve(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey),
    ...overrides,
  });
  return { gateway, clock, certs, identities, lines };
}

function secretText(gateway: FakeGateway, key: string): string {
  const value = gateway.get('secrets', NS, SECRET)?.data?.[key];
  if (value === undefined) throw new Error(`no ${key}`);
  return Buffer.from(value, 'base64').toString();
}

function pems(bundle: string): X509Certificate[] {
  return (bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []).map(
    (pem) => new X509Certificate(pem),
  );
}

/** True when `cert` (PEM) is signed by one of the CAs of `bundle` (PEM). */
function verifiesAgainst(cert: string, bundle: string): boolean {
  const leaf = new X509Certificate(cert);
  return pems(bundle).some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
}

function injected(gateway: FakeGateway): (string | undefined)[] {
  return (gateway.webhookConfigurations.get(CONFIG)?.webhooks ?? []).map((w) =>
    w.clientConfig?.caBundle === undefined
      ? undefined
      : Buffer.from(w.clientConfig.caBundle, 'base64').toString(),
  );
}

describe('ServingCertificates', () => {
  it('creates the CA Secret, issues a serving certificate for the hosts from it and injects the bundle', async () => {
    const gateway = new FakeGateway();
    withConfiguration(gateway);
    const { certs, identities } = setup(gateway);
    expect(await certs.sync()).toBe(true);

    const stored = gateway.get('secrets', NS, SECRET);
    expect(stored?.type).toBe('kubernetes.io/tls');
    const ca = new X509Certificate(secretText(gateway, 'tls.crt'));
    expect(ca.ca).toBe(true);
    expect(secretText(gateway, 'ca.crt')).toBe(secretText(gateway, 'tls.crt'));

    expect(identities).toHaveLength(1);
    const leaf = new X509Certificate(identities[0]?.cert ?? '');
    expect(leaf.ca).toBe(false);
    expect(leaf.checkHost('sealed-secrets-webhook.ctrl.svc')).toBe('sealed-secrets-webhook.ctrl.svc');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('other.ctrl.svc')).toBeUndefined();
    expect(leaf.checkPrivateKey(createPrivateKey(identities[0]?.key ?? ''))).toBe(true);
    expect(verifiesAgainst(identities[0]?.cert ?? '', secretText(gateway, 'ca.crt'))).toBe(true);
    // Both webhooks of the configuration, the bundle as base64 PEM.
    expect(injected(gateway)).toEqual([secretText(gateway, 'ca.crt'), secretText(gateway, 'ca.crt')]);
    // The private key of the CA is never in the configuration.
    expect(JSON.stringify(gateway.webhookConfigurations.get(CONFIG))).not.toContain('PRIVATE');
  });

  it('a second replica uses the stored CA, and its serving certificate verifies against the same bundle', async () => {
    const gateway = new FakeGateway();
    withConfiguration(gateway);
    const first = setup(gateway);
    await first.certs.sync();
    const second = setup(gateway);
    await second.certs.sync();
    expect(second.certs.caBundle).toBe(first.certs.caBundle);
    expect(verifiesAgainst(second.identities[0]?.cert ?? '', injected(gateway)[0] ?? '')).toBe(true);
    expect(gateway.calls.filter((c) => c.startsWith('patchValidatingWebhookCaBundle'))).toHaveLength(1);
  });

  it('reissues the serving certificate at 2/3 of its life from the same CA, and not before', async () => {
    const gateway = new FakeGateway();
    withConfiguration(gateway);
    const { certs, clock, identities } = setup(gateway);
    await certs.sync();
    clock.advance(19 * DAY);
    await certs.sync();
    expect(identities).toHaveLength(1);
    clock.advance(2 * DAY);
    await certs.sync();
    expect(identities).toHaveLength(2);
    expect(identities[1]?.cert).not.toBe(identities[0]?.cert);
    expect(verifiesAgainst(identities[1]?.cert ?? '', certs.caBundle ?? '')).toBe(true);
    expect(pems(certs.caBundle ?? '')).toHaveLength(1);
  });

  it('rotates the CA at 2/3 of its life, keeps the old one in the bundle until it expires, and injects both', async () => {
    const gateway = new FakeGateway();
    withConfiguration(gateway);
    const { certs, clock, identities } = setup(gateway);
    await certs.sync();
    const oldCa = secretText(gateway, 'tls.crt');
    clock.advance(199 * DAY);
    await certs.sync(); // a serving certificate from the old CA, due at day 219
    const oldLeaf = identities.at(-1)?.cert ?? '';

    clock.advance(2 * DAY);
    await certs.sync();
    const newCa = secretText(gateway, 'tls.crt');
    // API servers trust the new CA a moment after the bundle is written: the current certificate stays until due.
    expect(identities.at(-1)?.cert).toBe(oldLeaf);
    clock.advance(19 * DAY);
    await certs.sync();
    expect(newCa).not.toBe(oldCa);
    const bundle = secretText(gateway, 'ca.crt');
    expect(pems(bundle).map((c) => c.fingerprint256)).toEqual(
      [newCa, oldCa].map((pem) => new X509Certificate(pem).fingerprint256),
    );
    expect(injected(gateway)).toEqual([bundle, bundle]);
    // New connections get a certificate from the new CA; one from the old CA still verifies.
    const newLeaf = identities.at(-1)?.cert ?? '';
    expect(new X509Certificate(newLeaf).checkIssued(new X509Certificate(newCa))).toBe(true);
    expect(verifiesAgainst(newLeaf, bundle)).toBe(true);
    expect(verifiesAgainst(oldLeaf, bundle)).toBe(true);

    // Past the old CA's expiry, the bundle holds the new CA alone.
    clock.advance(81 * DAY);
    await certs.sync();
    expect(pems(secretText(gateway, 'ca.crt'))).toHaveLength(1);
    expect(pems(injected(gateway)[0] ?? '')).toHaveLength(1);
    expect(verifiesAgainst(identities.at(-1)?.cert ?? '', injected(gateway)[0] ?? '')).toBe(true);
  });

  it('writes the bundle again when an upgrade reset it, and only the webhooks that lack it', async () => {
    const gateway = new FakeGateway();
    withConfiguration(gateway);
    const { certs } = setup(gateway);
    await certs.sync();
    const bundle = Buffer.from(certs.caBundle ?? '').toString('base64');
    withConfiguration(gateway, bundle); // as `helm upgrade` leaves it: webhook b has no caBundle again
    gateway.calls.length = 0;
    await certs.sync();
    expect(gateway.calls).toContain(`patchValidatingWebhookCaBundle ${CONFIG}`);
    expect(injected(gateway)).toEqual([certs.caBundle, certs.caBundle]);
    gateway.calls.length = 0;
    await certs.sync();
    expect(gateway.calls.filter((c) => c.startsWith('patch'))).toEqual([]);
  });

  it('serves without a configuration yet (logged once), retries in 5 s, and injects once it exists', async () => {
    const gateway = new FakeGateway();
    const { certs, clock, identities, lines } = setup(gateway);
    await certs.start();
    expect(identities).toHaveLength(1);
    const notFound = () =>
      lines.filter((l) => l.includes(`ValidatingWebhookConfiguration ${CONFIG} not found`));
    expect(notFound()).toHaveLength(1);
    clock.advance(5_000);
    await vi.waitFor(() =>
      expect(gateway.calls.filter((c) => c.startsWith('getValidating'))).toHaveLength(2),
    );
    expect(notFound()).toHaveLength(1);
    withConfiguration(gateway);
    clock.advance(5_000);
    await vi.waitFor(() => expect(injected(gateway)).toEqual([certs.caBundle, certs.caBundle]));
    certs.stop();
    expect(clock.pending).toBe(0);
  });

  it('replaces a CA Secret whose key does not match its certificate', async () => {
    const gateway = new FakeGateway();
    withConfiguration(gateway);
    const first = setup(gateway);
    await first.certs.sync();
    const stored = gateway.get('secrets', NS, SECRET);
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    gateway.put('secrets', {
      ...stored,
      metadata: { ...stored?.metadata, name: SECRET, namespace: NS },
      data: { ...stored?.data, 'tls.key': Buffer.from(otherKey).toString('base64') },
    });
    const { certs, lines } = setup(gateway);
    await certs.sync();
    expect(lines.some((l) => l.includes('Webhook CA Secret unusable') && l.includes('does not match'))).toBe(
      true,
    );
    expect(verifiesAgainst(certs.identity?.cert ?? '', secretText(gateway, 'ca.crt'))).toBe(true);
    expect(JSON.stringify(lines)).not.toContain('PRIVATE KEY');
  });

  it('two replicas rotating at once: the one whose write conflicts reloads, and both end on one CA', async () => {
    const gateway = new FakeGateway();
    withConfiguration(gateway);
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const a = setup(gateway, clock);
    await a.certs.sync();
    const b = setup(gateway, clock);
    await b.certs.sync();
    clock.advance(201 * DAY);
    // The other replica wrote between b's read and b's PUT.
    gateway.failures.set(
      'updateSecret',
      new KubeError('Conflict', 'Operation cannot be fulfilled', { status: 409 }),
    );
    gateway.calls.length = 0;
    await b.certs.sync();
    expect(gateway.calls.filter((c) => c.startsWith('updateSecret'))).toHaveLength(2);
    await a.certs.sync();
    expect(a.certs.caBundle).toBe(b.certs.caBundle);
    expect(pems(a.certs.caBundle ?? '')).toHaveLength(2);
    expect(verifiesAgainst(a.identities.at(-1)?.cert ?? '', injected(gateway)[0] ?? '')).toBe(true);
    expect(verifiesAgainst(b.identities.at(-1)?.cert ?? '', injected(gateway)[0] ?? '')).toBe(true);
  });

  it('fails when the CA Secret can be neither read nor created', async () => {
    const gateway = new FakeGateway();
    gateway.failures.set('createSecret', new KubeError('Forbidden', 'secrets is forbidden', { status: 403 }));
    const { certs, identities } = setup(gateway);
    await expect(certs.sync()).rejects.toThrow('secrets is forbidden');
    expect(identities).toEqual([]);
  });
});
