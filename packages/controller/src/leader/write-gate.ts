import { ControllerError } from '../errors.js';
import type { KubeGateway } from '../kube/kube-gateway.js';
import type { Leadership } from './elector.js';

/** The error a write gets on a replica that is not (or no longer) the leader. */
export function notLeaderError(what: string): ControllerError {
  return new ControllerError('NOT_LEADER', `not the leader: ${what} refused`);
}

export function isNotLeader(error: unknown): boolean {
  return error instanceof ControllerError && error.code === 'NOT_LEADER';
}

/**
 * The controller's gateway on a leader-elected replica: reads pass, every write (Secrets, statuses, events) is
 * refused while `leadership.isLeader()` is false. Checked at the moment of each write, so a replica that loses
 * the Lease mid-reconcile stops writing at once; the Lease itself goes through the elector's own gateway.
 */
export function leaderOnlyGateway(gateway: KubeGateway, leadership: Leadership): KubeGateway {
  const gate =
    <A extends unknown[], R>(what: string, write: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      leadership.isLeader() ? write(...args) : Promise.reject(notLeaderError(what));
  return {
    list: (resource, scope, each) => gateway.list(resource, scope, each),
    listPage: (resource, scope, page) => gateway.listPage(resource, scope, page),
    watch: (resource, scope, resourceVersion, onEvent, signal) =>
      gateway.watch(resource, scope, resourceVersion, onEvent, signal),
    getSealedSecret: (namespace, name) => gateway.getSealedSecret(namespace, name),
    getSecret: (namespace, name) => gateway.getSecret(namespace, name),
    namespaceExists: (name) => gateway.namespaceExists(name),
    getLease: (namespace, name, options) => gateway.getLease(namespace, name, options),
    watchLease: (namespace, name, resourceVersion, onEvent, signal) =>
      gateway.watchLease(namespace, name, resourceVersion, onEvent, signal),
    updateSealedSecretStatus: gate('status update', (target, status) =>
      gateway.updateSealedSecretStatus(target, status),
    ),
    createSecret: gate('Secret create', (secret) => gateway.createSecret(secret)),
    updateSecret: gate('Secret update', (secret) => gateway.updateSecret(secret)),
    deleteSecret: gate('Secret delete', (namespace, name) => gateway.deleteSecret(namespace, name)),
    createEvent: gate('event', (event) => gateway.createEvent(event)),
    patchEvent: gate('event', (namespace, name, repeat) => gateway.patchEvent(namespace, name, repeat)),
    createLease: gate('Lease create', (lease, options) => gateway.createLease(lease, options)),
    updateLease: gate('Lease update', (lease, options) => gateway.updateLease(lease, options)),
    // The admission webhook runs on every replica with the ungated gateway (its CA writes are conditional PUTs);
    // through this one they would be the leader's alone.
    getValidatingWebhookConfiguration: (name) => gateway.getValidatingWebhookConfiguration(name),
    patchValidatingWebhookCaBundle: gate('caBundle patch', (name, webhooks, caBundle) =>
      gateway.patchValidatingWebhookCaBundle(name, webhooks, caBundle),
    ),
  };
}
