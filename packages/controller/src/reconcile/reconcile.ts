import { randomUUID } from 'node:crypto';
import type { ItemKeys, SealedSecret, Secret } from '@ssts/core';
import type { Clock } from '../clock.js';
import { PoolUnsealError } from '../crypto/decrypt-pool.js';
import { errorMessage } from '../errors.js';
import { splitObjectKey } from '../loop/informers.js';
import type { EventSink } from '../kube/event-queue.js';
import type { KubeGateway } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';
import type { ControllerMetrics } from '../metrics.js';
import { applyEffects, applySecretAction } from './apply.js';
import {
  decide,
  type ObservedSecret,
  type Observation,
  type Outcome,
  type SyncResult,
  type Unsealed,
} from './decide.js';

export { EVENT_SOURCE } from './apply.js';
export type { Outcome, SyncResult } from './decide.js';

/**
 * What the informer cache knows about a Secret: `absent` only when a synced Secret informer covers it (then no
 * GET is needed before creating it), `present` when it holds it (its data is not cached: it is fetched),
 * `unknown` without such an informer (`--skip-recreate`, a label selector, a namespace still listing).
 */
export type CachedSecretState = 'absent' | 'present' | 'unknown';

export interface ReconcileDeps {
  readonly gateway: KubeGateway;
  /** The informer's cached SealedSecret; never mutated here. */
  readonly getCached: (namespace: string, name: string) => SealedSecret | undefined;
  /** What the Secret informer says; default `unknown` (always GET). */
  readonly cachedSecret?: (namespace: string, name: string) => CachedSecretState;
  /**
   * Unseals with the current keys (core unsealSealedSecret + the decrypt pool), saying which key decrypted each
   * item. A PoolUnsealError carries the items that did decrypt.
   */
  readonly unseal: (ss: SealedSecret) => Promise<UnsealOutput>;
  /** Events are queued here and sent off the reconcile path (EventQueue, aggregating through EventRecorder). */
  readonly events: EventSink;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  readonly updateStatus: boolean;
  readonly oldGcBehavior: boolean;
  /** The audit trail: called once per pass of an existing SealedSecret (audit/audit-log.ts). */
  readonly audit?: (ss: SealedSecret, result: SyncResult) => void;
  /** The key inventory: which key decrypted which items of this object in this pass, when known. */
  readonly recordKeys?: (ss: SealedSecret, itemKeys: ItemKeys) => void;
}

/** What an unseal produced: the Secret and, when known, the key that decrypted each item. */
export interface UnsealOutput {
  readonly secret: Secret;
  readonly itemKeys?: ItemKeys;
}

/**
 * A pass's outcome for the work queue, and its tail: the status write, which runs after the worker is free again.
 * The queue keeps the key busy until the tail ends. The tail never rejects.
 */
export type ReconcileResult = Outcome & { readonly tail?: Promise<void> };

/**
 * One level-based pass for `namespace/name` (compat §3.5–3.7), observe → decide → apply:
 * observe the cached SealedSecret, unseal it, and look at the Secret (the informer cache when it can tell the
 * Secret is absent, else a GET); `decide()` makes the whole plan; then the Secret is written and the events,
 * metric and status follow. No write happens before the decision. Two observations are made again, bounded:
 * a create refused as AlreadyExists (the cache lagged) fetches the Secret and decides once more, and any refused
 * Secret write is decided once more to report it.
 */
export async function reconcile(key: string, deps: ReconcileDeps): Promise<ReconcileResult> {
  const { namespace, name } = splitObjectKey(key);
  deps.metrics.unsealRequests.inc();
  const ss = deps.getCached(namespace, name);
  const observe = (more: Partial<Observation>): Observation => ({
    namespace,
    name,
    sealedSecret: ss,
    updateStatus: deps.updateStatus,
    oldGcBehavior: deps.oldGcBehavior,
    now: new Date(deps.clock.now()),
    ...more,
  });
  if (ss === undefined) {
    const plan = decide(observe({}));
    const failure = await applySecretAction(plan.secret, deps.gateway, deps.log);
    return failure === undefined ? plan.outcome : decide(observe({ writeFailure: failure })).outcome;
  }

  const log = deps.log.child({ namespace, sealedSecret: name, reconcileId: randomUUID().slice(0, 8) });
  const unsealed = await unseal(ss, deps);
  let observed = observe({
    unsealed,
    ...(unsealed.ok && { secret: await observeSecret(namespace, name, deps) }),
  });
  let plan = decide(observed);
  let failure = await applySecretAction(plan.secret, deps.gateway, log);
  if (
    failure?.code === 'AlreadyExists' &&
    observed.secret?.state === 'absent' &&
    observed.secret.from === 'cache'
  ) {
    // The informer had not seen the Secret yet: look at it, and decide again.
    log.debug('The Secret exists although the cache did not show it; fetching it');
    observed = observe({ unsealed, secret: await fetchSecret(namespace, name, deps.gateway) });
    plan = decide(observed);
    failure = await applySecretAction(plan.secret, deps.gateway, log);
  }
  if (failure !== undefined)
    plan = decide({ ...observed, writeFailure: failure, now: new Date(deps.clock.now()) });

  if (plan.result !== undefined) deps.audit?.(ss, plan.result);
  if (plan.result?.itemKeys !== undefined) deps.recordKeys?.(ss, plan.result.itemKeys);
  const tail = applyEffects(ss, plan, deps, log);
  return { ...plan.outcome, tail };
}

async function unseal(ss: SealedSecret, deps: ReconcileDeps): Promise<Unsealed> {
  try {
    const { secret, itemKeys } = await deps.unseal(ss);
    return { ok: true, secret, ...(itemKeys !== undefined && { itemKeys }) };
  } catch (error) {
    const itemKeys = error instanceof PoolUnsealError ? error.itemKeys : undefined;
    return { ok: false, message: errorMessage(error), ...(itemKeys !== undefined && { itemKeys }) };
  }
}

/** The cache when it knows the Secret is absent (no API call), else a GET. */
async function observeSecret(namespace: string, name: string, deps: ReconcileDeps): Promise<ObservedSecret> {
  if ((deps.cachedSecret?.(namespace, name) ?? 'unknown') === 'absent')
    return { state: 'absent', from: 'cache' };
  return fetchSecret(namespace, name, deps.gateway);
}

async function fetchSecret(namespace: string, name: string, gateway: KubeGateway): Promise<ObservedSecret> {
  try {
    const secret = await gateway.getSecret(namespace, name);
    return secret === undefined ? { state: 'absent', from: 'api' } : { state: 'present', secret };
  } catch (error) {
    return { state: 'error', message: errorMessage(error) };
  }
}
