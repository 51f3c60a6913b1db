import type { SealedSecret } from '@ssts/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { systemClock } from '../clock.js';
import { KubeError } from '@ssts/kube';
import type { Logger } from '../log.js';
import type { Outcome } from '../reconcile/reconcile.js';
import { Controller, needsReconcile, type ControllerOptions } from './controller.js';

const log = pino({ level: 'silent' }) as Logger;
const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

function ss(
  name: string,
  spec: SealedSecret['spec'] = { encryptedData: { a: 'x' } },
  annotations?: Record<string, string>,
): SealedSecret {
  return { metadata: { name, namespace: 'ns', ...(annotations && { annotations }) }, spec };
}

function start(
  gateway: FakeGateway,
  overrides: Partial<ControllerOptions> = {},
  outcome: (key: string) => Outcome = () => ({ kind: 'done' }),
) {
  const seen: string[] = [];
  /** What each pass read, in order (getSealedSecret during the pass). */
  const read: (SealedSecret | undefined)[] = [];
  const controller: Controller = new Controller({
    gateway,
    namespaces: undefined,
    labelSelector: '',
    skipRecreate: false,
    maxUnsealRetries: 5,
    clock: systemClock,
    log,
    informerBackoffMs: 10,
    reconcile: (key) => {
      seen.push(key);
      const [namespace = '', name = ''] = key.split('/');
      read.push(controller.getSealedSecret(namespace, name));
      return Promise.resolve(outcome(key));
    },
    ...overrides,
  });
  const stop = new AbortController();
  stops.push(stop);
  const running = controller.start(stop.signal);
  return { controller, seen, read, stop, running };
}

describe('needsReconcile', () => {
  it('only for spec or scope-annotation changes', () => {
    expect(needsReconcile(ss('a'), { ...ss('a'), status: { observedGeneration: 3 } })).toBe(false);
    expect(needsReconcile(ss('a'), ss('a', undefined, { other: 'x' }))).toBe(false);
    expect(needsReconcile(ss('a'), ss('a', { encryptedData: { a: 'y' } }))).toBe(true);
    expect(
      needsReconcile(ss('a'), ss('a', undefined, { 'sealedsecrets.bitnami.com/cluster-wide': 'true' })),
    ).toBe(true);
  });
});

describe('Controller', () => {
  it('reconciles every existing SealedSecret after the initial list, then new and changed ones', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('one'));
    gateway.put('sealedsecrets', ss('two'));
    const { seen, read, controller } = start(gateway);
    await vi.waitFor(() => expect(seen.sort()).toEqual(['ns/one', 'ns/two']));
    expect(controller.ready()).toBe(true);
    gateway.put('sealedsecrets', { ...ss('one'), status: { observedGeneration: 1 } });
    gateway.put('sealedsecrets', ss('three'));
    await vi.waitFor(() => expect(seen).toContain('ns/three'));
    expect(seen.filter((k) => k === 'ns/one')).toHaveLength(1);
    gateway.put('sealedsecrets', ss('one', { encryptedData: { a: 'changed' } }));
    await vi.waitFor(() => expect(seen.filter((k) => k === 'ns/one')).toHaveLength(2));
    expect(read.at(-1)?.spec.encryptedData).toEqual({ a: 'changed' });
  });

  it('watches a namespace added after start: not ready until it listed, then reconciles it (addendum §3.1)', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('own'));
    gateway.put('sealedsecrets', { ...ss('extra'), metadata: { name: 'extra', namespace: 'other' } });
    const { seen, controller, stop, running } = start(gateway, { namespaces: ['ns'] });
    await vi.waitFor(() => expect(seen).toEqual(['ns/own']));
    expect(controller.ready()).toBe(true);
    controller.watchNamespace('other');
    expect(controller.ready()).toBe(false);
    expect(controller.secretInformerCount).toBe(2);
    await vi.waitFor(() => expect(seen).toContain('other/extra'));
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    expect([...controller.sealedSecrets()].map((ss) => ss.metadata.name).sort()).toEqual(['extra', 'own']);
    stop.abort();
    await running;
  });

  it('enqueues a deleted SealedSecret and reports it', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('one'));
    const deleted: string[] = [];
    const { seen } = start(gateway, { onSealedSecretDeleted: (ns, name) => deleted.push(`${ns}/${name}`) });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    gateway.remove('sealedsecrets', 'ns', 'one');
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(deleted).toEqual(['ns/one']);
  });

  it('has a Secret informer unless --skip-recreate (compat §9.2 #3)', () => {
    expect(start(new FakeGateway()).controller.secretInformerCount).toBe(1);
    expect(start(new FakeGateway(), { skipRecreate: true }).controller.secretInformerCount).toBe(0);
  });

  it('re-creates only owned or managed deleted Secrets', async () => {
    const gateway = new FakeGateway();
    const owner = gateway.put('sealedsecrets', ss('owned'));
    gateway.put('sealedsecrets', ss('managed'));
    gateway.put('sealedsecrets', ss('patchonly'));
    const ref = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      name: 'owned',
      uid: owner.metadata.uid ?? '',
      controller: true,
    };
    gateway.put('secrets', { metadata: { name: 'owned', namespace: 'ns', ownerReferences: [ref] } });
    gateway.put('secrets', {
      metadata: {
        name: 'managed',
        namespace: 'ns',
        annotations: { 'sealedsecrets.bitnami.com/managed': 'true' },
      },
    });
    gateway.put('secrets', {
      metadata: {
        name: 'patchonly',
        namespace: 'ns',
        annotations: { 'sealedsecrets.bitnami.com/patch': 'true' },
      },
    });
    const { seen } = start(gateway);
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    for (const name of ['owned', 'managed', 'patchonly']) gateway.remove('secrets', 'ns', name);
    await vi.waitFor(() => expect(seen).toHaveLength(5));
    await new Promise((r) => setTimeout(r, 50));
    expect(seen.slice(3).sort()).toEqual(['ns/managed', 'ns/owned']);
  });

  it('retries a failing key --max-unseal-retries times, then gives up', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('bad'));
    const { seen } = start(gateway, { maxUnsealRetries: 3 }, () => ({ kind: 'retry', error: 'nope' }));
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toHaveLength(4);
  });

  it('does not retry terminal outcomes', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('immutable'));
    const { seen } = start(gateway, {}, () => ({ kind: 'terminal', error: 'immutable' }));
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen).toHaveLength(1);
  });

  it('is not ready while a watch is down, relists after a backoff and catches up', async () => {
    const gateway = new FakeGateway();
    const { controller, seen } = start(gateway, { skipRecreate: true });
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    gateway.persistentFailures.set('list', new KubeError('ServerError', 'apiserver restarting'));
    gateway.endWatches(new KubeError('Network', 'connection reset'));
    await vi.waitFor(() => expect(controller.notReadyReasons()).toEqual(['apiserver restarting']));
    expect(controller.ready()).toBe(false);
    gateway.put('sealedsecrets', ss('while-down'));
    gateway.persistentFailures.delete('list');
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    await vi.waitFor(() => expect(seen).toEqual(['ns/while-down']));
  });

  it('relists at once on 410 Gone', async () => {
    const gateway = new FakeGateway();
    const { controller } = start(gateway, { skipRecreate: true });
    await vi.waitFor(() => expect(gateway.openWatches).toBe(1));
    const lists = () => gateway.calls.filter((c) => c === 'list sealedsecrets').length;
    expect(lists()).toBe(1);
    gateway.endWatches(new KubeError('Gone', 'too old resource version'));
    await vi.waitFor(() => expect(lists()).toBe(2));
    expect(controller.ready()).toBe(true);
  });

  it('finishes the reconcile in flight before start() resolves', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('slow'));
    let finished = false;
    const { stop, running, seen } = start(gateway, {
      reconcile: async () => {
        seen.push('slow');
        await new Promise((r) => setTimeout(r, 100));
        finished = true;
        return { kind: 'done' };
      },
    });
    await vi.waitFor(() => expect(seen).toEqual(['slow']));
    stop.abort();
    await running;
    expect(finished).toBe(true);
    expect(gateway.openWatches).toBe(0);
  });
});

describe('Controller with several workers', () => {
  /** A reconcile that records concurrency per key and overall, and is released by the test. */
  function tracker() {
    const inFlight = new Map<string, number>();
    let running = 0;
    let maxRunning = 0;
    let overlapsOnOneKey = 0;
    const done: string[] = [];
    const releases: (() => void)[] = [];
    const reconcile = async (key: string): Promise<Outcome> => {
      const now = (inFlight.get(key) ?? 0) + 1;
      inFlight.set(key, now);
      if (now > 1) overlapsOnOneKey++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => releases.push(resolve));
      running--;
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
      done.push(key);
      return { kind: 'done' };
    };
    return {
      reconcile,
      releases,
      done,
      stats: () => ({ running, maxRunning, overlapsOnOneKey }),
    };
  }

  it('runs up to `workers` reconciles at once and processes every key', async () => {
    const gateway = new FakeGateway();
    for (let i = 0; i < 10; i++) gateway.put('sealedsecrets', ss(`s${i}`));
    const t = tracker();
    const { controller } = start(gateway, { workers: 3, reconcile: t.reconcile });
    expect(controller.workerCount).toBe(3);
    await vi.waitFor(() => expect(t.stats().running).toBe(3));
    while (t.done.length < 10) {
      t.releases.shift()?.();
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(t.stats().maxRunning).toBe(3);
    expect(new Set(t.done)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => `ns/s${i}`)));
  });

  it('never runs two reconciles of one key at once; a change during a reconcile is reconciled after it', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('hot'));
    const t = tracker();
    start(gateway, { workers: 4, reconcile: t.reconcile });
    await vi.waitFor(() => expect(t.stats().running).toBe(1));
    gateway.put('sealedsecrets', ss('hot', { encryptedData: { a: 'v2' } }));
    gateway.put('sealedsecrets', ss('hot', { encryptedData: { a: 'v3' } }));
    await new Promise((r) => setTimeout(r, 20));
    // Idle workers wait instead of taking the changed key while it is in flight.
    expect(t.stats().running).toBe(1);
    t.releases.shift()?.();
    await vi.waitFor(() => expect([t.done.length, t.releases.length]).toEqual([1, 1]));
    t.releases.shift()?.();
    await vi.waitFor(() => expect(t.done).toEqual(['ns/hot', 'ns/hot']));
    expect(t.stats().overlapsOnOneKey).toBe(0);
  });

  it('start() waits for every in-flight reconcile before resolving', async () => {
    const gateway = new FakeGateway();
    for (let i = 0; i < 5; i++) gateway.put('sealedsecrets', ss(`d${i}`));
    const t = tracker();
    const { stop, running } = start(gateway, { workers: 3, reconcile: t.reconcile });
    await vi.waitFor(() => expect(t.stats().running).toBe(3));
    stop.abort();
    let resolved = false;
    void running.then(() => (resolved = true));
    t.releases.shift()?.();
    t.releases.shift()?.();
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    t.releases.shift()?.();
    await running;
    // The three in flight finished; the two still queued were dropped by the shutdown.
    expect(t.done).toHaveLength(3);
    expect(t.releases).toHaveLength(0);
  });

  it('keeps the retry budget per key with several workers', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('bad'));
    gateway.put('sealedsecrets', ss('good'));
    const { seen } = start(gateway, { workers: 4, maxUnsealRetries: 2 }, (key) =>
      key === 'ns/bad' ? { kind: 'retry', error: 'nope' } : { kind: 'done' },
    );
    await vi.waitFor(() => expect(seen.filter((k) => k === 'ns/bad')).toHaveLength(3));
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.filter((k) => k === 'ns/bad')).toHaveLength(3);
    expect(seen.filter((k) => k === 'ns/good')).toHaveLength(1);
  });
});

describe('Controller: tails and the Secret cache', () => {
  it("frees the worker at the end of a pass; the key stays busy until the pass's tail (status write) ends", async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('a'));
    gateway.put('sealedsecrets', ss('b'));
    const releases = new Map<string, () => void>();
    const passes: string[] = [];
    const read: (SealedSecret | undefined)[] = [];
    const { controller, stop, running } = start(gateway, {
      workers: 1,
      reconcile: (key) => {
        passes.push(key);
        read.push(controller.getSealedSecret('ns', key.slice(3)));
        const tail = new Promise<void>((resolve) => releases.set(`${key}#${passes.length}`, resolve));
        return Promise.resolve({ kind: 'done', tail });
      },
    });
    // One worker, both passes ran: the first pass's tail did not hold the worker.
    await vi.waitFor(() => expect([...passes].sort()).toEqual(['ns/a', 'ns/b']));
    // A change of `a` while its tail runs waits for the tail, then is reconciled.
    gateway.put('sealedsecrets', ss('a', { encryptedData: { a: 'changed' } }));
    await new Promise((r) => setTimeout(r, 30));
    expect(passes).toHaveLength(2);
    const first = [...releases.entries()].find(([k]) => k.startsWith('ns/a#'));
    first?.[1]();
    await vi.waitFor(() => expect(passes).toHaveLength(3));
    expect(passes[2]).toBe('ns/a');
    expect(read[2]?.spec.encryptedData).toEqual({ a: 'changed' });
    // start() resolves only after every tail ended.
    stop.abort();
    let resolved = false;
    void running.then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 30));
    expect(resolved).toBe(false);
    for (const release of releases.values()) release();
    await running;
  });

  it('secretState: absent or present from a synced Secret informer; unknown with a label selector or --skip-recreate', async () => {
    const gateway = new FakeGateway();
    gateway.put('secrets', { metadata: { name: 'there', namespace: 'ns' } });
    const { controller } = start(gateway);
    expect(controller.secretState('ns', 'there')).toBe('unknown');
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    expect(controller.secretState('ns', 'there')).toBe('present');
    expect(controller.secretState('ns', 'missing')).toBe('absent');
    gateway.put('secrets', { metadata: { name: 'missing', namespace: 'ns' } });
    await vi.waitFor(() => expect(controller.secretState('ns', 'missing')).toBe('present'));

    const selected = start(gateway, { labelSelector: 'app=x' }).controller;
    await vi.waitFor(() => expect(selected.ready()).toBe(true));
    expect(selected.secretState('ns', 'missing')).toBe('unknown');
    const noInformer = start(gateway, { skipRecreate: true }).controller;
    await vi.waitFor(() => expect(noInformer.ready()).toBe(true));
    expect(noInformer.secretState('ns', 'missing')).toBe('unknown');
  });

  it('secretState follows the namespace of each informer in own-namespace mode', async () => {
    const gateway = new FakeGateway();
    gateway.put('secrets', { metadata: { name: 's', namespace: 'ns' } });
    const { controller } = start(gateway, { namespaces: ['ns'] });
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    expect(controller.secretState('ns', 's')).toBe('present');
    expect(controller.secretState('other', 's')).toBe('unknown');
  });
});

describe('Controller: settled SealedSecrets (the cache drops the ciphertext after a successful pass)', () => {
  function owned(gateway: FakeGateway, ss: SealedSecret): void {
    const ref = {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      name: ss.metadata.name ?? '',
      uid: ss.metadata.uid ?? '',
      controller: true,
    };
    gateway.put('secrets', {
      metadata: { name: ss.metadata.name ?? '', namespace: 'ns', ownerReferences: [ref] },
    });
  }
  const cached = (controller: Controller, name: string) =>
    [...controller.sealedSecrets()].find((ss) => ss.metadata.name === name);

  it('keeps metadata and status of a synced object, not its spec, also across status writes', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('a', { encryptedData: { k: 'ciphertext' }, template: { type: 'x' } }));
    const { controller, seen } = start(gateway);
    await vi.waitFor(() => expect(cached(controller, 'a')?.spec).toEqual({ encryptedData: {} }));
    expect(cached(controller, 'a')?.metadata.generation).toBe(1);
    // The status write of the pass (same generation): still settled, with the new status, and no new pass.
    gateway.put('sealedsecrets', {
      ...gateway.get('sealedsecrets', 'ns', 'a')!,
      status: { observedGeneration: 1, conditions: [{ type: 'Synced', status: 'True' }] },
    });
    await vi.waitFor(() => expect(cached(controller, 'a')?.status?.observedGeneration).toBe(1));
    expect(cached(controller, 'a')?.spec).toEqual({ encryptedData: {} });
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['ns/a']);
    // Outside a pass the settled object is never handed out as if it were the SealedSecret.
    expect(() => controller.getSealedSecret('ns', 'a')).toThrow(/cached without its spec/);
  });

  it('settled objects unsealed alike share one key-use list, reduced to fingerprints and counts', async () => {
    const gateway = new FakeGateway();
    const decryptionKeys = [{ fingerprint: 'SHA256:k', itemCount: 2, items: ['x', 'y'] }];
    const status = {
      observedGeneration: 1,
      conditions: [{ type: 'Synced', status: 'True' }],
      decryptionKeys,
    };
    for (const name of ['a', 'b']) gateway.put('sealedsecrets', { ...ss(name), status });
    const { controller } = start(gateway);
    await vi.waitFor(() => expect(cached(controller, 'b')?.spec).toEqual({ encryptedData: {} }));
    await vi.waitFor(() => expect(cached(controller, 'a')?.spec).toEqual({ encryptedData: {} }));
    const a = cached(controller, 'a')?.status;
    expect(a?.decryptionKeys).toEqual([{ fingerprint: 'SHA256:k', itemCount: 2 }]);
    expect(cached(controller, 'b')?.status?.decryptionKeys).toBe(a?.decryptionKeys);
    expect(a?.conditions).toEqual(status.conditions);
  });

  it('a pass of a settled object reads it from the API server (its Secret deleted); a new spec is cached whole', async () => {
    const gateway = new FakeGateway();
    const a = gateway.put('sealedsecrets', ss('a', { encryptedData: { k: 'v1' } }));
    owned(gateway, a);
    const { controller, seen, read } = start(gateway);
    await vi.waitFor(() => expect(cached(controller, 'a')?.spec).toEqual({ encryptedData: {} }));
    const gets = () => gateway.calls.filter((c) => c === 'getSealedSecret ns/a').length;
    gateway.remove('secrets', 'ns', 'a');
    await vi.waitFor(() => expect(seen).toEqual(['ns/a', 'ns/a']));
    // One GET to check the owner of the deleted Secret, one for the pass.
    expect(gets()).toBe(2);
    expect(read[1]?.spec.encryptedData).toEqual({ k: 'v1' });
    expect(read[1]?.metadata.uid).toBe(a.metadata.uid);
    await vi.waitFor(() => expect(cached(controller, 'a')?.spec).toEqual({ encryptedData: {} }));
    // A spec change arrives whole with its generation: reconciled from the cache, without a GET.
    gateway.put('sealedsecrets', {
      ...gateway.get('sealedsecrets', 'ns', 'a')!,
      spec: { encryptedData: { k: 'v2' } },
    });
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(read[2]?.spec.encryptedData).toEqual({ k: 'v2' });
    expect(read[2]?.metadata.generation).toBe(2);
    expect(gets()).toBe(2);
  });

  it('a failed pass keeps the ciphertext for its retry; a failed GET of a settled object is retried', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('a', { encryptedData: { k: 'v' } }));
    let passes = 0;
    const { controller, seen, read } = start(gateway, {}, () =>
      ++passes === 1 ? { kind: 'retry', error: 'not yet' } : { kind: 'done' },
    );
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(read[1]?.spec.encryptedData).toEqual({ k: 'v' });
    await vi.waitFor(() => expect(cached(controller, 'a')?.spec).toEqual({ encryptedData: {} }));
    expect(gateway.calls).not.toContain('getSealedSecret ns/a');

    // Its Secret is deleted: the pass fetches the settled object, and a failing GET is retried, not a pass over
    // nothing.
    const a = gateway.get('sealedsecrets', 'ns', 'a')!;
    owned(gateway, a);
    const original = gateway.getSealedSecret.bind(gateway);
    let gets = 0;
    gateway.getSealedSecret = async (namespace, name) => {
      if (++gets === 2) throw new KubeError('ServerError', 'down for a moment');
      return original(namespace, name);
    };
    gateway.remove('secrets', 'ns', 'a');
    // The pass whose GET failed never reached the reconcile; its retry did.
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(gets).toBe(3);
    expect(read.at(-1)?.spec.encryptedData).toEqual({ k: 'v' });
  });

  it('a deleted SealedSecret fetched for a pass is seen as gone', async () => {
    const gateway = new FakeGateway();
    const a = gateway.put('sealedsecrets', ss('a'));
    owned(gateway, a);
    const { controller, seen, read } = start(gateway);
    await vi.waitFor(() => expect(cached(controller, 'a')?.spec).toEqual({ encryptedData: {} }));
    // The Secret's deletion is noticed, then the SealedSecret is gone by the time its pass fetches it.
    const original = gateway.getSealedSecret.bind(gateway);
    let calls = 0;
    gateway.getSealedSecret = async (namespace, name) =>
      ++calls === 1 ? original(namespace, name) : undefined;
    gateway.remove('secrets', 'ns', 'a');
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(read[1]).toBeUndefined();
  });
});

describe('Controller: start-up without every waiting object’s ciphertext (spec prefetch)', () => {
  const name = (i: number) => `s${String(i).padStart(3, '0')}`;
  function seed(gateway: FakeGateway, count: number): void {
    for (let i = 0; i < count; i++)
      gateway.put('sealedsecrets', ss(name(i), { encryptedData: { k: `v${i}` } }));
  }
  const small = { prefetchPageSize: 10, prefetchWindow: 20, workers: 2 };
  const gets = (gateway: FakeGateway) => gateway.calls.filter((c) => c.startsWith('getSealedSecret'));
  /** Cached objects that still hold their ciphertext. */
  const withSpec = (controller: Controller) =>
    [...controller.sealedSecrets()].filter((s) => Object.keys(s.spec.encryptedData).length > 0).length;

  it('caches the initial list whole up to the window, the rest without specs; passes read those from pages fetched after it as they go, without a GET', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 10;
    seed(gateway, 100);
    let maxPagesAhead = 0;
    let passes = 0;
    let maxWithSpec = 0;
    const ref: { controller?: Controller } = {};
    const run = start(gateway, small, () => {
      passes++;
      // Objects listed (20 by the initial list, then the pages) never run more than the window (and the page in
      // flight) ahead of the passes.
      maxPagesAhead = Math.max(maxPagesAhead, 20 + gateway.pagesListed.length * 10 - passes);
      if (ref.controller !== undefined) maxWithSpec = Math.max(maxWithSpec, withSpec(ref.controller));
      return { kind: 'done' };
    });
    ref.controller = run.controller;
    const { controller } = run;
    await vi.waitFor(() => expect(run.seen).toHaveLength(100));
    expect(new Set(run.seen).size).toBe(100);
    expect(run.read.map((s) => s?.spec.encryptedData['k'])).toEqual(
      [...run.seen].map((key) => `v${Number(key.slice(4))}`),
    );
    expect(gets(gateway)).toEqual([]);
    // The initial list's first two pages (the window) stayed whole: the prefetch goes on after them.
    expect(gateway.pagesListed.map((p) => p.start)).toEqual([20, 30, 40, 50, 60, 70, 80, 90]);
    expect(maxPagesAhead).toBeLessThanOrEqual(20 + 10);
    expect(maxWithSpec).toBeGreaterThan(0);
    expect(maxWithSpec).toBeLessThanOrEqual(20);
    await vi.waitFor(() => expect(withSpec(controller)).toBe(0));
    expect(controller.ready()).toBe(true);
  });

  it('a start-up of no more objects than the window keeps them whole: no LIST page, no GET', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 10;
    seed(gateway, 20);
    const { controller, seen, read } = start(gateway, small);
    await vi.waitFor(() => expect(seen).toHaveLength(20));
    expect(read.map((s) => s?.spec.encryptedData['k'])).toEqual(
      seen.map((key) => `v${Number(key.slice(4))}`),
    );
    expect(gateway.calls.filter((c) => c.startsWith('listPage'))).toEqual([]);
    expect(gets(gateway)).toEqual([]);
    await vi.waitFor(() => expect(withSpec(controller)).toBe(0));
  });

  it('a page kept whole only in part is listed again by the prefetch (from the last page kept whole), no GET', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 15;
    seed(gateway, 50);
    const { seen, read } = start(gateway, small);
    await vi.waitFor(() => expect(seen).toHaveLength(50));
    expect(read.map((s) => s?.spec.encryptedData['k'])).toEqual(
      seen.map((key) => `v${Number(key.slice(4))}`),
    );
    // s000-s019 whole (the window), s020-s029 of the second page not: the prefetch starts at that page again.
    expect(gateway.pagesListed.map((p) => p.start)).toEqual([15, 25, 35, 45]);
    expect(gets(gateway)).toEqual([]);
  });

  it('an object changed or deleted while it waits: a new spec is read from the cache, a new version of the same spec by a GET', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 10;
    seed(gateway, 40);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const read: (SealedSecret | undefined)[] = [];
    const { controller } = start(gateway, {
      ...small,
      workers: 1,
      reconcile: async (key) => {
        const [namespace = '', n = ''] = key.split('/');
        seen.push(key);
        read.push(controller.getSealedSecret(namespace, n));
        if (key === `ns/${name(10)}`) await gate;
        return { kind: 'done' };
      },
    });
    // s000-s019 were cached whole. The eleventh pass holds the only worker: the passes before it made room for
    // one page (s020-s029), which the prefetch holds meanwhile.
    await vi.waitFor(() => expect(gateway.pagesListed).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gateway.pagesListed).toHaveLength(1);
    expect(seen).toHaveLength(11);
    gateway.put('sealedsecrets', ss(name(22), { encryptedData: { k: 'new' } })); // held, then a new spec
    const s25 = gateway.get('sealedsecrets', 'ns', name(25))!;
    gateway.put('sealedsecrets', { ...s25, metadata: { ...s25.metadata, labels: { x: 'y' } } }); // held, relabelled
    gateway.remove('sealedsecrets', 'ns', name(21)); // held, then deleted
    gateway.remove('sealedsecrets', 'ns', name(37)); // deleted before it is listed
    gateway.put('sealedsecrets', ss(name(15), { encryptedData: { k: 'new15' } })); // cached whole, a new spec
    release();
    await vi.waitFor(() => expect(seen).toHaveLength(40));
    const readOf = (n: number) => read[seen.indexOf(`ns/${name(n)}`)];
    expect(readOf(22)?.spec.encryptedData).toEqual({ k: 'new' });
    expect(readOf(25)?.spec.encryptedData).toEqual({ k: 'v25' });
    expect(readOf(25)?.metadata.labels).toEqual({ x: 'y' });
    expect(readOf(15)?.spec.encryptedData).toEqual({ k: 'new15' });
    expect(readOf(21)).toBeUndefined();
    expect(readOf(37)).toBeUndefined();
    expect(readOf(39)?.spec.encryptedData).toEqual({ k: 'v39' });
    // Only the relabelled one, whose page was older than its cache entry, cost a GET.
    expect(gets(gateway)).toEqual([`getSealedSecret ns/${name(25)}`]);
  });

  it('a relist while the prefetch pages (the watch expired) neither re-queues nor re-reads anything', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 10;
    seed(gateway, 60);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const { controller } = start(gateway, {
      ...small,
      workers: 1,
      reconcile: async (key) => {
        seen.push(key);
        const [namespace = '', n = ''] = key.split('/');
        expect(controller.getSealedSecret(namespace, n)?.spec.encryptedData['k']).toBe(
          `v${Number(n.slice(1))}`,
        );
        if (key === `ns/${name(13)}`) await gate;
        return { kind: 'done' };
      },
    });
    await vi.waitFor(() => expect(seen).toHaveLength(14));
    await vi.waitFor(() => expect(gateway.pagesListed).toHaveLength(1));
    const lists = () => gateway.calls.filter((c) => c === 'list sealedsecrets').length;
    const before = withSpec(controller);
    gateway.endWatches(new KubeError('Gone', 'too old resource version'));
    await vi.waitFor(() => expect(lists()).toBe(2));
    // Relisted objects keep their place, whole or without their spec: s013 (in its pass) to s019 whole.
    expect(withSpec(controller)).toBe(before);
    expect(before).toBe(7);
    release();
    await vi.waitFor(() => expect(seen).toHaveLength(60));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(new Set(seen).size).toBe(60);
    expect(seen).toHaveLength(60);
    expect(gets(gateway)).toEqual([]);
    expect(controller.ready()).toBe(true);
  });

  it('a continue token that expires while the passes run (410 Gone) lists again from the start, no GET', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 10;
    seed(gateway, 60);
    const { seen, read } = start(gateway, small, (key) => {
      if (key === `ns/${name(15)}`)
        gateway.failures.set('listPage', new KubeError('Gone', 'The provided continue parameter is too old'));
      return { kind: 'done' };
    });
    await vi.waitFor(() => expect(seen).toHaveLength(60));
    expect(read.every((s) => s?.spec.encryptedData['k'] !== undefined)).toBe(true);
    const starts = gateway.pagesListed.map((p) => p.start);
    expect(starts[0]).toBe(20);
    expect(starts.indexOf(0)).toBeGreaterThan(0);
    expect(gets(gateway)).toEqual([]);
  });

  it('an initial list token that expired before the first page lists from the start, no GET', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 10;
    seed(gateway, 40);
    gateway.failures.set('listPage', new KubeError('Gone', 'The provided continue parameter is too old'));
    const { seen, read } = start(gateway, small);
    await vi.waitFor(() => expect(seen).toHaveLength(40));
    expect(read.map((s) => s?.spec.encryptedData['k'])).toEqual(
      seen.map((key) => `v${Number(key.slice(4))}`),
    );
    expect(gateway.pagesListed.map((p) => p.start)).toEqual([0, 10, 20, 30]);
    expect(gets(gateway)).toEqual([]);
  });

  it('a standby replica caches at most the window of ciphertext; its first term pages the rest in, later ones all', async () => {
    const gateway = new FakeGateway();
    gateway.listPageSize = 10;
    seed(gateway, 40);
    const { controller, seen } = start(gateway, { ...small, leaderElected: true });
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    expect(withSpec(controller)).toBe(20);
    expect(gateway.pagesListed).toEqual([]);
    const term = new AbortController();
    stops.push(term);
    const leading = controller.lead(term.signal);
    await vi.waitFor(() => expect(seen).toHaveLength(40));
    expect(gets(gateway)).toEqual([]);
    expect(gateway.pagesListed.map((p) => p.start)).toEqual([20, 30]);
    term.abort();
    await leading;
    expect(withSpec(controller)).toBe(0);
    // The next term (every object settled) lists from the first page.
    const next = new AbortController();
    stops.push(next);
    const leadingAgain = controller.lead(next.signal);
    await vi.waitFor(() => expect(seen).toHaveLength(80));
    expect(gets(gateway)).toEqual([]);
    expect(gateway.pagesListed.map((p) => p.start)).toEqual([20, 30, 0, 10, 20, 30]);
    next.abort();
    await leadingAgain;
  });
});
