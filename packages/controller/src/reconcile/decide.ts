import {
  ANNOTATION_MANAGED,
  ANNOTATION_PATCH,
  capMessage,
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  updateSyncedCondition,
  withDecryptionKeys,
  type ItemKeys,
  type SealedSecret,
  type SealedSecretStatus,
  type Secret,
} from '@ssts/core';

/** Event reasons and texts of compat §3.7. */
export const EVENT_UNSEALED = 'Unsealed';
export const EVENT_UNSEAL_FAILED = 'ErrUnsealFailed';
export const EVENT_UPDATE_FAILED = 'ErrUpdateFailed';
export const MESSAGE_UNSEALED = 'SealedSecret unsealed successfully';

/** `unseal_errors_total` reasons (compat §8). */
export type ErrorReason = 'fetch' | 'unseal' | 'update' | 'unmanaged' | 'status';

// ---------------------------------------------------------------------------------------------------------------
// What a pass observed (the input of decide) and what it plans (its output). Plain data: tests build and compare
// them directly.

/**
 * What unsealing the SealedSecret produced: the Secret, or the error text (never a decrypted value); with the key
 * that decrypted each item when known (on a failure, the items that did decrypt).
 */
export type Unsealed =
  | { readonly ok: true; readonly secret: Secret; readonly itemKeys?: ItemKeys }
  | { readonly ok: false; readonly message: string; readonly itemKeys?: ItemKeys };

/**
 * The target Secret as observed: absent (the informer cache or a GET says so), present (a GET returned it, with
 * its data), or the GET failed. A Secret the cache holds is always fetched: the cache keeps no data.
 */
export type ObservedSecret =
  | { readonly state: 'absent'; readonly from: 'cache' | 'api' }
  | { readonly state: 'present'; readonly secret: Secret }
  | { readonly state: 'error'; readonly message: string };

/** The API server refused the Secret write of the first plan (its KubeError code and message). */
export interface WriteFailure {
  readonly code: string;
  readonly message: string;
}

export interface Observation {
  readonly namespace: string;
  readonly name: string;
  /** The cached SealedSecret (read-only, never mutated); undefined once it was deleted. */
  readonly sealedSecret: SealedSecret | undefined;
  /** Absent when the SealedSecret is gone (nothing is unsealed then). */
  readonly unsealed?: Unsealed;
  /** Absent when unsealing failed (the Secret is not looked at then, as upstream). */
  readonly secret?: ObservedSecret;
  /** Set when deciding again after the Secret write of the plan for this same observation failed. */
  readonly writeFailure?: WriteFailure;
  readonly updateStatus: boolean;
  readonly oldGcBehavior: boolean;
  readonly now: Date;
}

/** What to do with the target Secret (compat §3.5 steps 5–8, §3.8). */
export type SecretAction =
  | { readonly kind: 'none' }
  | { readonly kind: 'create'; readonly secret: Secret }
  | { readonly kind: 'update'; readonly secret: Secret }
  /** An update that also takes ownership (a `managed` Secret gets this SealedSecret's controller reference). */
  | { readonly kind: 'adopt'; readonly secret: Secret }
  /** The Secret exists and is not ours: nothing is written. */
  | { readonly kind: 'refuse' }
  /** `--old-gc-behavior`: the SealedSecret is gone, its Secret is deleted. */
  | { readonly kind: 'delete'; readonly namespace: string; readonly name: string };

/**
 * How the Secret step of a pass ends; `reason` is the unseal_errors_total label. Also the audit record. `itemKeys`:
 * which key decrypted which item (status.decryptionKeys, the key inventory), when the unseal said so.
 */
export type SyncResult =
  | {
      readonly ok: true;
      readonly secret: 'created' | 'updated' | 'unchanged';
      readonly itemKeys?: ItemKeys;
    }
  | {
      readonly ok: false;
      readonly reason: ErrorReason;
      readonly message: string;
      readonly terminal: boolean;
      readonly itemKeys?: ItemKeys;
    };

/** How a reconcile ended, for the work queue (STYLE §2: retry, terminal, or done). */
export type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'retry'; readonly error: string }
  | { readonly kind: 'terminal'; readonly error: string };

export interface PlannedEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

/** The Synced condition after this pass; written to `/status` only when `write` (compat §3.6). */
export interface StatusPlan {
  readonly write: boolean;
  readonly status: SealedSecretStatus;
}

export interface Plan {
  readonly secret: SecretAction;
  /** Undefined when the SealedSecret is gone (no status, no event, no audit). */
  readonly result: SyncResult | undefined;
  /** Recorded on the SealedSecret, in this order. */
  readonly events: readonly PlannedEvent[];
  /** Undefined without a status step (SealedSecret gone, or `--update-status=false`). */
  readonly status: StatusPlan | undefined;
  /** The `unseal_errors_total` reason this pass counts, if any. */
  readonly unsealError: ErrorReason | undefined;
  readonly outcome: Outcome;
}

// ---------------------------------------------------------------------------------------------------------------

/** Exact `"true"` only (compat §9.2 #1). */
export function annotationIsTrue(
  object: { metadata: { annotations?: Record<string, string> } },
  key: string,
): boolean {
  return object.metadata.annotations?.[key] === 'true';
}

/** client-go IsControlledBy: the owner reference with `controller: true` carries the SealedSecret's uid. */
export function isControlledBy(secret: Secret, ss: SealedSecret): boolean {
  const controller = secret.metadata.ownerReferences?.find((ref) => ref.controller === true);
  return controller !== undefined && controller.uid === ss.metadata.uid;
}

/**
 * The SealedSecret's `apiVersion`/`kind`, with `bitnami.com/v1alpha1`/`SealedSecret` when the cached object lacks
 * them (compat §3.5 step 3, §9.2 #2). Read where needed; the cached object is never copied or changed for it.
 */
export function typeMetaOf(ss: SealedSecret): { apiVersion: string; kind: string } {
  return {
    apiVersion: ss.apiVersion || SEALED_SECRET_API_VERSION,
    kind: ss.kind || SEALED_SECRET_KIND,
  };
}

export function unmanagedMessage(name: string): string {
  return `Resource "${name}" already exists and is not managed by SealedSecret`;
}

/** Event text for an update rejected because the target Secret is immutable (compat §3.9). */
export function immutableMessage(namespace: string, name: string): string {
  return (
    `Error updating ${namespace}/${name}: the target Secret is immutable. Once a Secret is marked as immutable, ` +
    'it is not possible to revert this change nor to mutate the contents of the data field. You can only delete ' +
    'and recreate the Secret.'
  );
}

/**
 * The whole decision of one pass (compat §3.5–§3.9), from what was observed to what to write: the Secret action,
 * the Synced status, the events, the metric and the queue outcome. Pure: no I/O, no clock, inputs never mutated.
 *
 * A Secret the informer cache does not hold is created without a GET (the cache may lag: on AlreadyExists the
 * caller fetches it and decides again). When the Secret write fails, the caller decides again with `writeFailure`
 * set; the Secret action is then `none` and the failure is reported.
 */
export function decide(observed: Observation): Plan {
  const ss = observed.sealedSecret;
  if (ss === undefined) {
    const secret: SecretAction =
      observed.oldGcBehavior && observed.writeFailure === undefined
        ? { kind: 'delete', namespace: observed.namespace, name: observed.name }
        : { kind: 'none' };
    return {
      secret,
      result: undefined,
      events: [],
      status: undefined,
      unsealError: undefined,
      outcome:
        observed.writeFailure === undefined
          ? { kind: 'done' }
          : { kind: 'retry', error: observed.writeFailure.message },
    };
  }
  const decided = decideSecret(ss, observed);
  const action = decided.action;
  const itemKeys = observed.unsealed?.itemKeys;
  const result: SyncResult = itemKeys === undefined ? decided.result : { ...decided.result, itemKeys };
  return {
    secret: observed.writeFailure === undefined ? action : { kind: 'none' },
    result,
    events: [eventFor(ss, result)],
    status: observed.updateStatus ? planStatus(ss, result, observed.now) : undefined,
    unsealError: result.ok ? undefined : result.reason,
    outcome: result.ok
      ? { kind: 'done' }
      : result.terminal
        ? { kind: 'terminal', error: result.message }
        : { kind: 'retry', error: result.message },
  };
}

/** The Secret action for an existing SealedSecret, and how the pass ends if that action succeeds (or failed). */
function decideSecret(ss: SealedSecret, observed: Observation): { action: SecretAction; result: SyncResult } {
  const unsealed = observed.unsealed;
  if (unsealed === undefined || !unsealed.ok) {
    const message = unsealed?.ok === false ? unsealed.message : 'not unsealed';
    return { action: { kind: 'none' }, result: failed('unseal', message) };
  }
  const target = observed.secret;
  if (target === undefined || target.state === 'error') {
    const message = target?.state === 'error' ? target.message : 'the Secret was not observed';
    return { action: { kind: 'none' }, result: failed('update', message) };
  }
  // Compat §3.5 step 6 runs on the Secret as the create returns it, i.e. the unsealed one: with
  // skip-set-owner-references and neither managed nor patch, the create succeeds and the gate still fails [quirk].
  const existing = target.state === 'absent' ? undefined : target.secret;
  const gated = existing ?? unsealed.secret;
  const patch = annotationIsTrue(gated, ANNOTATION_PATCH);
  const owned = isControlledBy(gated, ss) || annotationIsTrue(gated, ANNOTATION_MANAGED) || patch;
  const refused = failed('unmanaged', `failed update: ${unmanagedMessage(ss.metadata.name ?? '')}`);

  let action: SecretAction;
  let result: SyncResult;
  if (existing === undefined) {
    action = { kind: 'create', secret: unsealed.secret };
    result = owned ? { ok: true, secret: 'created' } : refused;
  } else if (!owned) {
    action = { kind: 'refuse' };
    result = refused;
  } else {
    const desired = desiredSecret(unsealed.secret, existing, patch);
    action = semanticEqual(existing, desired)
      ? { kind: 'none' }
      : isControlledBy(desired, ss) && !isControlledBy(existing, ss)
        ? { kind: 'adopt', secret: desired }
        : { kind: 'update', secret: desired };
    result = { ok: true, secret: action.kind === 'none' ? 'unchanged' : 'updated' };
  }
  const failure = observed.writeFailure;
  if (failure === undefined) return { action, result };
  // Compat §3.9, classified by what we know (the fetched Secret is immutable and the server answered Invalid),
  // not by matching the error text as upstream does.
  const immutable =
    (action.kind === 'update' || action.kind === 'adopt') &&
    existing?.immutable === true &&
    failure.code === 'Invalid';
  return { action, result: failed('update', failure.message, immutable) };
}

function failed(reason: ErrorReason, message: string, terminal = false): SyncResult {
  return { ok: false, reason, message, terminal };
}

/** Compat §3.7: one event per pass of an existing SealedSecret. */
function eventFor(ss: SealedSecret, result: SyncResult): PlannedEvent {
  if (result.ok) return { type: 'Normal', reason: EVENT_UNSEALED, message: MESSAGE_UNSEALED };
  const warning = (reason: string, message: string): PlannedEvent => ({ type: 'Warning', reason, message });
  if (result.reason === 'unseal') return warning(EVENT_UNSEAL_FAILED, `Failed to unseal: ${result.message}`);
  if (result.reason === 'unmanaged')
    return warning(EVENT_UPDATE_FAILED, unmanagedMessage(ss.metadata.name ?? ''));
  // The API error text, except for an immutable target Secret (the only terminal failure).
  return warning(
    EVENT_UPDATE_FAILED,
    result.terminal ? immutableMessage(ss.metadata.namespace ?? '', ss.metadata.name ?? '') : result.message,
  );
}

/**
 * The status after a pass, computed from the SealedSecret's current status: the one place it is derived. The
 * Synced condition as upstream writes it (compat §3.6; the message is published, so user text in it is capped),
 * and ours, `status.decryptionKeys`, beside it: a write for the keys alone leaves the condition as it was
 * (upstream would not have written it).
 */
export function planStatus(ss: SealedSecret, result: SyncResult, now: Date): StatusPlan {
  const synced = updateSyncedCondition(ss.status, {
    ok: result.ok,
    ...(!result.ok && { message: capMessage(result.message) }),
    generation: ss.metadata.generation,
    now,
  });
  const keys = withDecryptionKeys(synced.changed ? synced.status : ss.status, result.itemKeys);
  const write = synced.changed || keys.changed;
  return { write, status: write ? keys.status : synced.status };
}

/**
 * Compat §3.5 step 7: the existing Secret with the unsealed one's data, labels, annotations and owner references
 * replaced (or merged in patch mode, where `managed` is checked after the merge so a template carrying it adopts
 * the Secret too); `type` from the template. Never changes its inputs.
 */
function desiredSecret(unsealed: Secret, existing: Secret, patch: boolean): Secret {
  const desired = structuredClone(existing);
  const meta = desired.metadata;
  if (patch) {
    desired.data = { ...existing.data, ...unsealed.data };
    meta.labels = { ...existing.metadata.labels, ...unsealed.metadata.labels };
    meta.annotations = { ...existing.metadata.annotations, ...unsealed.metadata.annotations };
    if (meta.annotations[ANNOTATION_MANAGED] === 'true') setOwnerReferences(desired, unsealed);
  } else {
    setOrDelete(desired, 'data', unsealed.data);
    setOrDelete(meta, 'labels', unsealed.metadata.labels);
    setOrDelete(meta, 'annotations', unsealed.metadata.annotations);
    setOwnerReferences(desired, unsealed);
  }
  // Upstream writes the empty template type, which the API server defaults back to Opaque: a no-op UPDATE on
  // every pass. Asking for the defaulted value directly avoids that write (README: quirk decisions).
  desired.type = unsealed.type !== undefined && unsealed.type !== '' ? unsealed.type : 'Opaque';
  return desired;
}

function setOwnerReferences(desired: Secret, unsealed: Secret): void {
  setOrDelete(desired.metadata, 'ownerReferences', unsealed.metadata.ownerReferences);
}

function setOrDelete<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value === undefined) delete target[key];
  else target[key] = structuredClone(value);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/**
 * apimachinery's semantic equality as far as it matters for Secrets: absent, null and empty maps/lists are
 * equal; everything else compares by value.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => semanticEqual(item, b[index]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) if (!semanticEqual(left[key], right[key])) return false;
    return true;
  }
  return a === b;
}
