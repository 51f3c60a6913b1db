import {
  MESSAGE_LIMIT_BYTES,
  ownerReference,
  SealedSecretsError,
  templateTimeBudgetError,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import { KubeError } from '@ssts/kube';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import { PoolUnsealError } from '../crypto/decrypt-pool.js';
import { EventQueue } from '../kube/event-queue.js';
import { EventRecorder } from '../kube/event-recorder.js';
import type { Logger } from '../log.js';
import { ControllerMetrics } from '../metrics.js';
import type { SyncResult } from './decide.js';
import { reconcile, type CachedSecretState, type ReconcileDeps } from './reconcile.js';

// The decisions are table-tested in decide.test.ts; these tests carry whole passes out against the in-memory API
// server: which calls are made, in which order, and what the fallbacks do.

const NS = 'ns';
const NAME = 'mysecret';
const KEY = `${NS}/${NAME}`;
const silent = pino({ level: 'silent' }) as Logger;

let gateway: FakeGateway;
let clock: ManualClock;
let metrics: ControllerMetrics;
let unsealResult: (ss: SealedSecret) => Secret;
let events: EventQueue;
/** What the Secret informer would say; default: the fake API server's truth. */
let cacheView: (namespace: string, name: string) => CachedSecretState;

function ssObject(spec: SealedSecret['spec'] = { encryptedData: { foo: 'AgA=' } }): SealedSecret {
  return { metadata: { name: NAME, namespace: NS, labels: { 'app.kubernetes.io/instance': 'inst' } }, spec };
}

function okUnseal(ss: SealedSecret): Secret {
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: { name: NAME, namespace: NS, labels: { app: 'x' }, ownerReferences: [ownerReference(ss)] },
    data: { foo: 'YmFy' },
  };
}

function deps(overrides: Partial<ReconcileDeps> = {}): ReconcileDeps {
  return {
    gateway,
    getCached: (namespace, name) => gateway.get('sealedsecrets', namespace, name),
    cachedSecret: (namespace, name) => cacheView(namespace, name),
    unseal: (ss) => Promise.resolve().then(() => ({ secret: unsealResult(ss) })),
    events,
    clock,
    log: silent,
    metrics,
    updateStatus: true,
    oldGcBehavior: false,
    ...overrides,
  };
}

/** One whole pass: the outcome once its tail (status write) and the queued events are done. */
async function pass(overrides: Partial<ReconcileDeps> = {}) {
  const { tail, ...outcome } = await reconcile(KEY, deps(overrides));
  await tail;
  await events.flush();
  return outcome;
}

async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values =
    (metric as { values?: { value: number; labels: Record<string, string> }[] } | undefined)?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

const writes = () => gateway.calls.filter((c) => !/^(getSealedSecret|list|watch)/.test(c));
/** The Secret step's calls in order, then the event and the status write, which run concurrently. */
const calls = (secretStep: number) => {
  const all = writes();
  return [...all.slice(0, secretStep), ...all.slice(secretStep).sort()];
};

beforeEach(() => {
  gateway = new FakeGateway();
  clock = new ManualClock(Date.UTC(2026, 3, 22, 10));
  metrics = new ControllerMetrics('test', { defaultMetrics: false });
  unsealResult = okUnseal;
  events = new EventQueue({ send: (e) => recorder.record(e), log: silent });
  const recorder = new EventRecorder({ gateway, clock });
  cacheView = (namespace, name) =>
    gateway.get('secrets', namespace, name) === undefined ? 'absent' : 'present';
});

describe('reconcile: observe → decide → apply', () => {
  it('a new object costs three calls: create (no GET: the cache says absent), the event, the status', async () => {
    const ss = gateway.put('sealedsecrets', ssObject());
    const audited: SyncResult[] = [];
    expect(await pass({ audit: (_ss, result) => audited.push(result) })).toEqual({ kind: 'done' });
    expect(calls(1)).toEqual([
      'createSecret ns/mysecret',
      'createEvent Unsealed',
      'updateSealedSecretStatus ns/mysecret',
    ]);
    const secret = gateway.get('secrets', NS, NAME);
    expect(secret?.data).toEqual({ foo: 'YmFy' });
    expect(secret?.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        name: NAME,
        uid: ss.metadata.uid,
        controller: true,
      },
    ]);
    expect(gateway.events[0]).toMatchObject({
      type: 'Normal',
      reason: 'Unsealed',
      message: 'SealedSecret unsealed successfully',
      sourceComponent: 'sealed-secrets',
      involvedObject: {
        kind: 'SealedSecret',
        apiVersion: 'bitnami.com/v1alpha1',
        name: NAME,
        namespace: NS,
        uid: ss.metadata.uid,
      },
    });
    expect(gateway.get('sealedsecrets', NS, NAME)?.status).toEqual({
      observedGeneration: 1,
      conditions: [
        {
          type: 'Synced',
          status: 'True',
          lastUpdateTime: '2026-04-22T10:00:00Z',
          lastTransitionTime: '2026-04-22T10:00:00Z',
        },
      ],
    });
    // The status write names the object it was computed from: uid and resourceVersion are its preconditions.
    expect(gateway.statusWrites[0]?.target).toEqual({
      namespace: NS,
      name: NAME,
      uid: ss.metadata.uid,
      resourceVersion: ss.metadata.resourceVersion,
    });
    expect(audited).toEqual([{ ok: true, secret: 'created' }]);
    expect(await metricValue('sealed_secrets_controller_unseal_requests_total')).toBe(1);
    expect(
      await metricValue('sealed_secrets_controller_condition_info', {
        name: NAME,
        ss_app_kubernetes_io_instance: 'inst',
      }),
    ).toBe(1);
  });

  it('SealedSecret TypeMeta missing from the cache: defaulted for the event, the cached object untouched', async () => {
    gateway.put('sealedsecrets', { ...ssObject(), apiVersion: '', kind: '' } as SealedSecret);
    const cached = gateway.get('sealedsecrets', NS, NAME) as SealedSecret;
    await pass({ getCached: () => cached });
    expect(gateway.events[0]?.involvedObject).toMatchObject({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
    });
    expect([cached.apiVersion, cached.kind, cached.status]).toEqual(['', '', undefined]);
  });

  it('the cache lagged (says absent, the Secret exists): AlreadyExists → GET → decide again, here a refusal', async () => {
    gateway.put('sealedsecrets', ssObject());
    gateway.put('secrets', { metadata: { name: NAME, namespace: NS }, data: { mine: 'eA==' } });
    cacheView = () => 'absent';
    const outcome = await pass();
    expect(outcome).toEqual({
      kind: 'retry',
      error: 'failed update: Resource "mysecret" already exists and is not managed by SealedSecret',
    });
    expect(calls(2)).toEqual([
      'createSecret ns/mysecret',
      'getSecret ns/mysecret',
      'createEvent ErrUpdateFailed',
      'updateSealedSecretStatus ns/mysecret',
    ]);
    expect(gateway.get('secrets', NS, NAME)?.data).toEqual({ mine: 'eA==' });
    expect(await metricValue('sealed_secrets_controller_unseal_errors_total', { reason: 'unmanaged' })).toBe(
      1,
    );
  });

  it('the cache lagged on an owned Secret: the second decision updates it', async () => {
    const ss = gateway.put('sealedsecrets', ssObject());
    gateway.put('secrets', { ...okUnseal(ss), data: { foo: 'b2xk' } });
    cacheView = () => 'absent';
    expect(await pass()).toEqual({ kind: 'done' });
    expect(writes().slice(0, 3)).toEqual([
      'createSecret ns/mysecret',
      'getSecret ns/mysecret',
      'updateSecret ns/mysecret',
    ]);
    expect(gateway.get('secrets', NS, NAME)?.data).toEqual({ foo: 'YmFy' });
  });

  it('a Secret in the cache is fetched (the cache keeps no data); unchanged → nothing written, Unsealed aggregated', async () => {
    gateway.put('sealedsecrets', ssObject());
    await pass();
    gateway.calls.length = 0;
    clock.advance(60_000);
    expect(await pass()).toEqual({ kind: 'done' });
    expect(writes()).toEqual(['getSecret ns/mysecret', 'patchEvent mysecret.00003']);
    expect(gateway.events.map((e) => [e.reason, e.count])).toEqual([['Unsealed', 2]]);
  });

  it('without a cache that can tell (--skip-recreate, a label selector): GET first, as upstream', async () => {
    gateway.put('sealedsecrets', ssObject());
    cacheView = () => 'unknown';
    await pass();
    expect(writes().slice(0, 2)).toEqual(['getSecret ns/mysecret', 'createSecret ns/mysecret']);
  });

  it('an unseal failure writes no Secret and looks at none: ErrUnsealFailed, Synced=False', async () => {
    gateway.put('sealedsecrets', ssObject());
    unsealResult = () => {
      throw new SealedSecretsError('UNSEAL_FAILED', 'no key could decrypt secret (foo)');
    };
    expect(await pass()).toEqual({ kind: 'retry', error: 'no key could decrypt secret (foo)' });
    expect(calls(0)).toEqual(['createEvent ErrUnsealFailed', 'updateSealedSecretStatus ns/mysecret']);
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]).toMatchObject({
      status: 'False',
      message: 'no key could decrypt secret (foo)',
    });
    expect(
      await metricValue('sealed_secrets_controller_unseal_errors_total', { reason: 'unseal', namespace: NS }),
    ).toBe(1);
    expect(await metricValue('sealed_secrets_controller_condition_info', { name: NAME })).toBe(-1);
  });

  it('caps the status and event messages of a huge key name or template error (issue 9 item 5)', async () => {
    gateway.put('sealedsecrets', ssObject());
    const huge = `template: ${'t'.repeat(500_000)}:1: function "x" not defined\nno key could decrypt secret (${'k'.repeat(300_000)})`;
    unsealResult = () => {
      throw new SealedSecretsError('UNSEAL_FAILED', huge);
    };
    await pass();
    const status = gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]?.message ?? '';
    expect(Buffer.byteLength(status)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES);
    expect(status).toMatch(/^template: t+\.\.\. \[\d+ more bytes\]$/);
    const event = gateway.events[0]?.message ?? '';
    expect(Buffer.byteLength(event)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES);
    expect(event.startsWith('Failed to unseal: template: ttt')).toBe(true);
  });

  it('a template time-budget overrun (engine or watchdog) is an unseal failure: Synced=False naming the limit', async () => {
    gateway.put('sealedsecrets', ssObject());
    unsealResult = () => {
      throw templateTimeBudgetError(2000, 'settings');
    };
    const message = 'template rendering exceeded its time budget of 2s (settings)';
    expect(await pass()).toEqual({ kind: 'retry', error: message });
    expect(gateway.events[0]).toMatchObject({
      reason: 'ErrUnsealFailed',
      message: `Failed to unseal: ${message}`,
    });
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]).toMatchObject({
      status: 'False',
      message,
    });
  });

  it('a refused create is decided again and reported: ErrUpdateFailed with the raw text, Synced=False', async () => {
    gateway.put('sealedsecrets', ssObject());
    gateway.failures.set('createSecret', new KubeError('Forbidden', 'secrets "mysecret" is forbidden'));
    expect(await pass()).toEqual({ kind: 'retry', error: 'secrets "mysecret" is forbidden' });
    expect(gateway.events[0]).toMatchObject({
      reason: 'ErrUpdateFailed',
      message: 'secrets "mysecret" is forbidden',
    });
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]).toMatchObject({
      status: 'False',
      message: 'secrets "mysecret" is forbidden',
    });
  });

  it('an immutable target Secret is terminal, with the friendly event and the field and reason in the status', async () => {
    gateway.put('sealedsecrets', ssObject());
    await pass();
    gateway.put('secrets', { ...(gateway.get('secrets', NS, NAME) as Secret), immutable: true });
    unsealResult = (ss) => ({ ...okUnseal(ss), data: { foo: 'bmV3' } });
    const outcome = await pass();
    expect(outcome.kind).toBe('terminal');
    expect(gateway.events.at(-1)?.message).toContain('the target Secret is immutable');
    // The API server's own text is withheld (secret-write-error.ts); what it said stays: status, reason, field.
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]?.message).toBe(
      `cannot update Secret "${NAME}": the API server answered 422 Invalid (data: FieldValueForbidden); ` +
        "its message is withheld, as it can quote the Secret's values",
    );
  });

  it('the status is written only after the Secret write it reports, in the tail, without holding the pass', async () => {
    gateway.put('sealedsecrets', ssObject());
    let release = (): void => undefined;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const write = gateway.updateSealedSecretStatus.bind(gateway);
    gateway.updateSealedSecretStatus = async (target, status) => {
      await blocked;
      return write(target, status);
    };
    const { tail, ...outcome } = await reconcile(KEY, deps());
    expect(outcome).toEqual({ kind: 'done' });
    expect(gateway.get('secrets', NS, NAME)).toBeDefined();
    expect(gateway.get('sealedsecrets', NS, NAME)?.status).toBeUndefined();
    release();
    await tail;
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]?.status).toBe('True');
  });

  it('a failed status write is counted and retried by the next pass (the cache is never mutated)', async () => {
    gateway.put('sealedsecrets', ssObject());
    gateway.failures.set('updateSealedSecretStatus', new KubeError('ServerError', 'etcd down'));
    await pass();
    expect(gateway.get('sealedsecrets', NS, NAME)?.status).toBeUndefined();
    expect(await metricValue('sealed_secrets_controller_unseal_errors_total', { reason: 'status' })).toBe(1);
    await pass();
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]?.status).toBe('True');
  });

  it('retries a status write once on a conflict, decided again on the fresh object', async () => {
    gateway.put('sealedsecrets', ssObject());
    const stale = gateway.get('sealedsecrets', NS, NAME);
    gateway.put('sealedsecrets', {
      ...ssObject(),
      metadata: { ...ssObject().metadata, annotations: { touched: 'yes' } },
    });
    await pass({ getCached: () => stale });
    const fresh = gateway.get('sealedsecrets', NS, NAME);
    expect(fresh?.status?.conditions?.[0]?.status).toBe('True');
    expect(fresh?.metadata.annotations).toEqual({ touched: 'yes' });
    expect(gateway.statusWrites).toHaveLength(2);
  });

  it('never writes status with --update-status=false', async () => {
    gateway.put('sealedsecrets', ssObject());
    await pass({ updateStatus: false });
    expect(gateway.get('sealedsecrets', NS, NAME)?.status).toBeUndefined();
    expect(gateway.get('secrets', NS, NAME)).toBeDefined();
  });

  it('a deleted SealedSecret: nothing by default, Secret deleted with --old-gc-behavior, a failed delete retried', async () => {
    gateway.put('secrets', { metadata: { name: NAME, namespace: NS } });
    expect(await pass()).toEqual({ kind: 'done' });
    expect(gateway.get('secrets', NS, NAME)).toBeDefined();
    expect(gateway.events).toEqual([]);
    gateway.failures.set('deleteSecret', new KubeError('ServerError', 'etcd down'));
    expect(await pass({ oldGcBehavior: true })).toEqual({ kind: 'retry', error: 'etcd down' });
    expect(await pass({ oldGcBehavior: true })).toEqual({ kind: 'done' });
    expect(gateway.get('secrets', NS, NAME)).toBeUndefined();
    expect(await pass({ oldGcBehavior: true })).toEqual({ kind: 'done' });
  });

  it('a failed GET becomes ErrUpdateFailed with the raw text', async () => {
    gateway.put('sealedsecrets', ssObject());
    cacheView = () => 'present';
    gateway.failures.set('getSecret', new KubeError('Forbidden', 'secrets "mysecret" is forbidden'));
    expect(await pass()).toEqual({ kind: 'retry', error: 'secrets "mysecret" is forbidden' });
    expect(gateway.events[0]).toMatchObject({
      reason: 'ErrUpdateFailed',
      message: 'secrets "mysecret" is forbidden',
    });
  });
});

describe('status.decryptionKeys (ours, issue 14)', () => {
  const A = 'SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const B = 'SHA256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

  it('records which key decrypted which item beside an unchanged Synced condition, and tells the inventory', async () => {
    gateway.put('sealedsecrets', ssObject({ encryptedData: { foo: 'AgA=', bar: 'AgA=' } }));
    const recorded: unknown[] = [];
    let itemKeys: Record<string, string> = { foo: A, bar: B };
    const run = () =>
      pass({
        unseal: (ss) => Promise.resolve({ secret: okUnseal(ss), itemKeys }),
        recordKeys: (ss, keys) => recorded.push([ss.metadata.name, keys]),
      });
    await run();
    const status = gateway.get('sealedsecrets', NS, NAME)?.status;
    expect(status?.decryptionKeys).toEqual([
      { fingerprint: A, itemCount: 1, items: ['foo'] },
      { fingerprint: B, itemCount: 1, items: ['bar'] },
    ]);
    expect(status?.conditions).toEqual([
      {
        type: 'Synced',
        status: 'True',
        lastUpdateTime: '2026-04-22T10:00:00Z',
        lastTransitionTime: '2026-04-22T10:00:00Z',
      },
    ]);
    expect(recorded).toEqual([[NAME, { foo: A, bar: B }]]);

    // Same keys again: no status write. Re-encrypted to B: only decryptionKeys changes, the condition does not.
    const writes = () => gateway.calls.filter((c) => c.startsWith('updateSealedSecretStatus')).length;
    const before = writes();
    clock.advance(60_000);
    await run();
    expect(writes()).toBe(before);
    itemKeys = { foo: B, bar: B };
    clock.advance(60_000);
    await run();
    expect(writes()).toBe(before + 1);
    const after = gateway.get('sealedsecrets', NS, NAME)?.status;
    expect(after?.decryptionKeys).toEqual([{ fingerprint: B, itemCount: 2, items: ['bar', 'foo'] }]);
    expect(after?.conditions?.[0]?.lastUpdateTime).toBe('2026-04-22T10:00:00Z');
  });

  it('an unseal failure keeps the keys of the items that did decrypt, and its cause lines in the condition', async () => {
    gateway.put('sealedsecrets', ssObject({ encryptedData: { good: 'AgA=', bad: 'AgA=' } }));
    const failure = new PoolUnsealError(
      'no key could decrypt secret (bad)',
      [
        {
          key: 'bad',
          source: 'encryptedData',
          code: 'DECRYPT_FAILED',
          message: 'no key could decrypt secret',
        },
      ],
      undefined,
      {
        itemKeys: { good: A },
        findings: [{ code: 'SEALED_ELSEWHERE', text: 'sealed for prod/db, found at ns/mysecret' }],
      },
    );
    await pass({ unseal: () => Promise.reject(failure) });
    const status = gateway.get('sealedsecrets', NS, NAME)?.status;
    expect(status?.decryptionKeys).toEqual([{ fingerprint: A, itemCount: 1, items: ['good'] }]);
    expect(status?.conditions?.[0]).toMatchObject({
      status: 'False',
      message: 'no key could decrypt secret (bad)\ncause: sealed for prod/db, found at ns/mysecret',
    });
  });

  it('without item keys (an unseal that says nothing about keys) the field is left as it is', async () => {
    gateway.put('sealedsecrets', {
      ...ssObject(),
      status: { decryptionKeys: [{ fingerprint: A, itemCount: 1 }] },
    });
    await pass();
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.decryptionKeys).toEqual([
      { fingerprint: A, itemCount: 1 },
    ]);
  });
});
