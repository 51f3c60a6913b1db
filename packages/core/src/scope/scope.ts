import { SealedSecretsError } from '../errors.js';
import { ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE } from '../model/annotations.js';

export type Scope = 'strict' | 'namespace-wide' | 'cluster-wide';
export const SCOPES: readonly Scope[] = ['strict', 'namespace-wide', 'cluster-wide'];

function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}

/** `''` → strict; otherwise one of SCOPES, else INVALID_SCOPE `must be one of: strict, namespace-wide, cluster-wide`. */
export function parseScope(text: string): Scope {
  if (text === '') return 'strict';
  if (isScope(text)) return text;
  throw new SealedSecretsError('INVALID_SCOPE', `must be one of: ${SCOPES.join(', ')}`);
}

/** Scope from annotations, exact `"true"` only; cluster-wide wins (compat §1.2). */
export function scopeFromAnnotations(annotations: Readonly<Record<string, string>> | undefined): Scope {
  if (annotations?.[ANNOTATION_CLUSTER_WIDE] === 'true') return 'cluster-wide';
  if (annotations?.[ANNOTATION_NAMESPACE_WIDE] === 'true') return 'namespace-wide';
  return 'strict';
}

/** The OAEP label bytes: strict `ns/name`, namespace-wide `ns`, cluster-wide empty. */
export function encryptionLabel(namespace: string, name: string, scope: Scope): Buffer {
  return Buffer.from(encryptionLabelText(namespace, name, scope), 'utf8');
}

/** The OAEP label as text (for diagnostics); encryptionLabel is its UTF-8 encoding. */
export function encryptionLabelText(namespace: string, name: string, scope: Scope): string {
  switch (scope) {
    case 'strict':
      return `${namespace}/${name}`;
    case 'namespace-wide':
      return namespace;
    case 'cluster-wide':
      return '';
  }
}

/** Returns new annotations with both scope annotations removed and the one for `scope` added (none for strict). */
export function withScopeAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  scope: Scope,
): Record<string, string> {
  const entries = Object.entries(annotations ?? {}).filter(
    ([key]) => key !== ANNOTATION_CLUSTER_WIDE && key !== ANNOTATION_NAMESPACE_WIDE,
  );
  if (scope === 'cluster-wide') entries.push([ANNOTATION_CLUSTER_WIDE, 'true']);
  if (scope === 'namespace-wide') entries.push([ANNOTATION_NAMESPACE_WIDE, 'true']);
  return Object.fromEntries(entries);
}
