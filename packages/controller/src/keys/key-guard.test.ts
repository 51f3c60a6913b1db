import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import {
  createSelfSignedCertificate,
  LABEL_SEALED_SECRETS_KEY,
  privateKeyToPkcs1Pem,
  type Secret,
} from '@ssts/core';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import type { Leadership } from '../leader/elector.js';
import { leaderOnlyGateway } from '../leader/write-gate.js';
import type { Logger } from '../log.js';
import {
  coreKeyMaterial,
  KeyStore,
  type KeyEvent,
  type KeyMaterial,
  type KeyStoreOptions,
} from './key-store.js';
import { successorKeyName } from './successor-name.js';

// Key creation with leader election (README "Several replicas"): one key per renewal even when two replicas
// both believe they lead. Each test shares one FakeGateway (the API server) between two KeyStores (replicas).

const NS = 'ctrl';
const PREFIX = 'sealed-secrets-key';
const HOUR = 3_600_000;
const ACTIVE = { [LABEL_SEALED_SECRETS_KEY]: 'active' };

function logger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream) as Logger, lines };
}

function keySecret(name: string, notBefore: Date): Secret {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const cert = createSelfSignedCertificate({
    privateKey,
    publicKey,
    notBefore,
    validityMs: 1000 * HOUR,
    serial: new Uint8Array(16).fill(2),
  });
  return {
    metadata: { name, namespace: NS, labels: ACTIVE, creationTimestamp: notBefore.toISOString() },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(cert).toString('base64'),
      'tls.key': Buffer.from(privateKeyToPkcs1Pem(privateKey)).toString('base64'),
    },
  };
}

/** Holds every key generation until `n` replicas are generating, so both have listed before either creates. */
function barrier(n: number): KeyMaterial & { waiting: number } {
  const waiters: (() => void)[] = [];
  const material = {
    waiting: 0,
    async generate(options: Parameters<KeyMaterial['generate']>[0]) {
      material.waiting++;
      if (material.waiting % n === 0) for (const go of waiters.splice(0)) go();
      else await new Promise<void>((resolve) => waiters.push(resolve));
      return coreKeyMaterial.generate(options);
    },
    readSecret: coreKeyMaterial.readSecret,
  };
  return material;
}

function cluster(start = Date.UTC(2026, 5, 1)) {
  const gateway = new FakeGateway();
  const clock = new ManualClock(start);
  const replica = (leadership: Leadership, overrides: Partial<KeyStoreOptions> = {}) => {
    const { log, lines } = logger();
    const store = new KeyStore({
      gateway: leaderOnlyGateway(gateway, leadership),
      namespace: NS,
      keyPrefix: PREFIX,
      keySize: 1024,
      keyTtlMs: 1000 * HOUR,
      myCn: '',
      renewPeriodMs: 10 * HOUR,
      cutoffTime: undefined,
      orderBy: 'CertNotBefore',
      privateKeyLabels: {},
      privateKeyAnnotations: {},
      clock,
      log,
      leadership,
      ...overrides,
    });
    return { store, lines };
  };
  const keys = () =>
    [...gateway.objects.values()].filter((o) => o.metadata.labels?.[LABEL_SEALED_SECRETS_KEY] === 'active');
  return { gateway, clock, replica, keys };
}

const leader: Leadership = { isLeader: () => true };
const follower: Leadership = { isLeader: () => false };

describe('successorKeyName', () => {
  it("looks like generateName's output and depends only on the predecessor", () => {
    const first = successorKeyName(PREFIX, undefined);
    expect(first).toMatch(/^sealed-secrets-key[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(successorKeyName(PREFIX, undefined)).toBe(first);
    expect(successorKeyName(PREFIX, 'abc')).not.toBe(first);
    expect(successorKeyName('x-', 'abc')).toBe(`x-${successorKeyName(PREFIX, 'abc').slice(PREFIX.length)}`);
  });
});

describe('KeyStore with leader election', () => {
  it('two replicas that both believe they lead create the first key once; both load it', async () => {
    const c = cluster();
    const material = barrier(2);
    const a = c.replica(leader, { material });
    const b = c.replica(leader, { material });
    const stop = new AbortController();
    await Promise.all([a.store.ensureKeys(stop.signal), b.store.ensureKeys(stop.signal)]);
    expect(c.keys().map((k) => k.metadata.name)).toEqual([successorKeyName(PREFIX, undefined)]);
    expect(a.store.current().latest()?.fingerprint).toBe(b.store.current().latest()?.fingerprint);
    expect([...a.lines, ...b.lines].join('')).toContain('Another replica created this key first');
  });

  it('a forced renewal racing on two replicas (cutoff at their start) adds one key', async () => {
    const c = cluster();
    c.gateway.put('secrets', keySecret('sealed-secrets-keyold01', new Date(c.clock.now() - HOUR)));
    const material = barrier(2);
    const cutoffTime = new Date(c.clock.now() - 60_000);
    const a = c.replica(leader, { material, cutoffTime });
    const b = c.replica(leader, { material, cutoffTime });
    await Promise.all([a.store.load(), b.store.load()]);
    const stop = new AbortController();
    await Promise.all([a.store.ensureKeys(stop.signal), b.store.ensureKeys(stop.signal)]);
    expect(c.keys()).toHaveLength(2);
    expect(material.waiting).toBe(2);
    // The next leader start of either replica finds the new key newer than the cutoff: nothing more.
    c.clock.advance(1_000);
    await a.store.ensureKeys(stop.signal);
    expect(c.keys()).toHaveLength(2);
  });

  it('scheduled renewals racing on two replicas add one key per period, three periods in a row', async () => {
    const c = cluster();
    c.gateway.put('secrets', keySecret('sealed-secrets-keyold01', new Date(c.clock.now() - 9 * HOUR)));
    const material = barrier(2);
    const a = c.replica(leader, { material });
    const b = c.replica(leader, { material });
    await Promise.all([a.store.load(), b.store.load()]);
    const stop = new AbortController();
    a.store.scheduleRenewals(stop.signal);
    b.store.scheduleRenewals(stop.signal);
    for (let period = 1; period <= 3; period++) {
      c.clock.advance(period === 1 ? HOUR : 10 * HOUR);
      await vi.waitFor(() => expect(c.keys()).toHaveLength(1 + period));
      await vi.waitFor(() =>
        expect(a.store.current().latest()?.fingerprint).toBe(b.store.current().latest()?.fingerprint),
      );
      // Both replicas generated (and raced); the API server's AlreadyExists let one of them in.
      expect(material.waiting).toBe(2 * period);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(c.keys()).toHaveLength(4);
    stop.abort();
    expect(c.clock.pending).toBe(0);
  });

  it('a replica whose watch lags reads the keys again before renewing and makes none', async () => {
    const c = cluster();
    c.gateway.put('secrets', keySecret('sealed-secrets-keyold01', new Date(c.clock.now() - 10 * HOUR)));
    const stale = c.replica(leader);
    await stale.store.load();
    // Another replica renewed a minute ago; this one has not seen it (no watch here).
    c.gateway.put('secrets', keySecret('sealed-secrets-keynew01', new Date(c.clock.now() - 60_000)));
    const stop = new AbortController();
    stale.store.scheduleRenewals(stop.signal);
    c.clock.advance(1);
    await vi.waitFor(() => expect(stale.store.current().size).toBe(2));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(c.keys()).toHaveLength(2);
    stop.abort();
  });

  it('a follower never creates a key, even when one is due, and SIGUSR1 on it does nothing', async () => {
    const c = cluster();
    const f = c.replica(follower);
    const stop = new AbortController();
    const ensuring = f.store.ensureKeys(stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(c.keys()).toHaveLength(0);
    stop.abort();
    await ensuring;
    expect(await f.store.requestKey()).toBeUndefined();
    expect(c.keys()).toHaveLength(0);
  });

  it('SIGUSR1 on the leader adds the successor of the latest key; twice adds two', async () => {
    const c = cluster();
    const a = c.replica(leader);
    const stop = new AbortController();
    await a.store.ensureKeys(stop.signal);
    const first = a.store.current().latest();
    c.clock.advance(1_000);
    const second = await a.store.requestKey();
    expect(second?.secretName).toBe(successorKeyName(PREFIX, first?.fingerprint));
    c.clock.advance(1_000);
    await a.store.requestKey();
    expect(c.keys()).toHaveLength(3);
  });

  it('falls back to a random name when the successor name is taken by a Secret that is not that key', async () => {
    const c = cluster();
    c.gateway.put('secrets', {
      metadata: { name: successorKeyName(PREFIX, undefined), namespace: NS, labels: { app: 'other' } },
      data: { x: 'eA==' },
    });
    const a = c.replica(leader);
    const stop = new AbortController();
    await a.store.ensureKeys(stop.signal);
    const [created] = c.keys();
    expect(created?.metadata.name).toMatch(/^sealed-secrets-keyx*\d+$/); // the fake's generateName
    expect(a.store.current().size).toBe(1);
    expect(a.lines.join('')).toContain('successor key name is taken');
  });

  it('keeps retrying the first key while leading (no start-up abort), and stops when the term ends', async () => {
    const c = cluster();
    c.gateway.persistentFailures.set('createSecret', new Error('secrets is forbidden'));
    const a = c.replica(leader);
    const stop = new AbortController();
    const ensuring = a.store.ensureKeys(stop.signal);
    await vi.waitFor(() =>
      expect(c.gateway.calls.filter((x) => x.startsWith('createSecret'))).toHaveLength(1),
    );
    c.clock.advance(1_000);
    await vi.waitFor(() =>
      expect(c.gateway.calls.filter((x) => x.startsWith('createSecret'))).toHaveLength(2),
    );
    c.gateway.persistentFailures.clear();
    c.clock.advance(2_000);
    await ensuring;
    expect(c.keys()).toHaveLength(1);
  });

  it('audits each key with its trigger; the replica that lost the name race reports a loaded key, no failure', async () => {
    const c = cluster();
    const material = barrier(2);
    const events: { a: KeyEvent[]; b: KeyEvent[] } = { a: [], b: [] };
    const a = c.replica(leader, { material, audit: (e) => events.a.push(e) });
    const b = c.replica(leader, { material, audit: (e) => events.b.push(e) });
    const stop = new AbortController();
    await Promise.all([a.store.ensureKeys(stop.signal), b.store.ensureKeys(stop.signal)]);
    const all = [...events.a, ...events.b];
    const name = successorKeyName(PREFIX, undefined);
    expect(all.filter((e) => e.action === 'generated')).toEqual([
      expect.objectContaining({ trigger: 'initial', secretName: name, fingerprint: expect.any(String) }),
    ]);
    expect(all.filter((e) => e.action === 'loaded')).toEqual([
      expect.objectContaining({ trigger: 'watch', secretName: name }),
    ]);
    expect(all.some((e) => e.error !== undefined)).toBe(false);
    // SIGUSR1 on a leader (a replica without the race barrier).
    const signalled: KeyEvent[] = [];
    const d = c.replica(leader, { audit: (e) => signalled.push(e) });
    c.clock.advance(1_000);
    const entry = await d.store.requestKey();
    expect(signalled.filter((e) => e.action === 'generated')).toEqual([
      expect.objectContaining({ trigger: 'signal', fingerprint: entry?.fingerprint }),
    ]);
  });
});
