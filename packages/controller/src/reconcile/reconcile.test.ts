import {
  MESSAGE_LIMIT_BYTES,
  ownerReference,
  SealedSecretsError,
  templateTimeBudgetError,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import { EventRecorder } from '../kube/event-recorder.js';
import { KubeError } from '@ssts/kube';
import type { Logger } from '../log.js';
import { ControllerMetrics } from '../metrics.js';
import { PoolUnsealError } from '../crypto/decrypt-pool.js';
import { reconcile, type ReconcileDeps } from './reconcile.js';

const NS = 'ns';
const NAME = 'mysecret';
const KEY = `${NS}/${NAME}`;

let gateway: FakeGateway;
let clock: ManualClock;
let metrics: ControllerMetrics;
let unsealResult: (ss: SealedSecret) => Secret;
let recorder: EventRecorder;

function ssObject(spec: SealedSecret['spec'] = { encryptedData: { foo: 'AgA=' } }): SealedSecret {
  return { metadata: { name: NAME, namespace: NS, labels: { 'app.kubernetes.io/instance': 'inst' } }, spec };
}

function okUnseal(ss: SealedSecret): Secret {
  return {
    metadata: { name: NAME, namespace: NS, labels: { app: 'x' }, ownerReferences: [ownerReference(ss)] },
    data: { foo: 'YmFy' },
  };
}

function deps(overrides: Partial<ReconcileDeps> = {}): ReconcileDeps {
  return {
    gateway,
    getCached: (namespace, name) => gateway.get('sealedsecrets', namespace, name),
    unseal: (ss) => Promise.resolve().then(() => ({ secret: unsealResult(ss) })),
    events: recorder,
    clock,
    log: pino({ level: 'silent' }) as Logger,
    metrics,
    updateStatus: true,
    oldGcBehavior: false,
    ...overrides,
  };
}

async function metricValue(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values =
    (metric as { values?: { value: number; labels: Record<string, string> }[] } | undefined)?.values ?? [];
  return values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
}

beforeEach(() => {
  gateway = new FakeGateway();
  clock = new ManualClock(Date.UTC(2026, 3, 22, 10));
  metrics = new ControllerMetrics('test', { defaultMetrics: false });
  unsealResult = okUnseal;
  recorder = new EventRecorder({ gateway, clock });
});

describe('reconcile', () => {
  it('creates the Secret, records Unsealed, writes Synced=True once', async () => {
    const ss = gateway.put('sealedsecrets', ssObject());
    expect(await reconcile(KEY, deps())).toEqual({ kind: 'done' });
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
    expect(gateway.events).toHaveLength(1);
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
    const status = gateway.get('sealedsecrets', NS, NAME)?.status;
    expect(status).toEqual({
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
    expect(gateway.calls.filter((c) => c.startsWith('updateSecret'))).toEqual([]);
    expect(await metricValue('sealed_secrets_controller_unseal_requests_total')).toBe(1);
    expect(
      await metricValue('sealed_secrets_controller_condition_info', {
        name: NAME,
        ss_app_kubernetes_io_instance: 'inst',
      }),
    ).toBe(1);
  });

  it('re-processing an unchanged object writes nothing but still records Unsealed (aggregated: count 2)', async () => {
    gateway.put('sealedsecrets', ssObject());
    await reconcile(KEY, deps());
    gateway.calls.length = 0;
    clock.advance(60_000);
    expect(await reconcile(KEY, deps())).toEqual({ kind: 'done' });
    expect(gateway.calls.filter((c) => /^(update|create)/.test(c) && !c.startsWith('createEvent'))).toEqual(
      [],
    );
    expect(gateway.events.map((e) => [e.reason, e.count])).toEqual([['Unsealed', 2]]);
    expect(gateway.events[0]?.lastTime).toEqual(new Date(Date.UTC(2026, 3, 22, 10, 1)));
    expect(gateway.calls.filter((c) => c.startsWith('patchEvent'))).toHaveLength(1);
  });

  it('updates data on a spec change; observedGeneration 2 and the two times differ', async () => {
    gateway.put('sealedsecrets', ssObject());
    await reconcile(KEY, deps());
    const current = gateway.get('sealedsecrets', NS, NAME);
    gateway.put('sealedsecrets', {
      ...ssObject({ encryptedData: { foo: 'AgB=' } }),
      status: current?.status ?? {},
    });
    unsealResult = (ss) => ({ ...okUnseal(ss), data: { foo: 'YmF6' } });
    clock.advance(5_000);
    await reconcile(KEY, deps());
    expect(gateway.get('secrets', NS, NAME)?.data).toEqual({ foo: 'YmF6' });
    const status = gateway.get('sealedsecrets', NS, NAME)?.status;
    expect(status?.observedGeneration).toBe(2);
    expect(status?.conditions?.[0]?.lastUpdateTime).toBe('2026-04-22T10:00:05Z');
    expect(status?.conditions?.[0]?.lastTransitionTime).toBe('2026-04-22T10:00:00Z');
  });

  it('an unseal failure → ErrUnsealFailed event, Synced=False with the error text, retry, metric reason unseal', async () => {
    gateway.put('sealedsecrets', ssObject());
    unsealResult = () => {
      throw new SealedSecretsError('UNSEAL_FAILED', 'no key could decrypt secret (foo)');
    };
    expect(await reconcile(KEY, deps())).toEqual({
      kind: 'retry',
      error: 'no key could decrypt secret (foo)',
    });
    expect(gateway.get('secrets', NS, NAME)).toBeUndefined();
    expect(gateway.events[0]).toMatchObject({
      type: 'Warning',
      reason: 'ErrUnsealFailed',
      message: 'Failed to unseal: no key could decrypt secret (foo)',
    });
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
    await reconcile(KEY, deps());
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
    expect(await reconcile(KEY, deps())).toEqual({ kind: 'retry', error: message });
    expect(gateway.events[0]).toMatchObject({
      reason: 'ErrUnsealFailed',
      message: `Failed to unseal: ${message}`,
    });
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]).toMatchObject({
      status: 'False',
      message,
    });
  });

  it('status: False + another error → no write; False → True writes with both times', async () => {
    gateway.put('sealedsecrets', ssObject());
    unsealResult = () => {
      throw new Error('first');
    };
    await reconcile(KEY, deps());
    const rv = gateway.get('sealedsecrets', NS, NAME)?.metadata.resourceVersion;
    unsealResult = () => {
      throw new Error('second');
    };
    clock.advance(1000);
    await reconcile(KEY, deps());
    expect(gateway.get('sealedsecrets', NS, NAME)?.metadata.resourceVersion).toBe(rv);
    unsealResult = okUnseal;
    clock.advance(1000);
    await reconcile(KEY, deps());
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]).toEqual({
      type: 'Synced',
      status: 'True',
      lastUpdateTime: '2026-04-22T10:00:02Z',
      lastTransitionTime: '2026-04-22T10:00:02Z',
    });
  });

  it('refuses an existing unmanaged Secret', async () => {
    gateway.put('sealedsecrets', ssObject());
    gateway.put('secrets', { metadata: { name: NAME, namespace: NS }, data: { mine: 'eA==' } });
    const outcome = await reconcile(KEY, deps());
    expect(outcome).toEqual({
      kind: 'retry',
      error: 'failed update: Resource "mysecret" already exists and is not managed by SealedSecret',
    });
    expect(gateway.get('secrets', NS, NAME)?.data).toEqual({ mine: 'eA==' });
    expect(gateway.events[0]).toMatchObject({
      reason: 'ErrUpdateFailed',
      message: 'Resource "mysecret" already exists and is not managed by SealedSecret',
    });
    expect(await metricValue('sealed_secrets_controller_unseal_errors_total', { reason: 'unmanaged' })).toBe(
      1,
    );
  });

  it('an immutable target Secret is terminal, with the friendly event and the raw API status message', async () => {
    gateway.put('sealedsecrets', ssObject());
    await reconcile(KEY, deps());
    const secret = gateway.get('secrets', NS, NAME);
    gateway.put('secrets', { ...(secret as Secret), immutable: true });
    unsealResult = (ss) => ({ ...okUnseal(ss), data: { foo: 'bmV3' } });
    const outcome = await reconcile(KEY, deps());
    expect(outcome.kind).toBe('terminal');
    expect(gateway.events.at(-1)?.message).toContain('the target Secret is immutable');
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]?.message).toMatch(
      /field is immutable when `immutable` is set$/,
    );
  });

  it('a failed status write is counted and retried by the next pass (cache is never mutated)', async () => {
    gateway.put('sealedsecrets', ssObject());
    gateway.failures.set('updateSealedSecretStatus', new KubeError('ServerError', 'etcd down'));
    await reconcile(KEY, deps());
    expect(gateway.get('sealedsecrets', NS, NAME)?.status).toBeUndefined();
    expect(await metricValue('sealed_secrets_controller_unseal_errors_total', { reason: 'status' })).toBe(1);
    await reconcile(KEY, deps());
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.conditions?.[0]?.status).toBe('True');
  });

  it('retries a status write once on a conflict with a fresh object', async () => {
    gateway.put('sealedsecrets', ssObject());
    const stale = gateway.get('sealedsecrets', NS, NAME);
    gateway.put('sealedsecrets', {
      ...ssObject(),
      metadata: { ...ssObject().metadata, annotations: { touched: 'yes' } },
    });
    await reconcile(KEY, deps({ getCached: () => stale }));
    const fresh = gateway.get('sealedsecrets', NS, NAME);
    expect(fresh?.status?.conditions?.[0]?.status).toBe('True');
    expect(fresh?.metadata.annotations).toEqual({ touched: 'yes' });
  });

  it('never writes status with --update-status=false', async () => {
    gateway.put('sealedsecrets', ssObject());
    await reconcile(KEY, deps({ updateStatus: false }));
    expect(gateway.get('sealedsecrets', NS, NAME)?.status).toBeUndefined();
    expect(gateway.get('secrets', NS, NAME)).toBeDefined();
  });

  it('a deleted SealedSecret: nothing by default, Secret deleted with --old-gc-behavior', async () => {
    gateway.put('secrets', { metadata: { name: NAME, namespace: NS } });
    expect(await reconcile(KEY, deps())).toEqual({ kind: 'done' });
    expect(gateway.get('secrets', NS, NAME)).toBeDefined();
    expect(gateway.events).toEqual([]);
    await reconcile(KEY, deps({ oldGcBehavior: true }));
    expect(gateway.get('secrets', NS, NAME)).toBeUndefined();
    expect(await reconcile(KEY, deps({ oldGcBehavior: true }))).toEqual({ kind: 'done' });
  });

  it('API errors while fetching or creating the Secret become ErrUpdateFailed with the raw text', async () => {
    gateway.put('sealedsecrets', ssObject());
    gateway.failures.set('getSecret', new KubeError('Forbidden', 'secrets "mysecret" is forbidden'));
    const outcome = await reconcile(KEY, deps());
    expect(outcome).toEqual({ kind: 'retry', error: 'secrets "mysecret" is forbidden' });
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
      reconcile(
        KEY,
        deps({
          unseal: (ss) => Promise.resolve({ secret: okUnseal(ss), itemKeys }),
          recordKeys: (ss, keys) => recorded.push([ss.metadata.name, keys]),
        }),
      );
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
    await reconcile(KEY, deps({ unseal: () => Promise.reject(failure) }));
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
    await reconcile(KEY, deps());
    expect(gateway.get('sealedsecrets', NS, NAME)?.status?.decryptionKeys).toEqual([
      { fingerprint: A, itemCount: 1 },
    ]);
  });
});
