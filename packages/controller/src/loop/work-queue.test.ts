import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/manual-clock.js';
import { WorkQueue } from './work-queue.js';

function queue() {
  const clock = new ManualClock();
  return { clock, q: new WorkQueue({ clock }) };
}

describe('WorkQueue', () => {
  it('dedupes queued keys and keeps FIFO order', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands out a key in flight; re-adds it after done', async () => {
    const { q } = queue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first ?? '');
    await Promise.resolve();
    expect(second).toBe('a');
  });

  it('backs off exponentially per key from 5 ms, capped at 1000 s, until forget', async () => {
    const { q, clock } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 20; i++) {
      const start = clock.now();
      q.addRateLimited('k');
      while (q.length === 0) clock.advance(1);
      delays.push(clock.now() - start);
      await q.get();
      q.done('k');
    }
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(delays[18]).toBe(1_000_000);
    expect(q.numRequeues('k')).toBe(20);
    q.forget('k');
    expect(q.numRequeues('k')).toBe(0);
    const start = clock.now();
    q.addRateLimited('k');
    while (q.length === 0) clock.advance(1);
    expect(clock.now() - start).toBe(5);
  });

  it('keeps backoff separate per key', () => {
    const { q, clock } = queue();
    q.addRateLimited('a');
    q.addRateLimited('a');
    q.addRateLimited('b');
    expect(q.numRequeues('a')).toBe(2);
    expect(q.numRequeues('b')).toBe(1);
    clock.advance(5);
    expect(q.length).toBe(2);
  });

  it('shutDown releases waiting getters and drops delayed keys', async () => {
    const { q, clock } = queue();
    const waiting = q.get();
    q.addAfter('later', 100);
    q.shutDown();
    expect(await waiting).toBeUndefined();
    clock.advance(200);
    expect(q.length).toBe(0);
    q.add('x');
    expect(await q.get()).toBeUndefined();
  });
});
