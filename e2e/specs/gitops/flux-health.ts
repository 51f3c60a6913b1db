import { evaluate } from '@marcbachmann/cel-js';

/**
 * What Flux's kustomize-controller concludes about an object when its Kustomization has `healthCheckExprs` for
 * the object's kind, as Flux documents it (docs/flux.md): a generation not yet observed is in progress; otherwise
 * `inProgress`, `failed`, `current` are tried in that order and the first true one decides; none true, or an
 * expression that cannot be evaluated (a field not there yet), leaves the object in progress until the timeout.
 * The CEL is evaluated by a JavaScript CEL implementation, not by Flux's.
 */

export type FluxHealth = 'InProgress' | 'Failed' | 'Current';

export interface HealthCheckExprs {
  readonly current: string;
  readonly inProgress?: string;
  readonly failed?: string;
}

export interface FluxVerdict {
  readonly status: FluxHealth;
  /** Why: the generation rule, the expression that matched, or the evaluation error. */
  readonly reason: string;
}

export function fluxHealth(obj: Record<string, unknown>, exprs: HealthCheckExprs): FluxVerdict {
  const metadata = (obj['metadata'] ?? {}) as { generation?: number };
  const status = obj['status'] as { observedGeneration?: number } | undefined;
  if (status?.observedGeneration !== undefined && status.observedGeneration !== metadata.generation)
    return { status: 'InProgress', reason: 'observedGeneration differs from generation' };
  const order: [keyof HealthCheckExprs, FluxHealth][] = [
    ['inProgress', 'InProgress'],
    ['failed', 'Failed'],
    ['current', 'Current'],
  ];
  for (const [field, verdict] of order) {
    const expr = exprs[field];
    if (expr === undefined) continue;
    let result: unknown;
    try {
      result = evaluate(expr, obj);
    } catch (error) {
      return {
        status: 'InProgress',
        reason: `${field}: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (result === true) return { status: verdict, reason: field };
  }
  return { status: 'InProgress', reason: 'no expression is true' };
}
