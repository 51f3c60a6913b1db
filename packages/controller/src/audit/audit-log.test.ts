import {
  LABEL_SEALED_SECRETS_KEY,
  ownerReference,
  publicKeyFingerprint,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import { readJsonFixture } from '@ssts/test-utils';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import { testKeySecret } from '../../test/key-secret.js';
import { post, testKey, testServer } from '../http/test-helpers/api-server.js';
import { KeyStore } from '../keys/key-store.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { KubeError } from '@ssts/kube';
import { createAuditLogger, createLogger, type Logger } from '../log.js';
import { ControllerMetrics } from '../metrics.js';
import { reconcile } from '../reconcile/reconcile.js';
import { AuditLog, FORWARDED_FOR_ELEMENTS } from './audit-log.js';

// The exact audit line of each event kind (docs/audit.md is the contract these tests pin down).

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEY_FP = publicKeyFingerprint(testKey);
const NEW_FP = 'SHA256:n3wKeyn3wKeyn3wKeyn3wKeyn3wKeyn3wKeyn3wKey0';
const strict = readJsonFixture<SealedSecret>('vectors', 'sealedsecret-4096', 'sealed-strict.json');
const expectedData = readJsonFixture<Record<string, string>>(
  'vectors',
  'sealedsecret-4096',
  'expected-data.json',
);

function auditSink(keyOf: (objectKey: string) => string | undefined = () => KEY_FP) {
  const out: string[] = [];
  const err: string[] = [];
  const log = createAuditLogger({
    infoToStdout: true,
    stdout: { write: (line: string) => out.push(line) },
    stderr: { write: (line: string) => err.push(line) },
  });
  const audit = new AuditLog({ log, keyOf, sealingKey: () => NEW_FP });
  const records = (): Record<string, unknown>[] =>
    out.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { audit, out, err, records };
}

/** Every line is one JSON object on one line, with the common fields first and `msg` last. */
function expectLineShape(line: string): void {
  expect(line.endsWith('\n')).toBe(true);
  expect(line.slice(0, -1)).not.toContain('\n');
  const keys = Object.keys(JSON.parse(line) as object);
  expect(keys.slice(0, 5)).toEqual(['level', 'time', 'audit', 'event', 'outcome']);
  expect(keys.at(-1)).toBe('msg');
}

function secretMaterial(): string[] {
  const plain = Object.values(expectedData);
  return [
    ...plain,
    ...plain.map((v) => Buffer.from(v).toString('base64')),
    ...Object.values(strict.spec.encryptedData).map((v) => v.slice(0, 40)),
    'PRIVATE KEY',
  ];
}

describe('audit line: unseal (one per reconcile pass of an existing SealedSecret)', () => {
  const NS = 'shop';
  const NAME = 'db';

  function setup(unseal: (ss: SealedSecret) => Promise<Secret>) {
    const gateway = new FakeGateway();
    const clock = new ManualClock(Date.UTC(2026, 3, 22, 10));
    const sink = auditSink();
    const deps = {
      gateway,
      getCached: (namespace: string, name: string) => gateway.get('sealedsecrets', namespace, name),
      unseal: async (ss: SealedSecret) => ({ secret: await unseal(ss) }),
      events: new EventRecorder({ gateway, clock }),
      clock,
      log: pino({ level: 'silent' }) as Logger,
      metrics: new ControllerMetrics('test', { defaultMetrics: false }),
      updateStatus: true,
      oldGcBehavior: false,
      audit: (ss: SealedSecret, result: Parameters<AuditLog['unseal']>[1]) => sink.audit.unseal(ss, result),
    };
    return { gateway, deps, ...sink };
  }

  const secretFor = (ss: SealedSecret): Secret => ({
    metadata: { name: NAME, namespace: NS, ownerReferences: [ownerReference(ss)] },
    data: { password: Buffer.from('hunter2').toString('base64') },
  });

  it('success: created, then unchanged; the object with uid, generation and resourceVersion; the key', async () => {
    const { gateway, deps, out, records } = setup((ss) => Promise.resolve(secretFor(ss)));
    const ss = gateway.put('sealedsecrets', {
      metadata: { name: NAME, namespace: NS },
      spec: { encryptedData: { password: 'AgBy3i4OJSWK+PiTySYZZA==' } },
    });
    await reconcile(`${NS}/${NAME}`, deps);
    await reconcile(`${NS}/${NAME}`, deps);
    const object = {
      namespace: NS,
      name: NAME,
      uid: ss.metadata.uid,
      generation: 1,
      resourceVersion: expect.stringMatching(/^\d+$/),
    };
    expect(records()).toStrictEqual([
      {
        level: 30,
        time: expect.stringMatching(ISO_TIME),
        audit: true,
        event: 'unseal',
        outcome: 'success',
        object,
        fingerprint: KEY_FP,
        secret: 'created',
        msg: 'audit',
      },
      {
        level: 30,
        time: expect.stringMatching(ISO_TIME),
        audit: true,
        event: 'unseal',
        outcome: 'success',
        object,
        fingerprint: KEY_FP,
        secret: 'unchanged',
        msg: 'audit',
      },
    ]);
    for (const line of out) expectLineShape(line);
    expect(out.join('')).not.toContain('hunter2');
    expect(out.join('')).not.toContain(Buffer.from('hunter2').toString('base64'));
    expect(out.join('')).not.toContain('AgBy3i4OJSWK');
  });

  it('failure: the reason and the bounded error; no key when decryption failed, the key when the write failed', async () => {
    let fail = true;
    const { gateway, deps, records } = setup((ss) =>
      fail
        ? Promise.reject(new Error(`no key could decrypt secret (${'k'.repeat(5_000)})`))
        : Promise.resolve(secretFor(ss)),
    );
    const ss = gateway.put('sealedsecrets', {
      metadata: { name: NAME, namespace: NS },
      spec: { encryptedData: { password: 'AgA=' } },
    });
    await reconcile(`${NS}/${NAME}`, deps);
    fail = false;
    // An unmanaged Secret of the same name: decrypted, but the write is refused.
    gateway.put('secrets', { metadata: { name: NAME, namespace: NS }, data: {} });
    await reconcile(`${NS}/${NAME}`, deps);
    const [decrypt, unmanaged] = records();
    expect(decrypt).toStrictEqual({
      level: 30,
      time: expect.stringMatching(ISO_TIME),
      audit: true,
      event: 'unseal',
      outcome: 'failure',
      object: {
        namespace: NS,
        name: NAME,
        uid: ss.metadata.uid,
        generation: 1,
        resourceVersion: expect.any(String),
      },
      reason: 'unseal',
      error: expect.stringMatching(/^no key could decrypt secret \(k+\.\.\. \[\d+ more bytes\]$/),
      msg: 'audit',
    });
    expect(Buffer.byteLength(String(decrypt?.['error']))).toBeLessThanOrEqual(1024);
    expect(unmanaged).toMatchObject({ outcome: 'failure', fingerprint: KEY_FP, reason: 'unmanaged' });
    expect(String(unmanaged?.['error'])).toContain('is not managed by SealedSecret');
  });

  it('no line for a deleted SealedSecret (nothing is unsealed)', async () => {
    const { deps, out } = setup((ss) => Promise.resolve(secretFor(ss)));
    await reconcile(`${NS}/gone`, deps);
    expect(out).toEqual([]);
  });
});

describe('audit line: verify and rotate (one per request that reached its handler)', () => {
  const proxied = {
    'x-forwarded-for': '203.0.113.7, 127.0.0.1',
    'x-forwarded-uri':
      '/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/verify',
    'user-agent': 'kubeseal/v0.40.0 (linux/amd64) kubernetes/$Format',
  };

  it('verify: success with the key that opened the items; failures with status and error', async () => {
    const { audit, out, records } = auditSink();
    const { app } = testServer({ audit, rateLimitBurst: 100 });
    const renamed = { ...strict, metadata: { ...strict.metadata, name: 'other' } };
    await app.inject({ ...post('/v1/verify', strict, proxied), remoteAddress: '10.213.0.1' });
    await app.inject({ ...post('/v1/verify', renamed, proxied), remoteAddress: '10.213.0.1' });
    await app.inject({ ...post('/v1/verify', 'not: [valid'), remoteAddress: '10.0.0.9' });
    const request = {
      method: 'POST',
      path: '/v1/verify',
      remoteAddress: '10.213.0.1',
      forwardedFor: ['203.0.113.7', '127.0.0.1'],
      forwardedUri: proxied['x-forwarded-uri'],
      userAgent: proxied['user-agent'],
    };
    const base = { level: 30, time: expect.stringMatching(ISO_TIME), audit: true, event: 'verify' };
    expect(records()).toStrictEqual([
      {
        ...base,
        outcome: 'success',
        object: { namespace: strict.metadata.namespace, name: strict.metadata.name },
        fingerprint: KEY_FP,
        status: 200,
        request,
        msg: 'audit',
      },
      {
        ...base,
        outcome: 'failure',
        object: { namespace: strict.metadata.namespace, name: 'other' },
        status: 409,
        request,
        error: expect.stringMatching(/^no key could decrypt secret \(.+\)$/),
        msg: 'audit',
      },
      {
        ...base,
        outcome: 'failure',
        status: 500,
        // light-my-request's default User-Agent (fastify.inject).
        request: {
          method: 'POST',
          path: '/v1/verify',
          remoteAddress: '10.0.0.9',
          forwardedFor: [],
          userAgent: 'lightMyRequest',
        },
        error: expect.stringContaining('invalid YAML'),
        msg: 'audit',
      },
    ]);
    for (const line of out) expectLineShape(line);
    for (const material of secretMaterial()) expect(out.join(''), material).not.toContain(material);
  });

  it('rotate: success names the key that opened the items and the key it re-encrypted to', async () => {
    const { audit, out, records } = auditSink();
    const { app } = testServer({ audit, rateLimitBurst: 100 });
    const ok = await app.inject({ ...post('/v1/rotate', strict), remoteAddress: '10.213.0.1' });
    expect(ok.statusCode).toBe(200);
    const renamed = { ...strict, metadata: { ...strict.metadata, name: 'other' } };
    await app.inject({ ...post('/v1/rotate', renamed), remoteAddress: '10.213.0.1' });
    const request = {
      method: 'POST',
      path: '/v1/rotate',
      remoteAddress: '10.213.0.1',
      forwardedFor: [],
      userAgent: 'lightMyRequest',
    };
    const base = { level: 30, time: expect.stringMatching(ISO_TIME), audit: true, event: 'rotate' };
    expect(records()).toStrictEqual([
      {
        ...base,
        outcome: 'success',
        object: { namespace: strict.metadata.namespace, name: strict.metadata.name },
        fingerprint: KEY_FP,
        newFingerprint: NEW_FP,
        status: 200,
        request,
        msg: 'audit',
      },
      {
        ...base,
        outcome: 'failure',
        object: { namespace: strict.metadata.namespace, name: 'other' },
        status: 500,
        request,
        error: expect.stringMatching(/^error decrypting secret\. no key could decrypt secret/),
        msg: 'audit',
      },
    ]);
    for (const line of out) expectLineShape(line);
    // The answer holds new ciphertext: none of it reaches the log either.
    const answer = JSON.parse(ok.body) as SealedSecret;
    for (const value of Object.values(answer.spec.encryptedData))
      expect(out.join('')).not.toContain(value.slice(0, 40));
    for (const material of secretMaterial()) expect(out.join(''), material).not.toContain(material);
  });

  it('identity and impersonation headers are logged as sent (claims), the others are not', async () => {
    const { audit, records } = auditSink();
    const { app } = testServer({ audit, rateLimitBurst: 100 });
    await app.inject({
      ...post('/v1/verify', strict, {
        'X-Remote-User': 'alice',
        'X-Remote-Group': 'dev',
        'X-Remote-Extra-Scopes': 'read',
        'Impersonate-User': 'bob',
        authorization: 'Bearer s3cr3t-token',
        cookie: 'session=abc',
        'x-forwarded-user': 'mallory',
      }),
      remoteAddress: '10.0.0.5',
    });
    const request = records()[0]?.['request'];
    expect(request).toStrictEqual({
      method: 'POST',
      path: '/v1/verify',
      remoteAddress: '10.0.0.5',
      forwardedFor: [],
      userAgent: 'lightMyRequest',
      identityHeaders: {
        'x-remote-user': ['alice'],
        'x-remote-group': ['dev'],
        'x-remote-extra-scopes': ['read'],
        'impersonate-user': ['bob'],
      },
    });
    expect(JSON.stringify(records())).not.toMatch(/s3cr3t|session=abc|mallory/);
  });

  it('hostile headers: a long X-Forwarded-For, many identity headers, a huge user agent stay bounded', async () => {
    const { audit, out, records } = auditSink();
    const { app } = testServer({ audit, rateLimitBurst: 100 });
    const headers: Record<string, string> = {
      'x-forwarded-for': Array.from({ length: 2_000 }, (_, i) => `198.51.${i >> 8}.${i & 255}`).join(','),
      'user-agent': 'u'.repeat(12_000),
      'x-forwarded-uri': '/'.repeat(12_000),
    };
    for (let i = 0; i < 40; i++) headers[`x-remote-extra-k${i}`] = 'v'.repeat(300);
    await app.inject({ ...post('/v1/verify', strict, headers), remoteAddress: '10.0.0.5' });
    const request = records()[0]?.['request'] as {
      forwardedFor: string[];
      userAgent: string;
      identityHeaders: Record<string, string[]>;
    };
    expect(request.forwardedFor).toHaveLength(FORWARDED_FOR_ELEMENTS);
    expect(request.forwardedFor.at(-1)).toBe('198.51.7.207');
    expect(Buffer.byteLength(request.userAgent)).toBeLessThanOrEqual(256);
    expect(Object.keys(request.identityHeaders)).toHaveLength(16);
    expect(Buffer.byteLength(out[0] ?? '')).toBeLessThan(8 * 1024);
  });
});

describe('audit line: key (generated and loaded)', () => {
  const NS = 'ctrl';
  const HOUR = 3_600_000;

  const keySecret = (name: string): Secret =>
    testKeySecret(
      name,
      NS,
      new Date(Date.UTC(2026, 4, 1)),
      { [LABEL_SEALED_SECRETS_KEY]: 'active' },
      '2026-05-01T00:00:00Z',
    );

  function setup() {
    const gateway = new FakeGateway();
    const clock = new ManualClock(Date.UTC(2026, 5, 1));
    const sink = auditSink();
    const store = new KeyStore({
      gateway,
      namespace: NS,
      keyPrefix: 'sealed-secrets-key',
      keySize: 1024,
      keyTtlMs: 10 * HOUR,
      myCn: '',
      renewPeriodMs: 10 * HOUR,
      cutoffTime: undefined,
      orderBy: 'CertNotBefore',
      privateKeyLabels: {},
      privateKeyAnnotations: {},
      clock,
      log: pino({ level: 'silent' }) as Logger,
      audit: (event) => sink.audit.key(event),
    });
    return { gateway, clock, store, ...sink };
  }

  const base = { level: 30, time: expect.stringMatching(ISO_TIME), audit: true, event: 'key' };
  const fingerprint = expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/);

  it('generated: the first key, a renewal, SIGUSR1; a failed generation with its error', async () => {
    const { gateway, clock, store, out, records } = setup();
    await store.load();
    await store.start();
    clock.advance(10 * HOUR);
    await vi.waitFor(() => expect(out).toHaveLength(2));
    await store.generateKey('signal');
    gateway.failures.set('createSecret', new KubeError('Forbidden', 'secrets is forbidden: no create'));
    await expect(store.generateKey('signal')).rejects.toThrow('forbidden');
    await vi.waitFor(() => expect(out).toHaveLength(4));
    store.stop();
    const names = [...gateway.objects.values()].map((o) => o.metadata.name);
    expect(records()).toStrictEqual([
      ...(['initial', 'renewal', 'signal'] as const).map((trigger, i) => ({
        ...base,
        outcome: 'success',
        action: 'generated',
        trigger,
        object: { namespace: NS, name: names[i] },
        fingerprint,
        msg: 'audit',
      })),
      {
        ...base,
        outcome: 'failure',
        action: 'generated',
        trigger: 'signal',
        object: { namespace: NS, name: '' },
        error: 'secrets is forbidden: no create',
        msg: 'audit',
      },
    ]);
    expect(new Set(records().map((r) => r['fingerprint'])).size).toBe(4); // three keys and "absent"
    for (const line of out) expectLineShape(line);
    expect(out.join('')).not.toMatch(/PRIVATE KEY|BEGIN CERTIFICATE/);
  });

  it('a key this process generates is reported once, as generated, even when the watch delivers it first', async () => {
    const { gateway, store, records } = setup();
    const create = gateway.createSecret.bind(gateway);
    gateway.createSecret = async (secret) => {
      const created = await create(secret);
      store.addSecret(created); // the key watch's ADDED event, before the create call returned
      return created;
    };
    await store.generateKey('signal');
    await vi.waitFor(() => expect(records()).toHaveLength(1));
    expect(records()[0]).toMatchObject({ action: 'generated', trigger: 'signal' });
    store.addSecret(keySecret('k2'));
    expect(records().map((r) => [r['action'], r['trigger']])).toEqual([
      ['generated', 'signal'],
      ['loaded', 'watch'],
    ]);
  });

  it('loaded: at start-up and from the key watch, once per new key; an unusable Secret as a failure', async () => {
    const { gateway, store, out, records } = setup();
    gateway.put('secrets', keySecret('k1'));
    await store.load();
    const k2 = keySecret('k2');
    store.addSecret(k2);
    store.addSecret(k2); // the watch's repeat of a known key: no second line
    store.addSecret({ ...keySecret('broken'), data: { 'tls.crt': '' } });
    expect(records()).toStrictEqual([
      {
        ...base,
        outcome: 'success',
        action: 'loaded',
        trigger: 'startup',
        object: { namespace: NS, name: 'k1' },
        fingerprint,
        msg: 'audit',
      },
      {
        ...base,
        outcome: 'success',
        action: 'loaded',
        trigger: 'watch',
        object: { namespace: NS, name: 'k2' },
        fingerprint,
        msg: 'audit',
      },
      {
        ...base,
        outcome: 'failure',
        action: 'loaded',
        trigger: 'watch',
        object: { namespace: NS, name: 'broken' },
        error: expect.stringContaining("must contain a 'tls.key' key"),
        msg: 'audit',
      },
    ]);
    for (const line of out) expectLineShape(line);
    expect(out.join('')).not.toContain('PRIVATE KEY');
  });
});

describe('the audit logger', () => {
  it('writes JSON at info even with --log-format text and --log-level ERROR; to stdout or, without --log-info-stdout, stderr', () => {
    for (const infoToStdout of [true, false]) {
      const out: string[] = [];
      const err: string[] = [];
      const stdout = { write: (l: string) => out.push(l) };
      const stderr = { write: (l: string) => err.push(l) };
      const log = createLogger({ level: 'ERROR', format: 'text', infoToStdout, stdout, stderr });
      const audit = new AuditLog({
        log: createAuditLogger({ infoToStdout, stdout, stderr }),
        keyOf: () => undefined,
        sealingKey: () => undefined,
      });
      log.info('hidden by --log-level');
      audit.key({
        action: 'generated',
        trigger: 'signal',
        namespace: 'ns',
        secretName: 'k',
        fingerprint: 'f',
      });
      const lines = infoToStdout ? out : err;
      expect(infoToStdout ? err : out).toEqual([]);
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? '')).toMatchObject({
        level: 30,
        audit: true,
        event: 'key',
        msg: 'audit',
      });
    }
  });
});
