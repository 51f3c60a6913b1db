import type { Lease, LeaseSpec } from '../kube/kube-gateway.js';

/**
 * The leader-election record of a Lease (client-go's LeaderElectionRecord), pure. Times go to the API as MicroTime:
 * RFC 3339 with exactly six fractional digits. A JS `Date` string (three digits) is rejected by the API server
 * (kubernetes-client/javascript#828).
 */
export interface LeaderRecord {
  readonly holderIdentity: string;
  readonly leaseDurationSeconds: number;
  readonly acquireTime: string;
  readonly renewTime: string;
  readonly leaseTransitions: number;
}

/** `2026-01-02T03:04:05.000000Z` for a time in ms since the epoch. */
export function formatMicroTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}000Z`;
}

/** The record a Lease carries; missing fields read as client-go reads them (empty, zero). */
export function recordOf(lease: Lease | undefined): LeaderRecord | undefined {
  if (lease === undefined) return undefined;
  const spec: LeaseSpec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: spec.acquireTime ?? '',
    renewTime: spec.renewTime ?? '',
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

/** Whether two observations carry the same record (client-go compares the raw record, not resourceVersion). */
export function sameRecord(a: LeaderRecord | undefined, b: LeaderRecord | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.holderIdentity === b.holderIdentity &&
    a.leaseDurationSeconds === b.leaseDurationSeconds &&
    a.acquireTime === b.acquireTime &&
    a.renewTime === b.renewTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/**
 * The record `identity` writes to take or keep the Lease at wall time `nowMs` (client-go tryAcquireOrRenew): a
 * renewal keeps acquireTime and the transition count, a takeover counts one more transition.
 */
export function acquiredRecord(
  previous: LeaderRecord | undefined,
  identity: string,
  leaseDurationSeconds: number,
  nowMs: number,
): LeaderRecord {
  const now = formatMicroTime(nowMs);
  const renewing = previous !== undefined && previous.holderIdentity === identity;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: renewing && previous.acquireTime !== '' ? previous.acquireTime : now,
    renewTime: now,
    leaseTransitions:
      previous === undefined ? 0 : renewing ? previous.leaseTransitions : previous.leaseTransitions + 1,
  };
}

/** client-go's release: no holder, a one-second duration, the transition count kept. */
export function releasedRecord(previous: LeaderRecord | undefined, nowMs: number): LeaderRecord {
  const now = formatMicroTime(nowMs);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: now,
    renewTime: now,
    leaseTransitions: previous?.leaseTransitions ?? 0,
  };
}

/** `lease` with `record` as its spec; other spec fields (strategy, preferredHolder) and metadata are kept. */
export function withRecord(lease: Lease, record: LeaderRecord): Lease {
  return { ...lease, spec: { ...lease.spec, ...record } };
}
