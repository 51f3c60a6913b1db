import { notImplemented } from '../errors.js';

export type Scope = 'strict' | 'namespace-wide' | 'cluster-wide';
export const SCOPES: readonly Scope[] = ['strict', 'namespace-wide', 'cluster-wide'];

/** `''` → strict; otherwise one of SCOPES, else INVALID_SCOPE `must be one of: strict, namespace-wide, cluster-wide`. */
export function parseScope(text: string): Scope {
  return notImplemented(`parseScope(${text})`);
}

/** Scope from annotations, exact `"true"` only; cluster-wide wins (compat §1.2). */
export function scopeFromAnnotations(annotations: Readonly<Record<string, string>> | undefined): Scope {
  return notImplemented(`scopeFromAnnotations(${String(annotations)})`);
}

/** The OAEP label bytes: strict `ns/name`, namespace-wide `ns`, cluster-wide empty. */
export function encryptionLabel(namespace: string, name: string, scope: Scope): Buffer {
  return notImplemented(`encryptionLabel(${namespace}, ${name}, ${scope})`);
}

/** Returns new annotations with both scope annotations removed and the one for `scope` added (none for strict). */
export function withScopeAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  scope: Scope,
): Record<string, string> {
  return notImplemented(`withScopeAnnotations(${String(annotations)}, ${scope})`);
}
