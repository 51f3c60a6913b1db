import { Writable } from 'node:stream';
import { KubeError } from '@ssts/kube';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeGateway } from '../../test/fake-gateway.js';
import { ManualClock } from '../../test/manual-clock.js';
import type { Lease } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';
import { LeaderElector, leaderIdentity, type LeadershipChange } from './elector.js';
import { acquiredRecord, formatMicroTime, recordOf, releasedRecord } from './lease-record.js';

const NS = 'ctrl';
const NAME = 'sealed-secrets-controller';
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** Lets every pending promise chain run (the fake gateway answers in microtasks). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream) as Logger, lines };
}

interface Candidate {
  readonly elector: LeaderElector;
  readonly changes: LeadershipChange[];
  /** Terms started; each resolves its work when `finish()` is called (default: at once when aborted). */
  readonly terms: { signal: AbortSignal; finish: () => void }[];
  readonly stop: AbortController;
  readonly done: Promise<void>;
  readonly lines: string[];
}

// A fractional start, as performance.now() is: nothing may assume whole milliseconds.
function world(start = Date.UTC(2026, 0, 2, 3, 4, 5) + 0.25) {
  const gateway = new FakeGateway();
  const clock = new ManualClock(start);
  const candidates: Candidate[] = [];
  const candidate = (identity: string, options: { holdWork?: boolean } = {}): Candidate => {
    const { log, lines } = capturingLogger();
    const changes: LeadershipChange[] = [];
    const terms: Candidate['terms'] = [];
    const elector = new LeaderElector({
      gateway,
      namespace: NS,
      name: NAME,
      identity,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      clock,
      log,
      random: () => 0,
      onChange: (change) => changes.push(change),
      onStartedLeading: (signal) =>
        new Promise<void>((resolve) => {
          const finish = (): void => resolve();
          terms.push({ signal, finish });
          if (!options.holdWork) signal.addEventListener('abort', finish, { once: true });
        }),
    });
    const stop = new AbortController();
    const c = { elector, changes, terms, stop, done: elector.run(stop.signal), lines };
    candidates.push(c);
    return c;
  };
  /** Advances the clock in steps so async chains can arm their next timers. */
  const advance = async (ms: number, step = 250): Promise<void> => {
    for (let t = 0; t < ms; t += step) {
      clock.advance(Math.min(step, ms - t));
      await settle();
    }
  };
  const lease = (): Lease | undefined => gateway.leases.get(`${NS}/${NAME}`);
  const updates = () => gateway.calls.filter((c) => c.startsWith('updateLease')).length;
  const stopAll = async () => {
    for (const c of candidates) c.stop.abort();
    await settle();
    await Promise.all(candidates.map((c) => c.done));
  };
  return { gateway, clock, candidate, advance, lease, updates, stopAll };
}

/** A Lease record as another process (with its own clock) wrote it. */
function foreignLease(holder: string, renewTime: string, transitions = 3): Lease {
  return {
    metadata: { name: NAME, namespace: NS },
    spec: {
      holderIdentity: holder,
      leaseDurationSeconds: 15,
      acquireTime: renewTime,
      renewTime,
      leaseTransitions: transitions,
    },
  };
}

describe('lease record', () => {
  it('writes MicroTime with six fractional digits, never a JS Date string', () => {
    expect(formatMicroTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('2026-01-02T03:04:05.000000Z');
    expect(formatMicroTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('2026-01-02T03:04:05.678000Z');
  });

  it('keeps acquireTime and transitions on renewal, counts a takeover, releases without a holder', () => {
    const first = acquiredRecord(undefined, 'a', 15, Date.UTC(2026, 0, 1));
    expect(first).toEqual({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-01T00:00:00.000000Z',
      renewTime: '2026-01-01T00:00:00.000000Z',
      leaseTransitions: 0,
    });
    const renewed = acquiredRecord(first, 'a', 15, Date.UTC(2026, 0, 1, 0, 0, 2));
    expect(renewed).toMatchObject({ acquireTime: first.acquireTime, leaseTransitions: 0 });
    expect(renewed.renewTime).toBe('2026-01-01T00:00:02.000000Z');
    const taken = acquiredRecord(renewed, 'b', 15, Date.UTC(2026, 0, 1, 0, 1));
    expect(taken).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    expect(taken.acquireTime).toBe('2026-01-01T00:01:00.000000Z');
    expect(releasedRecord(taken, Date.UTC(2026, 0, 1, 0, 2))).toMatchObject({
      holderIdentity: '',
      leaseDurationSeconds: 1,
      leaseTransitions: 1,
    });
  });

  it('identity is the pod name plus a unique suffix', () => {
    const a = leaderIdentity({ POD_NAME: 'sealed-secrets-7d9f-abcde' });
    const b = leaderIdentity({ POD_NAME: 'sealed-secrets-7d9f-abcde' });
    expect(a).toMatch(/^sealed-secrets-7d9f-abcde_[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});

describe('LeaderElector', () => {
  it('acquires a missing Lease, renews it every retry period, and records an event on the Lease', async () => {
    const w = world();
    const a = w.candidate('pod-a_1');
    await settle();
    expect(a.elector.isLeader()).toBe(true);
    expect(a.changes).toEqual(['acquired']);
    expect(a.terms).toHaveLength(1);
    const created = w.lease();
    expect(created?.spec).toMatchObject({
      holderIdentity: 'pod-a_1',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: '2026-01-02T03:04:05.000000Z',
      renewTime: '2026-01-02T03:04:05.000000Z',
    });
    expect(w.gateway.events).toEqual([
      expect.objectContaining({
        reason: 'LeaderElection',
        message: 'pod-a_1 became leader',
        involvedObject: expect.objectContaining({
          kind: 'Lease',
          name: NAME,
          namespace: NS,
          uid: created?.metadata.uid,
        }),
      }),
    ]);

    await w.advance(2_000);
    const renewed = w.lease();
    expect(renewed?.spec?.renewTime).toBe('2026-01-02T03:04:07.000000Z');
    expect(renewed?.spec?.acquireTime).toBe(created?.spec?.acquireTime);
    expect(Number(renewed?.metadata.resourceVersion)).toBeGreaterThan(
      Number(created?.metadata.resourceVersion),
    );
    for (const t of [renewed?.spec?.renewTime, renewed?.spec?.acquireTime]) expect(t).toMatch(MICRO_TIME);
    const before = w.updates();
    await w.advance(10_000);
    expect(w.updates() - before).toBe(5);
    expect(a.elector.isLeader()).toBe(true);
    await w.stopAll();
  });

  it('waits for a held Lease to stay unchanged for its duration on the local clock, not its renewTime', async () => {
    const w = world();
    // Written an hour "ago" by a holder whose clock is far behind: comparing renewTime with now would expire it.
    w.gateway.putLease(foreignLease('pod-old_9', '2026-01-02T02:04:05.000000Z'));
    const b = w.candidate('pod-b_2');
    await settle();
    expect(b.elector.isLeader()).toBe(false);
    // A wall-clock step forward changes nothing either: durations run on the monotonic clock.
    w.clock.stepWall(3_600_000);
    await w.advance(14_500);
    expect(b.elector.isLeader()).toBe(false);
    await w.advance(1_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(w.lease()?.spec).toMatchObject({ holderIdentity: 'pod-b_2', leaseTransitions: 4 });
    await w.stopAll();
  });

  it('never takes a Lease whose holder keeps renewing, and takes it once the renewals stop', async () => {
    const w = world();
    let renewals = 0;
    const renew = (): void => {
      renewals++;
      const t = formatMicroTime(w.clock.now());
      w.gateway.putLease(foreignLease('pod-a_1', t));
    };
    renew();
    const b = w.candidate('pod-b_2');
    for (let i = 0; i < 20; i++) {
      await w.advance(2_000);
      renew();
    }
    expect(b.elector.isLeader()).toBe(false);
    expect(renewals).toBe(21);
    // The last renewal was seen through the watch at once: the takeover comes one lease duration later.
    await w.advance(14_750);
    expect(b.elector.isLeader()).toBe(false);
    await w.advance(500);
    expect(b.elector.isLeader()).toBe(true);
    await w.stopAll();
  });

  it('stops leading at once when a renewal conflicts with another valid holder; writes stop with it', async () => {
    const w = world();
    const a = w.candidate('pod-a_1');
    await settle();
    expect(a.elector.isLeader()).toBe(true);
    // Someone else wrote the Lease (an operator, or a replica that wrongly took it).
    w.gateway.putLease(foreignLease('pod-x_7', formatMicroTime(w.clock.now()), 1));
    await w.advance(2_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.changes).toEqual(['acquired', 'lost']);
    expect(a.terms[0]?.signal.aborted).toBe(true);
    expect(a.lines.join('')).toContain('the Lease is held by pod-x_7');
    await w.stopAll();
  });

  it('keeps leading through a conflict caused by a metadata-only change of its own Lease', async () => {
    const w = world();
    const a = w.candidate('pod-a_1');
    await settle();
    const current = w.lease();
    if (current === undefined) throw new Error('no Lease');
    w.gateway.putLease({ ...current, metadata: { ...current.metadata, labels: { touched: 'yes' } } });
    await w.advance(4_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.changes).toEqual(['acquired']);
    expect(w.lease()?.metadata.labels).toEqual({ touched: 'yes' });
    await w.stopAll();
  });

  it('stops leading when it cannot renew for the renew deadline, before anyone may take over', async () => {
    const w = world();
    const a = w.candidate('pod-a_1');
    await settle();
    const outage = new KubeError('Network', 'connect: connection refused');
    w.gateway.persistentFailures.set('updateLease', outage);
    w.gateway.persistentFailures.set('getLease', outage);
    await w.advance(9_000);
    expect(a.elector.isLeader()).toBe(true);
    await w.advance(1_500);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.changes).toEqual(['acquired', 'lost']);
    // A candidate that saw the last renewal could not have taken the Lease yet (15 s after it).
    w.gateway.persistentFailures.clear();
    const b = w.candidate('pod-b_2');
    await settle();
    expect(b.elector.isLeader()).toBe(false);
    await w.stopAll();
  });

  it('releases on stop after the work drained: holder empty, 1 s, transitions kept; a watcher takes over at once', async () => {
    const w = world();
    const a = w.candidate('pod-a_1', { holdWork: true });
    await settle();
    const b = w.candidate('pod-b_2');
    await settle();
    expect(b.elector.isLeader()).toBe(false);
    a.stop.abort();
    await settle();
    // The term is over but its in-flight work has not finished: the Lease stays held (and renewed).
    expect(a.terms[0]?.signal.aborted).toBe(true);
    expect(a.elector.isLeader()).toBe(true);
    await w.advance(2_000);
    expect(w.lease()?.spec?.holderIdentity).toBe('pod-a_1');
    const updatesBefore = w.updates();
    a.terms[0]?.finish();
    await settle();
    await a.done;
    expect(a.changes).toEqual(['acquired', 'released']);
    expect(w.updates()).toBeGreaterThan(updatesBefore);
    // b saw the release through its watch and took the Lease without waiting for any timer.
    expect(b.elector.isLeader()).toBe(true);
    expect(w.lease()?.spec).toMatchObject({ holderIdentity: 'pod-b_2', leaseTransitions: 1 });
    expect(w.gateway.events.map((e) => e.message)).toEqual([
      'pod-a_1 became leader',
      'pod-a_1 stopped leading',
      'pod-b_2 became leader',
    ]);
    await w.stopAll();
  });

  it('two electors racing for a missing Lease: exactly one leads, the other takes over after it stops', async () => {
    const w = world();
    const a = w.candidate('pod-a_1');
    const b = w.candidate('pod-b_2');
    await settle();
    await w.advance(6_000);
    const leaders = [a, b].filter((c) => c.elector.isLeader());
    expect(leaders).toHaveLength(1);
    const [leader] = leaders;
    const other = leader === a ? b : a;
    expect(w.lease()?.spec?.holderIdentity).toBe(leader?.elector.identity);
    leader?.stop.abort();
    await settle();
    await leader?.done;
    expect(other.elector.isLeader()).toBe(true);
    await w.stopAll();
  });

  it('two electors racing for an expired Lease: one wins the resourceVersion, the other gets a Conflict', async () => {
    const w = world();
    w.gateway.putLease(foreignLease('pod-dead_0', formatMicroTime(w.clock.now())));
    const a = w.candidate('pod-a_1');
    const b = w.candidate('pod-b_2');
    await settle();
    await w.advance(15_500, 500);
    expect([a, b].filter((c) => c.elector.isLeader())).toHaveLength(1);
    expect(recordOf(w.lease())?.leaseTransitions).toBe(4);
    await w.advance(10_000);
    expect([a, b].filter((c) => c.elector.isLeader())).toHaveLength(1);
    expect([...a.changes, ...b.changes]).toEqual(['acquired']);
    await w.stopAll();
  });

  it('a deleted Lease is created again by the next candidate, seen through the watch', async () => {
    const w = world();
    w.gateway.putLease(foreignLease('pod-a_1', formatMicroTime(w.clock.now())));
    const b = w.candidate('pod-b_2');
    await settle();
    expect(b.elector.isLeader()).toBe(false);
    w.gateway.removeLease(NS, NAME);
    await settle();
    expect(b.elector.isLeader()).toBe(true);
    expect(w.lease()?.spec?.leaseTransitions).toBe(0);
    await w.stopAll();
  });

  it('says once, clearly, when the Lease is missing and may not be created', async () => {
    const w = world();
    w.gateway.persistentFailures.set(
      'createLease',
      new KubeError('Forbidden', 'leases.coordination.k8s.io is forbidden', { status: 403 }),
    );
    const a = w.candidate('pod-a_1');
    await w.advance(10_000);
    expect(a.elector.isLeader()).toBe(false);
    const errors = a.lines.filter((l) => l.includes('"level":50'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('does not exist and this service account may not create it');
    w.gateway.persistentFailures.clear();
    await w.advance(3_000);
    expect(a.elector.isLeader()).toBe(true);
    await w.stopAll();
  });
});
