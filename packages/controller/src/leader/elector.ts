import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { isKubeError } from '@ssts/kube';
import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { KubeGateway, Lease } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';
import { EVENT_SOURCE } from '../reconcile/reconcile.js';
import {
  acquiredRecord,
  recordOf,
  releasedRecord,
  sameRecord,
  withRecord,
  type LeaderRecord,
} from './lease-record.js';

/** Who may write right now. Without leader election every replica may (ALWAYS_LEADER). */
export interface Leadership {
  isLeader(): boolean;
}

export const ALWAYS_LEADER: Leadership = { isLeader: () => true };

/** How a replica's leadership changed: it took the Lease, lost it (renewal failed), or gave it back (stop). */
export type LeadershipChange = 'acquired' | 'lost' | 'released';

/** client-go's identity: the pod name (POD_NAME, else the host name, which is the pod name in a pod) + a UUID. */
export function leaderIdentity(env: Readonly<Record<string, string | undefined>>): string {
  const pod = env['POD_NAME'] || hostname();
  return `${pod}_${randomUUID()}`;
}

export type LeaseGateway = Pick<
  KubeGateway,
  'getLease' | 'createLease' | 'updateLease' | 'watchLease' | 'createEvent'
>;

export interface LeaderElectorOptions {
  readonly gateway: LeaseGateway;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * The leader's work for one term: starts at once, stops when `term` aborts, and resolves when what was in
   * flight finished. The next term starts only after that.
   */
  readonly onStartedLeading: (term: AbortSignal) => Promise<void>;
  readonly onChange?: (change: LeadershipChange) => void;
  /** How long a stopping leader waits for its work to drain before releasing the Lease (default renewDeadline). */
  readonly drainTimeoutMs?: number;
  /** For jitter; default Math.random. */
  readonly random?: () => number;
}

/** AbortSignal.timeout wants a whole, positive number of ms (monotonic times are fractional). */
function timeoutSignal(ms: number): AbortSignal {
  return AbortSignal.timeout(Math.max(1, Math.ceil(ms)));
}

/** Retries while acquiring are spread by up to this fraction of the retry period, so candidates do not align. */
const ACQUIRE_JITTER = 0.2;
export const LEASE_EVENT_REASON = 'LeaderElection';

/**
 * Lease-based leader election with client-go's semantics (tools/leaderelection):
 *
 * - a candidate takes the Lease when it does not exist, has no holder, or its record stayed unchanged for the
 *   record's leaseDurationSeconds as measured on this process's monotonic clock since it first saw that record
 *   (never by comparing renewTime with the local time, so clock skew between nodes does not matter);
 * - every write is a PUT guarded by resourceVersion (a Conflict means someone else wrote first);
 * - the leader renews every retry period and stops leading when it could not renew for the renew deadline, which
 *   is shorter than the lease duration, so it stops before anyone may take over;
 * - on stop the leader drains its work, then releases (no holder, one-second duration) for a fast handover.
 *
 * Ours on top: candidates also watch the Lease, so a release or deletion is noticed at once and an expiry is
 * acted on when it happens rather than at the next poll; the leader steps down as soon as it sees another valid
 * holder instead of waiting for the renew deadline.
 */
export class LeaderElector implements Leadership {
  readonly #o: LeaderElectorOptions;
  #leading = false;
  #observed: { lease: Lease | undefined; record: LeaderRecord | undefined; at: number };
  /** Monotonic time at which the last successful acquire/renew request was sent (conservative). */
  #lastRenewSentAt = 0;
  #wake: (() => void) | undefined;
  #lastProblem: string | undefined;

  constructor(options: LeaderElectorOptions) {
    this.#o = options;
    this.#observed = { lease: undefined, record: undefined, at: options.clock.monotonicNow() };
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder of the Lease as last observed; '' when released, undefined when unknown or absent. */
  get observedLeader(): string | undefined {
    return this.#observed.record?.holderIdentity;
  }

  get identity(): string {
    return this.#o.identity;
  }

  /** Campaigns and leads until `signal` aborts; a leader drains its work and releases the Lease on the way out. */
  async run(signal: AbortSignal): Promise<void> {
    const watchStop = new AbortController();
    const watching = this.#watch(watchStop.signal);
    try {
      while (!signal.aborted) {
        if (!(await this.#acquire(signal))) break;
        const ended = await this.#lead(signal);
        // The leader's work ended by itself (it failed): do not take the Lease straight back in a tight loop.
        if (ended === 'work-ended' && !signal.aborted) await this.#sleep(this.#o.retryPeriodMs, signal);
      }
    } finally {
      watchStop.abort();
      await watching;
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#o.log.info(
      { lease: this.#leaseName(), identity: this.#o.identity },
      'Waiting to acquire the leader Lease',
    );
    while (!signal.aborted) {
      if (await this.#tryAcquireOrRenew(signal, this.#o.retryPeriodMs)) return true;
      const jitter = 1 + ACQUIRE_JITTER * (this.#o.random ?? Math.random)();
      // Wake up when the observed record expires, if that comes before the next poll.
      const wait = Math.min(this.#o.retryPeriodMs * jitter, Math.max(0, this.#validForMs()) + 1);
      await this.#sleep(wait, signal, true);
    }
    return false;
  }

  /** One leadership term; resolves once leadership ended and the term's work drained. */
  async #lead(signal: AbortSignal): Promise<'lost' | 'stopped' | 'work-ended'> {
    void this.#changeTo(true, 'acquired');
    const term = new AbortController();
    let workEnded = false;
    const work = this.#o
      .onStartedLeading(term.signal)
      .catch((error: unknown) => this.#o.log.error({ error: errorMessage(error) }, 'The leader work failed'))
      .finally(() => (workEnded = true));
    const renewStop = new AbortController();
    const renewing = this.#renewLoop(renewStop.signal).then((result) => {
      // Writes stop at once (the gate reads isLeader()); in-flight work notices through `term`.
      if (result === 'lost') void this.#changeTo(false, 'lost');
      term.abort();
      return result;
    });
    let onStop: (() => void) | undefined;
    const stopping = new Promise<void>((resolve) => {
      onStop = () => resolve();
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', onStop, { once: true });
    });
    await Promise.race([renewing, work, stopping]);
    if (onStop !== undefined) signal.removeEventListener('abort', onStop);
    term.abort();
    if (this.#leading) {
      // Stopping (or the work ended): let in-flight writes finish while the Lease is still ours and renewed.
      await this.#withTimeout(work, this.#o.drainTimeoutMs ?? this.#o.renewDeadlineMs);
    } else {
      // Lost: the next term may only start once this one's workers are gone.
      await work;
    }
    renewStop.abort();
    const renewed = await renewing;
    if (!this.#leading) return 'lost';
    const event = this.#changeTo(false, 'released');
    await this.#release();
    await this.#withTimeout(event, Math.min(this.#o.renewDeadlineMs, 5_000));
    return workEnded && !signal.aborted && renewed === 'stopped' ? 'work-ended' : 'stopped';
  }

  async #renewLoop(stop: AbortSignal): Promise<'lost' | 'stopped'> {
    const { retryPeriodMs, renewDeadlineMs, clock } = this.#o;
    for (;;) {
      await this.#sleep(retryPeriodMs, stop);
      if (stop.aborted) return 'stopped';
      const left = this.#lastRenewSentAt + renewDeadlineMs - clock.monotonicNow();
      if (left <= 0) return this.#lost('the renew deadline passed');
      if (await this.#tryAcquireOrRenew(stop, left)) continue;
      if (stop.aborted) return 'stopped';
      const holder = this.#observed.record?.holderIdentity ?? '';
      if (holder !== '' && holder !== this.#o.identity && this.#validForMs() > 0) {
        return this.#lost(`the Lease is held by ${holder}`);
      }
      if (clock.monotonicNow() - this.#lastRenewSentAt >= renewDeadlineMs) {
        return this.#lost('the renew deadline passed');
      }
    }
  }

  #lost(reason: string): 'lost' {
    this.#o.log.error({ lease: this.#leaseName(), reason }, 'Failed to renew the leader Lease');
    return 'lost';
  }

  /**
   * client-go's tryAcquireOrRenew. `timeoutMs` bounds the whole attempt, so a hung request cannot outlive the
   * renew deadline.
   */
  async #tryAcquireOrRenew(signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    try {
      return await this.#attempt(signal, timeoutMs);
    } catch (error) {
      // Nothing in here may stop the controller: an unexpected failure is a failed attempt.
      this.#problem(`leader election attempt failed: ${errorMessage(error)}`);
      return false;
    }
  }

  async #attempt(signal: AbortSignal, timeoutMs: number): Promise<boolean> {
    const { gateway, namespace, name, identity, clock } = this.#o;
    const sentAt = clock.monotonicNow();
    const call = { signal: AbortSignal.any([signal, timeoutSignal(timeoutMs)]) };
    const seconds = this.#o.leaseDurationMs / 1000;
    const succeeded = (lease: Lease): true => {
      this.#observe(lease);
      this.#lastRenewSentAt = sentAt;
      this.#problem(undefined);
      return true;
    };
    // Fast path: the leader renews the Lease it wrote last; a conflict falls back to a fresh read.
    const mine = this.#observed;
    if (this.#leading && mine.lease !== undefined && mine.record?.holderIdentity === identity) {
      try {
        const next = withRecord(mine.lease, acquiredRecord(mine.record, identity, seconds, clock.now()));
        return succeeded(await gateway.updateLease(next, call));
      } catch (error) {
        this.#o.log.debug({ error: errorMessage(error) }, 'Renewing with the cached Lease failed');
      }
    }
    let lease: Lease | undefined;
    try {
      lease = await gateway.getLease(namespace, name, call);
    } catch (error) {
      this.#problem(`cannot read the Lease ${this.#leaseName()}: ${errorMessage(error)}`);
      return false;
    }
    if (lease === undefined) {
      this.#observe(undefined);
      try {
        const fresh = withRecord(
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace } },
          acquiredRecord(undefined, identity, seconds, clock.now()),
        );
        return succeeded(await gateway.createLease(fresh, call));
      } catch (error) {
        this.#problem(
          isKubeError(error, 'Forbidden')
            ? `the Lease ${this.#leaseName()} does not exist and this service account may not create it: ` +
                'create it (the Helm chart does) or allow `create` on leases'
            : isKubeError(error, 'AlreadyExists')
              ? undefined
              : `cannot create the Lease ${this.#leaseName()}: ${errorMessage(error)}`,
        );
        return false;
      }
    }
    this.#observe(lease);
    const record = this.#observed.record;
    const holder = record?.holderIdentity ?? '';
    if (holder !== '' && holder !== identity && this.#validForMs() > 0) return false;
    try {
      const next = withRecord(lease, acquiredRecord(record, identity, seconds, clock.now()));
      return succeeded(await gateway.updateLease(next, call));
    } catch (error) {
      // Conflict: another candidate wrote first; it will be observed on the next attempt.
      if (!isKubeError(error, 'Conflict')) {
        this.#problem(`cannot update the Lease ${this.#leaseName()}: ${errorMessage(error)}`);
      }
      return false;
    }
  }

  /** Logs a problem once when it starts (and at debug while it lasts), and once when it is gone. */
  #problem(message: string | undefined): void {
    if (message === this.#lastProblem) {
      if (message !== undefined) this.#o.log.debug({ lease: this.#leaseName() }, message);
      return;
    }
    if (message !== undefined) this.#o.log.error({ lease: this.#leaseName() }, message);
    this.#lastProblem = message;
  }

  /** client-go's observedRecord/observedTime: the time is reset only when the record itself changes. */
  #observe(lease: Lease | undefined): void {
    const record = recordOf(lease);
    if (sameRecord(record, this.#observed.record)) {
      this.#observed = { ...this.#observed, lease };
      return;
    }
    const previous = this.#observed.record?.holderIdentity;
    this.#observed = { lease, record, at: this.#o.clock.monotonicNow() };
    const holder = record?.holderIdentity ?? '';
    if (holder !== (previous ?? '') && holder !== this.#o.identity) {
      this.#o.log.info(
        { lease: this.#leaseName(), leader: holder === '' ? null : holder },
        'Leader observed',
      );
    }
  }

  /** How long the observed record stays valid on the local monotonic clock; <= 0 when it may be taken. */
  #validForMs(): number {
    const record = this.#observed.record;
    if (record === undefined || record.holderIdentity === '') return 0;
    const seconds =
      record.leaseDurationSeconds > 0 ? record.leaseDurationSeconds : this.#o.leaseDurationMs / 1000;
    return this.#observed.at + seconds * 1000 - this.#o.clock.monotonicNow();
  }

  /** Gives the Lease back (client-go release): only when the last record we wrote still names us. */
  async #release(): Promise<void> {
    const { gateway, identity, clock } = this.#o;
    const signal = timeoutSignal(Math.min(this.#o.renewDeadlineMs, 5_000));
    let lease = this.#observed.lease;
    try {
      for (let attempt = 0; attempt < 2 && lease !== undefined; attempt++) {
        const record = recordOf(lease);
        if (record?.holderIdentity !== identity) return;
        try {
          this.#observe(
            await gateway.updateLease(withRecord(lease, releasedRecord(record, clock.now())), { signal }),
          );
          this.#o.log.info({ lease: this.#leaseName() }, 'Released the leader Lease');
          return;
        } catch (error) {
          if (!isKubeError(error, 'Conflict')) throw error;
          lease = await gateway.getLease(this.#o.namespace, this.#o.name, { signal });
        }
      }
    } catch (error) {
      this.#o.log.warn(
        { lease: this.#leaseName(), error: errorMessage(error) },
        'Cannot release the leader Lease; another replica takes over when it expires',
      );
    }
  }

  /** Candidates watch the Lease so a release, a deletion or a new holder is seen at once. */
  async #watch(signal: AbortSignal): Promise<void> {
    const { gateway, namespace, name, clock, retryPeriodMs } = this.#o;
    while (!signal.aborted) {
      const started = clock.monotonicNow();
      try {
        await gateway.watchLease(
          namespace,
          name,
          '',
          (event) => {
            // The leader trusts its own writes; an older event arriving late must not replace them.
            if (this.#leading && event.type !== 'DELETED') return;
            this.#observe(event.type === 'DELETED' ? undefined : event.object);
            if (this.#validForMs() <= 0) this.#wake?.();
          },
          signal,
        );
      } catch (error) {
        this.#o.log.debug({ lease: this.#leaseName(), error: errorMessage(error) }, 'Lease watch failed');
      }
      if (!signal.aborted && clock.monotonicNow() - started < retryPeriodMs) {
        await this.#sleep(retryPeriodMs, signal);
      }
    }
  }

  /** Resolves when the Lease event is written (or failed); callers that exit next wait for it. */
  #changeTo(leading: boolean, change: LeadershipChange): Promise<void> {
    this.#leading = leading;
    const log = this.#o.log;
    const fields = { lease: this.#leaseName(), identity: this.#o.identity };
    if (change === 'acquired') log.info(fields, 'Became the leader');
    else if (change === 'lost') log.error(fields, 'Stopped leading: lost the leader Lease');
    else log.info(fields, 'Stopped leading');
    this.#o.onChange?.(change);
    return this.#recordEvent(leading ? 'became leader' : 'stopped leading');
  }

  /** client-go's LeaderElection event on the Lease (`<identity> became leader` / `stopped leading`). */
  async #recordEvent(what: string): Promise<void> {
    const lease = this.#observed.lease;
    if (lease?.metadata.uid === undefined) return;
    const { namespace, name, identity, clock } = this.#o;
    await this.#o.gateway
      .createEvent({
        namespace,
        type: 'Normal',
        reason: LEASE_EVENT_REASON,
        message: `${identity} ${what}`,
        involvedObject: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          namespace,
          name,
          uid: lease.metadata.uid,
        },
        sourceComponent: EVENT_SOURCE,
        time: new Date(clock.now()),
      })
      .then(
        () => undefined,
        (error: unknown) =>
          this.#o.log.warn(
            { lease: this.#leaseName(), error: errorMessage(error) },
            'Cannot record the Lease event',
          ),
      );
  }

  #leaseName(): string {
    return `${this.#o.namespace}/${this.#o.name}`;
  }

  async #withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
    let handle: unknown;
    await Promise.race([
      promise,
      new Promise<void>((resolve) => (handle = this.#o.clock.setTimeout(resolve, ms))),
    ]);
    this.#o.clock.clearTimeout(handle);
  }

  /** Resolves after `ms`, when `signal` aborts, or (wakeable) when the Lease watch says it may be taken. */
  #sleep(ms: number, signal: AbortSignal, wakeable = false): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.#o.clock.clearTimeout(handle);
        signal.removeEventListener('abort', done);
        if (wakeable && this.#wake === done) this.#wake = undefined;
        resolve();
      };
      const handle = this.#o.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      if (wakeable) this.#wake = done;
    });
  }
}
