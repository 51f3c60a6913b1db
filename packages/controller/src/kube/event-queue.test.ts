import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.js';
import { EventQueue } from './event-queue.js';
import type { KubeEvent } from './kube-gateway.js';

function event(name: string, reason = 'Unsealed'): KubeEvent {
  return {
    namespace: 'ns',
    type: 'Normal',
    reason,
    message: 'm',
    involvedObject: {
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      namespace: 'ns',
      name,
      uid: `u-${name}`,
    },
    sourceComponent: 'sealed-secrets',
    time: new Date(0),
  };
}

/** A sender the test releases one call at a time. */
function manualSender() {
  const started: string[] = [];
  const releases: (() => void)[] = [];
  let running = 0;
  let maxRunning = 0;
  const send = async (e: KubeEvent): Promise<void> => {
    started.push(`${e.involvedObject.name}:${e.reason}`);
    running++;
    maxRunning = Math.max(maxRunning, running);
    await new Promise<void>((resolve) => releases.push(resolve));
    running--;
  };
  return { send, started, releases, max: () => maxRunning };
}

const tick = () => new Promise((r) => setTimeout(r, 5));
const records: { msg?: string }[] = [];
const log = pino(
  { level: 'warn' },
  { write: (line: string) => records.push(JSON.parse(line) as { msg?: string }) },
) as Logger;

describe('EventQueue (events deferred off the reconcile path, like client-go)', () => {
  it('record() returns at once; events of one object are sent in order, other objects in parallel', async () => {
    const sender = manualSender();
    const queue = new EventQueue({ send: sender.send, log, concurrency: 8 });
    queue.record(event('a', 'ErrUnsealFailed'));
    queue.record(event('a', 'Unsealed'));
    queue.record(event('b'));
    expect(queue.pending).toBe(3);
    await tick();
    expect(sender.started).toEqual(['a:ErrUnsealFailed', 'b:Unsealed']);
    sender.releases.shift()?.();
    await tick();
    expect(sender.started).toEqual(['a:ErrUnsealFailed', 'b:Unsealed', 'a:Unsealed']);
    for (const release of sender.releases.splice(0)) release();
    await tick();
    for (const release of sender.releases.splice(0)) release();
    await queue.flush();
    expect(queue.pending).toBe(0);
  });

  it('sends at most `concurrency` events at once', async () => {
    const sender = manualSender();
    const queue = new EventQueue({ send: sender.send, log, concurrency: 2 });
    for (let i = 0; i < 6; i++) queue.record(event(`o${i}`));
    await tick();
    expect(sender.started).toHaveLength(2);
    while (sender.started.length < 6 || sender.releases.length > 0) {
      sender.releases.shift()?.();
      await tick();
    }
    await queue.flush();
    expect(sender.max()).toBe(2);
  });

  it('drops new events beyond maxPending and says so once per 100 drops; a failed send is logged', async () => {
    records.length = 0;
    const sender = manualSender();
    const queue = new EventQueue({ send: sender.send, log, maxPending: 3 });
    for (let i = 0; i < 105; i++) queue.record(event(`o${i}`));
    expect(queue.pending).toBe(3);
    expect(queue.dropped).toBe(102);
    expect(records.filter((r) => r.msg === 'Event queue full, dropping events')).toHaveLength(2);
    await tick();
    for (const release of sender.releases.splice(0)) release();
    await queue.flush();
    const failing = new EventQueue({ send: () => Promise.reject(new Error('events is forbidden')), log });
    failing.record(event('x'));
    await failing.flush();
    expect(records.at(-1)).toMatchObject({ msg: 'Cannot record an event', error: 'events is forbidden' });
  });

  it('flush(timeout) gives up waiting after the timeout', async () => {
    const queue = new EventQueue({ send: () => new Promise(() => undefined), log });
    queue.record(event('stuck'));
    const started = performance.now();
    await queue.flush(30);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(queue.pending).toBe(1);
  });
});
