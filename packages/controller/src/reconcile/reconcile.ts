import { randomUUID } from 'node:crypto';
import {
  capMessage,
  updateSyncedCondition,
  withDecryptionKeys,
  type ItemKeys,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import type { Clock } from '../clock.js';
import { PoolUnsealError } from '../crypto/decrypt-pool.js';
import { errorMessage } from '../errors.js';
import type { EventSink } from '../kube/event-recorder.js';
import { isKubeError } from '@ssts/kube';
import type { KubeGateway } from '../kube/kube-gateway.js';
import { isNotLeader } from '../leader/write-gate.js';
import type { Logger } from '../log.js';
import type { ControllerMetrics } from '../metrics.js';
import {
  EVENT_UNSEALED,
  EVENT_UNSEAL_FAILED,
  EVENT_UPDATE_FAILED,
  immutableMessage,
  MESSAGE_UNSEALED,
  planSecretUpdate,
  secretToCreate,
  withTypeMeta,
  type ErrorReason,
} from './decide.js';

/** Event source component (compat §3.7). */
export const EVENT_SOURCE = 'sealed-secrets';

/** How a reconcile ended, for the work queue (STYLE §2: retry, terminal, or done). */
export type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly error: string }
  | { readonly kind: 'terminal'; readonly error: string };

export interface ReconcileDeps {
  readonly gateway: KubeGateway;
  /** The informer's cached SealedSecret; never mutated here. */
  readonly getCached: (namespace: string, name: string) => SealedSecret | undefined;
  /**
   * Unseals with the current keys (core unsealSealedSecret + the decrypt pool), saying which key decrypted each
   * item. A PoolUnsealError carries the items that did decrypt.
   */
  readonly unseal: (ss: SealedSecret) => Promise<Unsealed>;
  /** Events go through here so repeats are aggregated (EventRecorder). */
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
export interface Unsealed {
  readonly secret: Secret;
  readonly itemKeys?: ItemKeys;
}

/** How the Secret step of a pass ended; `reason` is the unseal_errors_total label. */
export type SyncResult =
  | {
      readonly ok: true;
      readonly secret: 'created' | 'updated' | 'unchanged';
      /** Which key decrypted which item (status.decryptionKeys). */
      readonly itemKeys?: ItemKeys;
    }
  | {
      readonly ok: false;
      readonly reason: ErrorReason;
      readonly message: string;
      readonly terminal: boolean;
      /** The items that did decrypt, when the unseal got that far. */
      readonly itemKeys?: ItemKeys;
    };

/**
 * One level-based pass for `namespace/name` (compat §3.5–3.7): unseal, create or update the Secret, emit events,
 * then write the Synced status when it changed. Reads the SealedSecret from the cache, writes through the gateway.
 */
export async function reconcile(key: string, deps: ReconcileDeps): Promise<Outcome> {
  const slash = key.indexOf('/');
  const namespace = key.slice(0, slash);
  const name = key.slice(slash + 1);
  deps.metrics.unsealRequests.inc();
  const cached = deps.getCached(namespace, name);
  if (cached === undefined) {
    if (deps.oldGcBehavior) {
      try {
        if (await deps.gateway.deleteSecret(namespace, name))
          deps.log.info({ namespace, name }, 'Deleted the Secret of a deleted SealedSecret');
      } catch (error) {
        return { kind: 'retry', error: errorMessage(error) };
      }
    }
    return { kind: 'done' };
  }
  const ss = withTypeMeta(cached);
  const log = deps.log.child({ namespace, sealedSecret: name, reconcileId: randomUUID().slice(0, 8) });
  const result = await syncSecret(ss, deps, log);
  deps.audit?.(ss, result);
  if (result.itemKeys !== undefined) deps.recordKeys?.(ss, result.itemKeys);
  if (deps.updateStatus) await writeStatus(ss, result, deps, log);
  if (result.ok) return { kind: 'done' };
  return result.terminal
    ? { kind: 'terminal', error: result.message }
    : { kind: 'retry', error: result.message };
}

async function syncSecret(ss: SealedSecret, deps: ReconcileDeps, log: Logger): Promise<SyncResult> {
  const namespace = ss.metadata.namespace ?? '';
  const name = ss.metadata.name ?? '';
  let itemKeys: ItemKeys | undefined;
  const fail = async (
    reason: ErrorReason,
    event: { reason: string; message: string },
    message: string,
    terminal = false,
  ): Promise<SyncResult> => {
    deps.metrics.unsealError(reason, namespace);
    log.warn({ reason: event.reason, error: event.message }, 'Reconcile failed');
    await emit(ss, 'Warning', event.reason, event.message, deps, log);
    return { ok: false, reason, message, terminal, ...(itemKeys !== undefined && { itemKeys }) };
  };

  let unsealed: Secret;
  try {
    ({ secret: unsealed, itemKeys } = await deps.unseal(ss));
  } catch (error) {
    if (error instanceof PoolUnsealError) itemKeys = error.itemKeys;
    const message = errorMessage(error);
    return fail('unseal', { reason: EVENT_UNSEAL_FAILED, message: `Failed to unseal: ${message}` }, message);
  }

  let existing: Secret;
  let created: Secret | undefined;
  try {
    const found = await deps.gateway.getSecret(namespace, name);
    existing = found ?? (created = await deps.gateway.createSecret(secretToCreate(unsealed)));
    if (found === undefined) log.info({ secret: name }, 'Created the Secret');
  } catch (error) {
    const message = errorMessage(error);
    return fail('update', { reason: EVENT_UPDATE_FAILED, message }, message);
  }

  const plan = planSecretUpdate(ss, unsealed, existing);
  if (plan.action === 'reject') {
    return fail('unmanaged', { reason: EVENT_UPDATE_FAILED, message: plan.eventMessage }, plan.statusMessage);
  }
  if (plan.action === 'update') {
    try {
      await deps.gateway.updateSecret(plan.secret);
      log.info({ secret: name }, 'Updated the Secret');
    } catch (error) {
      const message = errorMessage(error);
      // Classified by what we know (the fetched Secret is immutable and the server refused the write as
      // Invalid), not by matching the error text as upstream does.
      if (existing.immutable === true && isKubeError(error, 'Invalid')) {
        return fail(
          'update',
          { reason: EVENT_UPDATE_FAILED, message: immutableMessage(namespace, name) },
          message,
          true,
        );
      }
      return fail('update', { reason: EVENT_UPDATE_FAILED, message }, message);
    }
  }
  await emit(ss, 'Normal', EVENT_UNSEALED, MESSAGE_UNSEALED, deps, log);
  return {
    ok: true,
    secret: existing === created ? 'created' : plan.action === 'update' ? 'updated' : 'unchanged',
    ...(itemKeys !== undefined && { itemKeys }),
  };
}

async function emit(
  ss: SealedSecret,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  deps: ReconcileDeps,
  log: Logger,
): Promise<void> {
  const namespace = ss.metadata.namespace ?? '';
  try {
    await deps.events.record({
      namespace,
      type,
      reason,
      message,
      involvedObject: {
        apiVersion: ss.apiVersion ?? '',
        kind: ss.kind ?? '',
        namespace,
        name: ss.metadata.name ?? '',
        uid: ss.metadata.uid ?? '',
        ...(ss.metadata.resourceVersion !== undefined && { resourceVersion: ss.metadata.resourceVersion }),
      },
      sourceComponent: EVENT_SOURCE,
      time: new Date(deps.clock.now()),
    });
  } catch (error) {
    // A replica that just stopped leading writes nothing more; the next leader records its own events.
    if (!isNotLeader(error)) log.warn({ reason, error: errorMessage(error) }, 'Cannot record an event');
  }
}

/**
 * Compat §3.6. Works on a copy, so a failed write is retried by the next pass instead of being hidden by a
 * mutated cache (upstream quirk fixed). A write that conflicts with a newer object is retried once on a fresh GET.
 * Also written when only our `status.decryptionKeys` changed (first pass after an upgrade, keys of a new spec).
 */
async function writeStatus(
  ss: SealedSecret,
  result: SyncResult,
  deps: ReconcileDeps,
  log: Logger,
): Promise<void> {
  const outcome = {
    ok: result.ok,
    // The status is published: a message with user text in it (key names, template errors) is capped.
    ...(!result.ok && { message: capMessage(result.message) }),
    generation: ss.metadata.generation,
    now: new Date(deps.clock.now()),
  };
  let target = ss;
  for (let attempt = 0; attempt < 2; attempt++) {
    const synced = updateSyncedCondition(target.status, outcome);
    // Ours: status.decryptionKeys beside the Synced condition, which stays exactly as upstream writes it: a write
    // for the keys alone leaves the condition as it was (upstream would not have written it).
    const keys = withDecryptionKeys(synced.changed ? synced.status : target.status, result.itemKeys);
    const changed = synced.changed || keys.changed;
    const status = changed ? keys.status : synced.status;
    const next: SealedSecret = { ...target, status };
    if (!changed) {
      deps.metrics.observeConditions(next);
      return;
    }
    try {
      await deps.gateway.updateSealedSecretStatus(next);
      deps.metrics.observeConditions(next);
      return;
    } catch (error) {
      if (attempt === 0 && isKubeError(error, 'Conflict')) {
        const fresh = await deps.gateway
          .getSealedSecret(ss.metadata.namespace ?? '', ss.metadata.name ?? '')
          .catch(() => undefined);
        if (fresh !== undefined && fresh.metadata.uid === ss.metadata.uid) {
          target = withTypeMeta(fresh);
          continue;
        }
      }
      if (isNotLeader(error)) return;
      deps.metrics.unsealError('status', ss.metadata.namespace ?? '');
      log.error({ error: errorMessage(error) }, 'Cannot update the SealedSecret status');
      return;
    }
  }
}
