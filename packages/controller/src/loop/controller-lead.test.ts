import type { SealedSecret } from '@ssts/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { systemClock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Outcome } from '../reconcile/reconcile.js';
import { Controller } from './controller.js';

// Leader election: informers run on every replica, reconciles only inside a leadership term (Controller.lead).

const log = pino({ level: 'silent' }) as Logger;
const stops: AbortController[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop.abort();
});

function ss(name: string, synced: boolean): SealedSecret {
  return {
    metadata: { name, namespace: 'ns' },
    spec: { encryptedData: { a: 'x' } },
    ...(synced && {
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'Synced', status: 'True' }],
      },
    }),
  } as SealedSecret;
}

function follower(gateway: FakeGateway, outcome: (key: string) => Outcome = () => ({ kind: 'done' })) {
  const seen: string[] = [];
  const controller = new Controller({
    gateway,
    namespaces: undefined,
    labelSelector: '',
    skipRecreate: false,
    maxUnsealRetries: 5,
    clock: systemClock,
    log,
    informerBackoffMs: 10,
    workers: 1,
    leaderElected: true,
    reconcile: (key) => {
      seen.push(key);
      return Promise.resolve(outcome(key));
    },
  });
  const stop = new AbortController();
  stops.push(stop);
  const running = controller.start(stop.signal);
  return { controller, seen, stop, running };
}

describe('Controller with leader election', () => {
  it('a follower keeps its cache and readiness but reconciles nothing', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('one', false));
    const { controller, seen } = follower(gateway);
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    gateway.put('sealedsecrets', ss('two', false));
    await vi.waitFor(() => expect(controller.getSealedSecret('ns', 'two')).toBeDefined());
    // A deleted managed Secret is re-created by the leader, not by a follower.
    gateway.put('secrets', {
      metadata: {
        name: 'one',
        namespace: 'ns',
        annotations: { 'sealedsecrets.bitnami.com/managed': 'true' },
      },
    });
    gateway.remove('secrets', 'ns', 'one');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual([]);
  });

  it('a term reconciles every cached object, the not yet Synced ones first, then follows changes until it ends', async () => {
    const gateway = new FakeGateway();
    for (const name of ['a-done', 'b-pending', 'c-done', 'd-pending']) {
      gateway.put('sealedsecrets', ss(name, name.endsWith('done')));
    }
    const { controller, seen } = follower(gateway);
    await vi.waitFor(() => expect(controller.ready()).toBe(true));
    const term = new AbortController();
    const leading = controller.lead(term.signal);
    await vi.waitFor(() => expect(seen).toHaveLength(4));
    expect(seen.slice(0, 2).sort()).toEqual(['ns/b-pending', 'ns/d-pending']);
    expect(seen.slice(2).sort()).toEqual(['ns/a-done', 'ns/c-done']);
    gateway.put('sealedsecrets', ss('e-new', false));
    await vi.waitFor(() => expect(seen).toContain('ns/e-new'));
    term.abort();
    await leading;
    gateway.put('sealedsecrets', ss('f-after', false));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).not.toContain('ns/f-after');
    // The next term (this replica leads again) starts from the cache, with f-after among the pending ones.
    const again = new AbortController();
    const second = controller.lead(again.signal);
    await vi.waitFor(() => expect(seen).toContain('ns/f-after'));
    again.abort();
    await second;
  });

  it('a term waits for the in-flight reconcile; its retries are dropped, not carried into the next term', async () => {
    const gateway = new FakeGateway();
    gateway.put('sealedsecrets', ss('slow', false));
    let release: () => void = () => undefined;
    const seen: string[] = [];
    const held = new Controller({
      gateway,
      namespaces: undefined,
      labelSelector: '',
      skipRecreate: false,
      maxUnsealRetries: 5,
      clock: systemClock,
      log,
      workers: 1,
      leaderElected: true,
      reconcile: (key) => {
        seen.push(key);
        return new Promise<Outcome>((resolve) => {
          release = () => resolve({ kind: 'retry', error: 'boom' });
        });
      },
    });
    const stop = new AbortController();
    stops.push(stop);
    void held.start(stop.signal);
    await vi.waitFor(() => expect(held.ready()).toBe(true));
    const term = new AbortController();
    let ended = false;
    const leading = held.lead(term.signal).then(() => (ended = true));
    await vi.waitFor(() => expect(seen).toEqual(['ns/slow']));
    term.abort();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(ended).toBe(false);
    release();
    await leading;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).toEqual(['ns/slow']);
  });
});
