import { MESSAGE_LIMIT_BYTES } from '@ssts/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import { EventRecorder } from './event-recorder.js';
import { KubeError } from '@ssts/kube';
import type { KubeEvent } from './kube-gateway.js';

let gateway: FakeGateway;
let clock: ManualClock;

function event(overrides: Partial<KubeEvent> = {}, name = 'ss'): KubeEvent {
  return {
    namespace: 'ns',
    type: 'Warning',
    reason: 'ErrUnsealFailed',
    message: 'Failed to unseal: no key could decrypt secret (foo)',
    involvedObject: {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      namespace: 'ns',
      name,
      uid: `uid-${name}`,
      resourceVersion: '1',
    },
    sourceComponent: 'sealed-secrets',
    time: new Date(clock.now()),
    ...overrides,
  };
}

beforeEach(() => {
  gateway = new FakeGateway();
  clock = new ManualClock(Date.UTC(2026, 3, 22, 10));
});

describe('EventRecorder', () => {
  it('patches count and lastTimestamp of an identical event instead of creating another', async () => {
    const recorder = new EventRecorder({ gateway, clock });
    await recorder.record(event());
    clock.advance(5_000);
    // A newer resourceVersion of the same object is still the same event (client-go ignores it too).
    await recorder.record(event({ involvedObject: { ...event().involvedObject, resourceVersion: '2' } }));
    clock.advance(5_000);
    await recorder.record(event());
    expect(gateway.events).toHaveLength(1);
    expect(gateway.events[0]).toMatchObject({
      count: 3,
      time: new Date(Date.UTC(2026, 3, 22, 10)),
      lastTime: new Date(Date.UTC(2026, 3, 22, 10, 0, 10)),
    });
    expect(gateway.calls.filter((c) => c.startsWith('createEvent'))).toHaveLength(1);
    expect(gateway.calls.filter((c) => c.startsWith('patchEvent'))).toHaveLength(2);
  });

  it('keeps events apart that differ in message, reason, type or object', async () => {
    const recorder = new EventRecorder({ gateway, clock });
    await recorder.record(event());
    await recorder.record(event({ message: 'Failed to unseal: other' }));
    await recorder.record(event({ reason: 'ErrUpdateFailed' }));
    await recorder.record(event({ type: 'Normal' }));
    await recorder.record(event({}, 'other'));
    await recorder.record(event({ involvedObject: { ...event().involvedObject, uid: 'recreated' } }));
    expect(gateway.events.map((e) => e.count)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(recorder.size).toBe(6);
  });

  it('starts a new Event after the window', async () => {
    const recorder = new EventRecorder({ gateway, clock, windowMs: 60_000 });
    await recorder.record(event());
    clock.advance(60_000);
    await recorder.record(event());
    clock.advance(60_001);
    await recorder.record(event());
    expect(gateway.events.map((e) => e.count)).toEqual([2, 1]);
  });

  it('re-creates an Event that expired on the server, with the running count and first time', async () => {
    const recorder = new EventRecorder({ gateway, clock });
    await recorder.record(event());
    await recorder.record(event());
    gateway.events.length = 0;
    clock.advance(1_000);
    await recorder.record(event());
    expect(gateway.events).toHaveLength(1);
    expect(gateway.events[0]).toMatchObject({
      count: 3,
      firstTime: new Date(Date.UTC(2026, 3, 22, 10)),
      time: new Date(Date.UTC(2026, 3, 22, 10, 0, 1)),
    });
    await recorder.record(event());
    expect(gateway.events.map((e) => e.count)).toEqual([4]);
  });

  it('rejects on other API errors and does not count the lost repeat', async () => {
    const recorder = new EventRecorder({ gateway, clock });
    await recorder.record(event());
    gateway.failures.set('patchEvent', new KubeError('Forbidden', 'events is forbidden', { status: 403 }));
    await expect(recorder.record(event())).rejects.toMatchObject({ code: 'Forbidden' });
    await recorder.record(event());
    expect(gateway.events.map((e) => e.count)).toEqual([2]);
    gateway.failures.set('createEvent', new KubeError('Forbidden', 'events is forbidden', { status: 403 }));
    await expect(recorder.record(event({ reason: 'Unsealed' }))).rejects.toMatchObject({ code: 'Forbidden' });
    expect(recorder.size).toBe(1);
  });

  it('caps the message of an event (issue 9 item 5): a huge key name gives a 1 KiB message, still aggregated', async () => {
    const recorder = new EventRecorder({ gateway, clock });
    const huge = `Failed to unseal: no key could decrypt secret (${'k'.repeat(800_000)})`;
    await recorder.record(event({ message: huge }));
    await recorder.record(event({ message: huge }));
    expect(gateway.events).toHaveLength(1);
    const message = gateway.events[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES);
    expect(message).toMatch(/^Failed to unseal: no key could decrypt secret \(k+\.\.\. \[\d+ more bytes\]$/);
    expect(gateway.events[0]?.count).toBe(2);
  });

  it('is a bounded LRU: the least recently seen event is forgotten first', async () => {
    const recorder = new EventRecorder({ gateway, clock, maxEntries: 2 });
    await recorder.record(event({}, 'a'));
    await recorder.record(event({}, 'b'));
    await recorder.record(event({}, 'a'));
    await recorder.record(event({}, 'c'));
    expect(recorder.size).toBe(2);
    // `b` was the least recently seen, so it is a new Event now; `c` is still aggregated.
    await recorder.record(event({}, 'b'));
    await recorder.record(event({}, 'c'));
    expect(gateway.events.map((e) => `${e.involvedObject.name}:${e.count}`)).toEqual([
      'a:2',
      'b:1',
      'c:2',
      'b:1',
    ]);
    for (let i = 0; i < 1000; i++) await recorder.record(event({}, `n${i}`));
    expect(recorder.size).toBe(2);
  });
});
