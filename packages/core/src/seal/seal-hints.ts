// Seal hints (issue 14): two public annotations kubeseal writes on a SealedSecret's top-level metadata, saying
// which certificate it was sealed with and what it was sealed for. Plain text, no Node built-ins (the browser page
// may use it). The Go controller ignores unknown annotations; the wire format is unchanged.
import { isFingerprint } from '../crypto/fingerprint-format.js';
import type { ObjectMeta, SealedSecret } from '../model/types.js';
import { encryptionLabelText, scopeFromAnnotations, SCOPES, type Scope } from '../scope/scope.js';

/** The fingerprint (compat §1.6, `SHA256:…`) of the certificate's public key the values were sealed with. */
export const ANNOTATION_SEALED_WITH = 'sealed-secrets-ts/sealed-with';
/** What the values were sealed for: `strict <ns>/<name>`, `namespace-wide <ns>` or `cluster-wide`. */
export const ANNOTATION_SEALED_FOR = 'sealed-secrets-ts/sealed-for';
export const SEAL_HINT_ANNOTATIONS: readonly string[] = [ANNOTATION_SEALED_WITH, ANNOTATION_SEALED_FOR];

/** A namespace or object name as the API server allows them (DNS subdomain, at most 253 characters). */
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** What a SealedSecret says it was sealed for: a scope and, for strict and namespace-wide, its target. */
export interface SealedFor {
  readonly scope: Scope;
  /** Empty for cluster-wide. */
  readonly namespace: string;
  /** Empty unless strict. */
  readonly name: string;
}

/** The hints of one SealedSecret; a hint that is absent or malformed is undefined (and named in `invalid`). */
export interface SealHints {
  readonly sealedWith?: string;
  readonly sealedFor?: SealedFor;
  /** Hint annotations present but not in the documented format (their keys). */
  readonly invalid: readonly string[];
}

/** The `sealed-for` text of a target: `strict prod/db`, `namespace-wide prod`, `cluster-wide`. */
export function formatSealedFor(target: SealedFor): string {
  switch (target.scope) {
    case 'strict':
      return `strict ${target.namespace}/${target.name}`;
    case 'namespace-wide':
      return `namespace-wide ${target.namespace}`;
    case 'cluster-wide':
      return 'cluster-wide';
  }
}

/** Parses a `sealed-for` value; undefined when it is not exactly one of the three documented forms. */
export function parseSealedFor(text: string): SealedFor | undefined {
  if (text.length > 600) return undefined;
  const space = text.indexOf(' ');
  const scope = space < 0 ? text : text.slice(0, space);
  const rest = space < 0 ? undefined : text.slice(space + 1);
  if (!(SCOPES as readonly string[]).includes(scope)) return undefined;
  switch (scope as Scope) {
    case 'cluster-wide':
      return rest === undefined ? { scope: 'cluster-wide', namespace: '', name: '' } : undefined;
    case 'namespace-wide':
      return rest !== undefined && NAME.test(rest)
        ? { scope: 'namespace-wide', namespace: rest, name: '' }
        : undefined;
    case 'strict': {
      const [namespace, name, extra] = (rest ?? '').split('/');
      return namespace !== undefined &&
        name !== undefined &&
        extra === undefined &&
        NAME.test(namespace) &&
        NAME.test(name)
        ? { scope: 'strict', namespace, name }
        : undefined;
    }
  }
}

/** What a SealedSecret at its current place unseals as: scope from its annotations, its namespace and name. */
export function currentTarget(metadata: ObjectMeta): SealedFor {
  const scope = scopeFromAnnotations(metadata.annotations);
  return {
    scope,
    namespace: scope === 'cluster-wide' ? '' : (metadata.namespace ?? ''),
    name: scope === 'strict' ? (metadata.name ?? '') : '',
  };
}

/**
 * The hint annotations for values sealed with the key of `fingerprint` for the SealedSecret's own name,
 * namespace and scope (read from its top-level metadata, as the controller computes the label).
 */
export function sealHintAnnotations(metadata: ObjectMeta, fingerprint: string): Record<string, string> {
  return {
    [ANNOTATION_SEALED_FOR]: formatSealedFor(currentTarget(metadata)),
    [ANNOTATION_SEALED_WITH]: fingerprint,
  };
}

/**
 * A copy of `ss` with the seal hints on its top-level metadata (never in `spec.template`, so the produced Secret
 * does not carry them). Existing hints are replaced; annotation keys stay sorted like Go's JSON maps.
 */
export function withSealHints(ss: SealedSecret, fingerprint: string): SealedSecret {
  const annotations = { ...ss.metadata.annotations, ...sealHintAnnotations(ss.metadata, fingerprint) };
  const sorted = Object.fromEntries(
    Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return { ...ss, metadata: { ...ss.metadata, annotations: sorted } };
}

/** Annotations without the seal hints (for comparisons that must not see them, e.g. /v1/rotate's alignment). */
export function withoutSealHints(
  annotations: Readonly<Record<string, string>> | undefined,
): Record<string, string> | undefined {
  if (annotations === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(annotations).filter(([key]) => !SEAL_HINT_ANNOTATIONS.includes(key)),
  );
}

/** Reads the hints of a SealedSecret's top-level annotations. Never throws. */
export function readSealHints(metadata: ObjectMeta): SealHints {
  const annotations = metadata.annotations ?? {};
  const invalid: string[] = [];
  const withText = annotations[ANNOTATION_SEALED_WITH];
  const forText = annotations[ANNOTATION_SEALED_FOR];
  let sealedWith: string | undefined;
  let sealedFor: SealedFor | undefined;
  if (typeof withText === 'string') {
    if (isFingerprint(withText)) sealedWith = withText;
    else invalid.push(ANNOTATION_SEALED_WITH);
  }
  if (typeof forText === 'string') {
    sealedFor = parseSealedFor(forText);
    if (sealedFor === undefined) invalid.push(ANNOTATION_SEALED_FOR);
  }
  return {
    ...(sealedWith !== undefined && { sealedWith }),
    ...(sealedFor !== undefined && { sealedFor }),
    invalid,
  };
}

/** Whether two targets mean the same OAEP label. */
export function sameTarget(a: SealedFor, b: SealedFor): boolean {
  return a.scope === b.scope && a.namespace === b.namespace && a.name === b.name;
}

/** The OAEP label text of a target (compat §1.2). */
export function targetLabel(target: SealedFor): string {
  return encryptionLabelText(target.namespace, target.name, target.scope);
}
