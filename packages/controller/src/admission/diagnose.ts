import {
  ANNOTATION_CLUSTER_WIDE,
  ANNOTATION_NAMESPACE_WIDE,
  encryptionLabelText,
  quoteUserText,
  readSealHints,
  scopeFromAnnotations,
  type SealedFor,
  type SealedSecret,
  type Scope,
} from '@ssts/core';

export type { SealedFor };
import { labelHash } from './oaep-probe.js';

/** Why one value (an encryptedData item, or the legacy spec.data blob) does not decrypt for its object. */
export type ValueVerdict =
  | { readonly kind: 'bad-base64'; readonly message: string }
  | { readonly kind: 'malformed'; readonly bytes: number; readonly rsaBytes: number | undefined }
  /** No loaded key made it; `sizes`: the loaded keys' modulus sizes in bytes. */
  | {
      readonly kind: 'no-key';
      readonly rsaBytes: number;
      readonly sizes: readonly number[];
      readonly keyCount: number;
      /** The object's `sealed-with` seal hint (a fingerprint), when it has one. */
      readonly sealedWith?: string;
    }
  /** A loaded key made it for a label we could name (`sealedFor`), or for one we cannot (`undefined`). */
  | { readonly kind: 'our-key'; readonly sealedFor: SealedFor | undefined; readonly intact: boolean }
  /** Not diagnosed: the request's budget of RSA operations was spent. */
  | { readonly kind: 'not-diagnosed'; readonly budget: number };

interface Candidate {
  readonly sealedFor: SealedFor;
  readonly hash: Buffer;
}

/**
 * The labels a value of `ss` could plausibly have been sealed for, from metadata only: the object's own
 * namespace and name in each scope, and the template's name and namespace (kubeseal writes the input Secret's
 * there, so after a move or a rename they still say where the value was sealed for), also from the previous
 * version of the object on an update. Anything else cannot be guessed: a label is only known through its hash.
 */
export function candidateLabels(ss: SealedSecret, old?: SealedSecret): Candidate[] {
  const namespace = ss.metadata.namespace ?? '';
  const name = ss.metadata.name ?? '';
  const seen = new Map<string, Candidate>();
  const add = (scope: Scope, ns: string, n: string): void => {
    const label = encryptionLabelText(ns, n, scope);
    if (seen.has(label)) return;
    const sealedFor: SealedFor = {
      scope,
      namespace: scope === 'cluster-wide' ? '' : ns,
      name: scope === 'strict' ? n : '',
    };
    seen.set(label, { sealedFor, hash: labelHash(label) });
  };
  add('strict', namespace, name);
  add('namespace-wide', namespace, '');
  add('cluster-wide', '', '');
  for (const object of [ss, old]) {
    // kubeseal's `sealed-for` seal hint names the target outright; like every candidate, only a matching label
    // hash makes it the answer, so a wrong hint cannot mislead.
    const hinted = object === undefined ? undefined : readSealHints(object.metadata).sealedFor;
    if (hinted !== undefined) add(hinted.scope, hinted.namespace, hinted.name);
    const meta = object?.spec.template?.metadata;
    const tns = meta?.namespace || undefined;
    const tname = meta?.name || undefined;
    if (tns === undefined && tname === undefined) continue;
    add('strict', tns ?? namespace, tname ?? name);
    add('strict', tns ?? namespace, name);
    add('strict', namespace, tname ?? name);
    if (tns !== undefined) add('namespace-wide', tns, '');
  }
  return [...seen.values()];
}

/** The candidate whose label hash is `hash`, if any. */
export function matchLabel(candidates: readonly Candidate[], hash: Uint8Array): SealedFor | undefined {
  const wanted = Buffer.from(hash);
  return candidates.find((c) => c.hash.equals(wanted))?.sealedFor;
}

/** At most this many item names per reason in a message. */
const ITEMS_SHOWN = 5;

/**
 * One line that says, per reason, which values of `ss` the controller cannot decrypt and what to do, e.g.
 * `spec.encryptedData["password"]: sealed for prod/db (strict scope), but this SealedSecret is staging/db (moved
 * from namespace "prod"); seal it again for staging/db`. Only metadata appears: names, scopes, key sizes.
 */
export function describeFailures(
  ss: SealedSecret,
  verdicts: ReadonlyMap<string, ValueVerdict>,
  source: 'encryptedData' | 'data',
): string {
  const groups = new Map<string, string[]>();
  for (const [item, verdict] of verdicts) {
    const text = explain(ss, verdict);
    groups.set(text, [...(groups.get(text) ?? []), item]);
  }
  return [...groups].map(([text, items]) => `${itemList(items, source)}: ${text}`).join('; ');
}

function itemList(items: readonly string[], source: 'encryptedData' | 'data'): string {
  if (source === 'data') return 'spec.data';
  const shown = items.slice(0, ITEMS_SHOWN).map((item) => `[${quoteUserText(item, 64)}]`);
  const more = items.length - shown.length;
  const head = `spec.encryptedData${shown[0] ?? ''}`;
  const rest = shown.slice(1);
  if (rest.length === 0) return more > 0 ? `${head} and ${more} more` : head;
  if (more > 0) return `${[head, ...rest].join(', ')} and ${more} more`;
  return `${[head, ...rest.slice(0, -1)].join(', ')} and ${rest.at(-1) ?? ''}`;
}

function explain(ss: SealedSecret, verdict: ValueVerdict): string {
  const target = targetOf(ss);
  const here = describeTarget(target);
  switch (verdict.kind) {
    case 'bad-base64':
      return `not valid base64 (${verdict.message}): a sealed value is standard base64 with = padding`;
    case 'malformed':
      return verdict.rsaBytes === undefined
        ? `too short to be a sealed value (${verdict.bytes} bytes)`
        : `truncated: its first two bytes give a ${verdict.rsaBytes}-byte RSA block, but it has only ` +
            `${verdict.bytes} bytes in all`;
    case 'no-key': {
      const fix = "seal it again with this controller's certificate (kubeseal --fetch-cert)";
      const hint = verdict.sealedWith === undefined ? '' : ` (its seal hint says ${verdict.sealedWith})`;
      if (!verdict.sizes.includes(verdict.rsaBytes)) {
        const sizes = verdict.sizes.map((s) => `${s * 8}`).join('/');
        return (
          `sealed with a ${verdict.rsaBytes * 8}-bit key${hint}, and this controller has no key of that size (its ` +
          `${keys(verdict.keyCount)} ${verdict.keyCount === 1 ? 'is' : 'are'} ${sizes}-bit): sealed for another ` +
          `cluster; ${fix}`
        );
      }
      return (
        `sealed with a key this controller does not have${hint} (none of its ${keys(verdict.keyCount)} decrypts ` +
        'it): ' +
        `sealed for another cluster, or with a key that was removed; ${fix}`
      );
    }
    case 'our-key': {
      const sf = verdict.sealedFor;
      if (!verdict.intact) {
        const what = sf === undefined ? '' : ` for ${describeSealedFor(sf)}`;
        return (
          `its RSA block was sealed with this controller's key${what}, but the rest of the value does not ` +
          'authenticate (AES-GCM): the value was edited or spliced from another one; seal it again'
        );
      }
      if (sf === undefined) {
        return (
          `sealed with this controller's key, but not for ${here} (OAEP label ` +
          `${quoteUserText(encryptionLabelText(target.namespace, target.name, target.scope), 80)}): the ` +
          'SealedSecret was moved, renamed or its scope changed after sealing, and its template does not say from ' +
          `where; seal it again for ${target.namespace}/${target.name}`
        );
      }
      return `sealed for ${describeSealedFor(sf)}, but this SealedSecret is ${here}${whatChanged(sf, target)}`;
    }
    case 'not-diagnosed':
      return (
        `does not decrypt for ${here}; not diagnosed further (the webhook tries at most ${verdict.budget} RSA ` +
        'operations per request)'
      );
  }
}

interface Target {
  readonly scope: Scope;
  readonly namespace: string;
  readonly name: string;
}

function targetOf(ss: SealedSecret): Target {
  return {
    scope: scopeFromAnnotations(ss.metadata.annotations),
    namespace: ss.metadata.namespace ?? '',
    name: ss.metadata.name ?? '',
  };
}

function describeSealedFor(sf: SealedFor): string {
  switch (sf.scope) {
    case 'strict':
      return `${sf.namespace}/${sf.name} (strict scope)`;
    case 'namespace-wide':
      return `namespace ${sf.namespace} (namespace-wide scope)`;
    case 'cluster-wide':
      return 'any namespace (cluster-wide scope)';
  }
}

function describeTarget(t: Target): string {
  return `${t.namespace}/${t.name} (${t.scope} scope)`;
}

/** What differs between the label a value was sealed for and the object's, and the fix. */
function whatChanged(sf: SealedFor, t: Target): string {
  // Would the value decrypt if only the scope annotations said sf.scope?
  const fitsHere =
    (sf.scope === 'cluster-wide' || sf.namespace === t.namespace) &&
    (sf.scope !== 'strict' || sf.name === t.name);
  if (fitsHere) {
    return ` (its scope annotations say ${t.scope}); ${scopeAdvice(sf.scope)}, or seal it again as ${t.scope}`;
  }
  // Not cluster-wide from here on (a cluster-wide value fits any object).
  const changes: string[] = [];
  if (sf.namespace !== t.namespace) {
    changes.push(`moved from namespace ${quoteUserText(sf.namespace, 63)}`);
  }
  if (sf.scope === 'strict' && sf.name !== t.name) changes.push(`renamed from ${quoteUserText(sf.name, 63)}`);
  if (sf.scope !== t.scope) changes.push(`its scope changed from ${sf.scope} to ${t.scope}`);
  const wider =
    t.scope === 'strict' && sf.namespace === t.namespace
      ? ' (or seal it namespace-wide to allow renames)'
      : t.scope !== 'cluster-wide'
        ? ' (or seal it cluster-wide to use it in any namespace)'
        : '';
  return ` (${changes.join(', ')}); seal it again for ${t.namespace}/${t.name}${wider}`;
}

function scopeAdvice(scope: Scope): string {
  switch (scope) {
    case 'strict':
      return `remove the scope annotations ${ANNOTATION_NAMESPACE_WIDE} and ${ANNOTATION_CLUSTER_WIDE}`;
    case 'namespace-wide':
      return `set the annotation ${ANNOTATION_NAMESPACE_WIDE}: "true" (and no cluster-wide one)`;
    case 'cluster-wide':
      return `set the annotation ${ANNOTATION_CLUSTER_WIDE}: "true"`;
  }
}

function keys(count: number): string {
  return `${count} key${count === 1 ? '' : 's'}`;
}
