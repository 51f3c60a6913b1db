import type { SealedSecretCondition, SealedSecretStatus } from './types.js';

export const SYNCED_CONDITION = 'Synced';

export interface SyncedOutcome {
  /** Whether the unseal (and Secret write) succeeded. */
  readonly ok: boolean;
  /** The error text when `ok` is false (becomes the condition message; never a decrypted value). */
  readonly message?: string;
  /** `metadata.generation` of the SealedSecret (absent counts as 0, like Go's zero value). */
  readonly generation: number | undefined;
  readonly now: Date;
}

export interface SyncedUpdate {
  /** The status after this pass (a new object; the input is never mutated). */
  readonly status: SealedSecretStatus;
  /** Write it to the `/status` subresource only when true. */
  readonly changed: boolean;
}

/** RFC 3339 with second precision, like metav1.Time: `2026-04-22T10:00:00Z`. */
export function formatKubeTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

/**
 * Compat §3.6: set the `Synced` condition (True / False + message), `lastUpdateTime` = now, `lastTransitionTime` =
 * now only when the status value flips. `changed` is true only when the value flipped or `observedGeneration` lags
 * the generation; then `observedGeneration` is set. A new error text alone is not a change (upstream quirk).
 */
export function updateSyncedCondition(
  status: SealedSecretStatus | undefined,
  outcome: SyncedOutcome,
): SyncedUpdate {
  const now = formatKubeTime(outcome.now);
  const value = outcome.ok ? 'True' : 'False';
  const conditions = (status?.conditions ?? []).map((c) => ({ ...c }));
  let synced = conditions.find((c) => c.type === SYNCED_CONDITION);
  if (synced === undefined) {
    synced = { type: SYNCED_CONDITION, status: '' };
    conditions.push(synced);
  }
  const flipped = synced.status !== value;
  const next: SealedSecretCondition = { type: synced.type, status: value, lastUpdateTime: now };
  const lastTransitionTime = flipped ? now : synced.lastTransitionTime;
  if (lastTransitionTime !== undefined) next.lastTransitionTime = lastTransitionTime;
  if (synced.reason !== undefined) next.reason = synced.reason;
  if (!outcome.ok && outcome.message !== undefined && outcome.message !== '') next.message = outcome.message;
  conditions[conditions.indexOf(synced)] = next;

  const generation = outcome.generation ?? 0;
  const changed = flipped || (status?.observedGeneration ?? 0) !== generation;
  const result: SealedSecretStatus = { ...status, conditions };
  if (changed) result.observedGeneration = generation;
  return { status: result, changed };
}
