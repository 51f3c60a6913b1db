import { isKubeError } from '@ssts/kube';
import type { SealedSecret } from '@ssts/core';
import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { EventSink } from '../kube/event-queue.js';
import type { KubeGateway } from '../kube/kube-gateway.js';
import { isNotLeader } from '../leader/write-gate.js';
import type { Logger } from '../log.js';
import type { ControllerMetrics } from '../metrics.js';
import {
  planStatus,
  typeMetaOf,
  type Plan,
  type SecretAction,
  type SyncResult,
  type WriteFailure,
} from './decide.js';

/** Event source component (compat §3.7). */
export const EVENT_SOURCE = 'sealed-secrets';

export interface ApplyDeps {
  readonly gateway: KubeGateway;
  readonly events: EventSink;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
}

/**
 * Carries out a plan's Secret action. Resolves undefined when it was written (or there was nothing to write),
 * else the API server's refusal as a WriteFailure, for the caller to decide again with.
 */
export async function applySecretAction(
  action: SecretAction,
  gateway: KubeGateway,
  log: Logger,
): Promise<WriteFailure | undefined> {
  try {
    switch (action.kind) {
      case 'create':
        await gateway.createSecret(action.secret);
        log.info({ secret: action.secret.metadata.name }, 'Created the Secret');
        return undefined;
      case 'update':
      case 'adopt':
        await gateway.updateSecret(action.secret);
        log.info(
          { secret: action.secret.metadata.name, adopted: action.kind === 'adopt' },
          'Updated the Secret',
        );
        return undefined;
      case 'delete':
        if (await gateway.deleteSecret(action.namespace, action.name)) {
          log.info(
            { namespace: action.namespace, name: action.name },
            'Deleted the Secret of a deleted SealedSecret',
          );
        }
        return undefined;
      case 'none':
      case 'refuse':
        return undefined;
    }
  } catch (error) {
    return { code: isKubeError(error) ? error.code : 'Unknown', message: errorMessage(error) };
  }
}

/**
 * The plan's effects after the Secret step, in upstream's order: the metric, the events (queued, never awaited),
 * then the Synced status. Resolves once the status is written: that is the pass's tail, which the controller runs
 * without holding a worker (the key stays busy until it ends, so passes of one object never overlap).
 */
export async function applyEffects(
  ss: SealedSecret,
  plan: Plan,
  deps: ApplyDeps,
  log: Logger,
): Promise<void> {
  const namespace = ss.metadata.namespace ?? '';
  const result = plan.result;
  if (plan.unsealError !== undefined) deps.metrics.unsealError(plan.unsealError, namespace);
  if (result !== undefined && !result.ok) {
    log.warn({ reason: plan.events[0]?.reason, error: plan.events[0]?.message }, 'Reconcile failed');
  }
  const time = new Date(deps.clock.now());
  for (const event of plan.events) {
    deps.events.record({
      namespace,
      ...event,
      involvedObject: {
        ...typeMetaOf(ss),
        namespace,
        name: ss.metadata.name ?? '',
        uid: ss.metadata.uid ?? '',
        ...(ss.metadata.resourceVersion !== undefined && { resourceVersion: ss.metadata.resourceVersion }),
      },
      sourceComponent: EVENT_SOURCE,
      time,
    });
  }
  if (plan.status !== undefined && result !== undefined) await writeStatus(ss, plan, result, deps, log);
}

/**
 * Compat §3.6. Computed from the cached object without changing it, so a failed write is retried by the next
 * pass (upstream quirk fixed). A write that conflicts with a newer object is decided once more on a fresh GET.
 * Never rejects: a failed status write is logged and counted, and does not change the pass's outcome.
 */
async function writeStatus(
  ss: SealedSecret,
  plan: Plan,
  result: SyncResult,
  deps: ApplyDeps,
  log: Logger,
): Promise<void> {
  const namespace = ss.metadata.namespace ?? '';
  const name = ss.metadata.name ?? '';
  let target = ss;
  let status = plan.status;
  for (let attempt = 0; status !== undefined; attempt++) {
    if (!status.write) {
      deps.metrics.observeConditions({ ...target, status: status.status });
      return;
    }
    try {
      const { uid, resourceVersion } = target.metadata;
      await deps.gateway.updateSealedSecretStatus(
        {
          namespace,
          name,
          ...(uid !== undefined && { uid }),
          ...(resourceVersion !== undefined && { resourceVersion }),
        },
        status.status,
      );
      deps.metrics.observeConditions({ ...target, status: status.status });
      return;
    } catch (error) {
      if (attempt === 0 && isKubeError(error, 'Conflict')) {
        const fresh = await deps.gateway.getSealedSecret(namespace, name).catch(() => undefined);
        if (fresh !== undefined && fresh.metadata.uid === ss.metadata.uid) {
          target = fresh;
          status = planStatus(fresh, result, new Date(deps.clock.now()));
          continue;
        }
      }
      // A replica that just stopped leading writes nothing more; the next leader writes the status.
      if (isNotLeader(error)) return;
      deps.metrics.unsealError('status', namespace);
      log.error({ error: errorMessage(error) }, 'Cannot update the SealedSecret status');
      return;
    }
  }
}
