import type { SealedSecret } from '@ssts/core';
import { KubeError } from '@ssts/kube';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../log.js';
import { SpecPrefetch, type SpecPrefetchOptions } from './spec-prefetch.js';

const log = pino({ level: 'silent' }) as Logger;
const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

/** `count` SealedSecrets in `ns`, names zero-padded so key order is creation order. */
function seed(gateway: FakeGateway, count: number): string[] {
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `s${String(i).padStart(4, '0')}`;
    gateway.put('sealedsecrets', {
      metadata: { name, namespace: 'ns', managedFields: [{ manager: 'kubectl' }] },
      spec: { encryptedData: { k: `ciphertext-${i}` } },
    } as SealedSecret);
    keys.push(`ns/${name}`);
  }
  return keys;
}

function prefetch(gateway: FakeGateway, options: Partial<SpecPrefetchOptions> = {}) {
  const stop = new AbortController();
  stops.push(stop);
  const prefetch = new SpecPrefetch({
    gateway,
    scope: {},
    clock: systemClock,
    log,
    pageSize: 10,
    window: 20,
    wanted: () => true,
    ...options,
  });
  const running = prefetch.run(stop.signal);
  return { prefetch, running, stop };
}

describe('SpecPrefetch', () => {
  it('holds at most its window, whatever the number of objects waiting, and hands out every one in key order', async () => {
    const gateway = new FakeGateway();
    const keys = seed(gateway, 95);
    const { prefetch: p, running } = prefetch(gateway);
    for (const key of keys) {
      const taken = await p.take(key);
      expect(taken?.spec.encryptedData['k']).toBe(`ciphertext-${keys.indexOf(key)}`);
      // Held whole but without bookkeeping, as the informer would cache it.
      expect(taken?.metadata.managedFields).toBeUndefined();
      expect(p.held).toBeLessThanOrEqual(20);
    }
    await running;
    expect(p.maxHeld).toBeLessThanOrEqual(20);
    expect(p.pages).toBe(10);
    expect(gateway.pagesListed.map((page) => page.start)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(gateway.calls.filter((call) => call.startsWith('getSealedSecret'))).toEqual([]);
  });

  it('stops asking for pages while nobody takes what it holds', async () => {
    const gateway = new FakeGateway();
    seed(gateway, 100);
    const { prefetch: p } = prefetch(gateway);
    await vi.waitFor(() => expect(p.held).toBe(20));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(gateway.pagesListed).toHaveLength(2);
    // Taking one is not room for a page yet; taking a page's worth is.
    await p.take('ns/s0000');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gateway.pagesListed).toHaveLength(2);
    for (let i = 1; i < 10; i++) await p.take(`ns/s${String(i).padStart(4, '0')}`);
    await vi.waitFor(() => expect(gateway.pagesListed).toHaveLength(3));
    expect(p.held).toBe(20);
  });

  it('goes on after the start token, and the ahead keys count in its window until their passes discard them', async () => {
    const gateway = new FakeGateway();
    const keys = seed(gateway, 50);
    // The informer's initial list cached s0000-s0014 whole and stopped after s0014's page.
    const { prefetch: p, running } = prefetch(gateway, {
      start: { continue: 'ns/s0014', lastKey: 'ns/s0014' },
      ahead: keys.slice(0, 15),
    });
    // 15 ahead + a page of 10 is more than the window of 20: no page yet.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gateway.pagesListed).toEqual([]);
    for (const key of keys.slice(0, 4)) p.discard(key);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gateway.pagesListed).toEqual([]);
    p.discard(keys[4]!);
    await vi.waitFor(() => expect(gateway.pagesListed).toHaveLength(1));
    expect(gateway.pagesListed[0]?.start).toBe(15);
    for (const key of keys.slice(5, 15)) p.discard(key);
    for (const key of keys.slice(15)) expect((await p.take(key))?.metadata.name).toBe(key.slice(3));
    await running;
    expect(gateway.pagesListed.map((page) => page.start)).toEqual([15, 25, 35, 45]);
    expect(p.maxHeld).toBeLessThanOrEqual(20);
    // A key at or before the start is not listed: undefined at once.
    expect(await p.take(keys[2]!)).toBeUndefined();
  });

  it('a take right after the pass that made room waits for that page instead of missing it', async () => {
    const gateway = new FakeGateway();
    const keys = seed(gateway, 30);
    const { prefetch: p } = prefetch(gateway, {
      start: { continue: 'ns/s0014', lastKey: 'ns/s0014' },
      ahead: keys.slice(0, 15),
      window: 10,
    });
    for (const key of keys.slice(0, 14)) p.discard(key);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(gateway.pagesListed).toEqual([]);
    // The last whole object's pass and the next one's take, in one go: run() has not asked for the page yet.
    p.discard(keys[14]!);
    expect((await p.take(keys[15]!))?.metadata.name).toBe('s0015');
    expect(gateway.pagesListed.map((page) => page.start)).toEqual([15]);
  });

  it('an expired start token (410 Gone on the first page) lists from the first page', async () => {
    const gateway = new FakeGateway();
    const keys = seed(gateway, 30);
    gateway.failures.set('listPage', new KubeError('Gone', 'The provided continue parameter is too old'));
    const passed = new Set(keys.slice(0, 10));
    const { prefetch: p, running } = prefetch(gateway, {
      start: { continue: 'ns/s0009', lastKey: 'ns/s0009' },
      wanted: (key) => !passed.has(key),
    });
    for (const key of keys.slice(10)) expect(await p.take(key)).toBeDefined();
    await running;
    expect(gateway.calls.filter((call) => call.startsWith('listPage'))).toHaveLength(4);
    expect(gateway.pagesListed.map((page) => page.start)).toEqual([0, 10, 20]);
  });

  it('keeps only what is wanted; a key it will not list again (or never) is undefined at once', async () => {
    const gateway = new FakeGateway();
    seed(gateway, 30);
    const { prefetch: p, running } = prefetch(gateway, {
      window: 100,
      wanted: (key) => key !== 'ns/s0003',
    });
    await running;
    expect(p.held).toBe(29);
    expect(await p.take('ns/s0003')).toBeUndefined();
    expect(await p.take('ns/zzz')).toBeUndefined();
    p.discard('ns/s0004');
    expect(await p.take('ns/s0004')).toBeUndefined();
    expect(p.held).toBe(28);
  });

  it('a take of a key not listed yet waits for the page in flight, even when the queue already handed it out', async () => {
    const gateway = new FakeGateway();
    seed(gateway, 5);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const original = gateway.listPage.bind(gateway);
    gateway.listPage = async (resource, scope, page) => {
      await gate;
      return original(resource, scope, page);
    };
    // Nothing is wanted by the queue (its keys are all in flight): the waiting take is what keeps it.
    const { prefetch: p } = prefetch(gateway, { wanted: () => false });
    const taken = p.take('ns/s0002');
    release();
    expect((await taken)?.metadata.name).toBe('s0002');
    expect(await p.take('ns/s0001')).toBeUndefined();
  });

  it('an expired continue token (410 Gone) lists again from the first page, skipping what was passed', async () => {
    const gateway = new FakeGateway();
    const keys = seed(gateway, 40);
    const passed = new Set<string>();
    const { prefetch: p, running } = prefetch(gateway, { wanted: (key) => !passed.has(key) });
    for (const key of keys.slice(0, 15)) {
      passed.add(key);
      expect(await p.take(key)).toBeDefined();
    }
    // The next continue token has expired by the time it is used.
    gateway.failures.set('listPage', new KubeError('Gone', 'The provided continue parameter is too old'));
    for (const key of keys.slice(15)) {
      passed.add(key);
      expect(await p.take(key)).toBeDefined();
    }
    await running;
    const starts = gateway.pagesListed.map((page) => page.start);
    expect(starts.slice(0, 3)).toEqual([0, 10, 20]);
    expect(starts.slice(3)).toEqual([0, 10, 20, 30]);
    expect(gateway.calls.filter((call) => call.startsWith('listPage'))).toHaveLength(8);
    expect(p.maxHeld).toBeLessThanOrEqual(20);
  });

  it('gives up after maxFailures failed pages (the passes then GET), and never loops on Gone', async () => {
    const gateway = new FakeGateway();
    seed(gateway, 40);
    const { prefetch: p, running } = prefetch(gateway, { maxFailures: 3 });
    await vi.waitFor(() => expect(p.held).toBe(20));
    gateway.persistentFailures.set('listPage', new KubeError('Gone', 'too old'));
    for (let i = 0; i < 20; i++) await p.take(`ns/s${String(i).padStart(4, '0')}`);
    await running;
    // One failing page, then three restarts from the first page: four failures, the last one over the bound.
    expect(gateway.calls.filter((call) => call.startsWith('listPage'))).toHaveLength(2 + 4);
    expect(await p.take('ns/s0030')).toBeUndefined();
  });

  it('retries a failed page after a pause; an abort ends it and drops what it held', async () => {
    const gateway = new FakeGateway();
    seed(gateway, 15);
    gateway.failures.set('listPage', new KubeError('ServerError', 'etcd leader changed'));
    const { prefetch: p, running, stop } = prefetch(gateway, { window: 10 });
    await vi.waitFor(() => expect(p.held).toBe(10), { timeout: 5000 });
    expect(gateway.calls.filter((call) => call.startsWith('listPage'))).toHaveLength(2);
    stop.abort();
    await running;
    expect(p.held).toBe(0);
    expect(await p.take('ns/s0001')).toBeUndefined();
  });
});
