import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { sealSecret, withScopeAnnotations, type SealedSecret, type Scope } from '@ssts/core';
import { applyManifest, kubeEndpoint, kubeRequest, objectApi, waitFor } from '../../helpers/index.js';
import { helmTemplate, parseObjects } from '../chart/helm.js';
import { getSealedSecret } from '../controller/support.js';

export type { SealedSecret };

/** Label that selects the namespaces of one installed policy (the binding's namespaceSelector). */
export const POLICY_LABEL = 'ssts-e2e/admission-policy';

const POLICY_KINDS = new Set(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);

export interface InstalledPolicy {
  /** Name of the policy and of its binding. */
  readonly name: string;
  /** Labels a namespace needs for the binding to apply there. */
  readonly namespaceLabels: Readonly<Record<string, string>>;
  remove(): Promise<void>;
}

/**
 * Renders the chart's policy and binding with `admission.policy.*` values and applies them. The binding only selects
 * namespaces labelled for this installation, so other spec files on the same cluster (which create broken
 * SealedSecrets on purpose) are unaffected.
 */
export async function installPolicy(values: Record<string, unknown> = {}): Promise<InstalledPolicy> {
  const id = randomBytes(4).toString('hex');
  const namespaceLabels = { [POLICY_LABEL]: id };
  const objects = parseObjects(
    helmTemplate({
      release: `adm-${id}`,
      namespace: 'kube-system',
      values: {
        fullnameOverride: `ssts-adm-${id}`,
        'admission.policy.enabled': true,
        'admission.policy.namespaceSelector': { matchLabels: namespaceLabels },
        ...values,
      },
    }),
  ).filter((o) => POLICY_KINDS.has(o.kind));
  if (objects.length !== 2) throw new Error(`expected a policy and a binding, rendered ${objects.length}`);
  await applyManifest(objects as unknown as KubernetesObject[]);
  return {
    name: `ssts-adm-${id}-policy`,
    namespaceLabels,
    async remove() {
      for (const o of [...objects].reverse()) {
        await objectApi()
          .delete(o as unknown as KubernetesObject)
          .catch(() => undefined);
      }
    },
  };
}

// A key of this run only. The vectors' test key would let other spec files' controllers that watch every namespace
// (chart-rbac) unseal these objects, write their status and create Secrets here.
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 4096, publicExponent: 0x10001 });

/** A SealedSecret sealed by the core (kubeseal's sealing code) with an RSA-4096 key, as kubeseal writes it. */
export function sealed(
  namespace: string,
  name: string,
  options: { scope?: Scope; data?: Record<string, string>; type?: string; immutable?: boolean } = {},
): SealedSecret {
  const annotations = withScopeAnnotations({}, options.scope ?? 'strict');
  const data = Object.fromEntries(
    Object.entries(options.data ?? { username: 'admin', password: 'hunter2' }).map(([k, v]) => [
      k,
      Buffer.from(v).toString('base64'),
    ]),
  );
  return sealSecret(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, annotations, labels: { app: 'web' } },
      data,
      ...(options.type !== undefined && { type: options.type }),
      ...(options.immutable !== undefined && { immutable: options.immutable }),
    },
    { publicKey },
  );
}

export interface AdmissionAnswer {
  status: number;
  reason: string | undefined;
  message: string | undefined;
  /** Texts of the `Warning` response headers (RFC 7234 `299 - "<text>"`), unquoted. */
  warnings: string[];
}

function answer(res: { status: number; body: string; headers: Record<string, unknown> }): AdmissionAnswer {
  let reason: string | undefined;
  let message: string | undefined;
  if (res.status >= 300) {
    const status = JSON.parse(res.body) as { reason?: string; message?: string };
    reason = status.reason;
    message = status.message;
  }
  const header = res.headers['warning'];
  const raw = header === undefined ? [] : Array.isArray(header) ? header : [String(header)];
  // Node joins repeated headers with ", "; each warning is `299 - "<escaped text>"`.
  const warnings = raw
    .flatMap((h: string) => [...h.matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)])
    .map((m) => (m[1] ?? '').replace(/\\(.)/g, '$1'));
  return { status: res.status, reason, message, warnings };
}

const path = (namespace: string): string =>
  `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets`;

/** POST the object (dryRun=All unless `persist`). */
export async function create(object: unknown, options: { persist?: boolean } = {}): Promise<AdmissionAnswer> {
  const o = object as { metadata: { namespace: string } };
  const query = options.persist === true ? '' : '?dryRun=All';
  return answer(
    await kubeRequest(kubeEndpoint(), 'POST', `${path(o.metadata.namespace)}${query}`, { body: o }),
  );
}

/** PUT the object (dryRun=All unless `persist`); `subresource` e.g. "status". */
export async function replace(
  object: unknown,
  options: { persist?: boolean; subresource?: string } = {},
): Promise<AdmissionAnswer> {
  const o = object as { metadata: { namespace: string; name: string } };
  const sub = options.subresource === undefined ? '' : `/${options.subresource}`;
  const query = options.persist === true ? '' : '?dryRun=All';
  const url = `${path(o.metadata.namespace)}/${o.metadata.name}${sub}${query}`;
  return answer(await kubeRequest(kubeEndpoint(), 'PUT', url, { body: o }));
}

/**
 * Deletes every SealedSecret of `namespace`, before the namespace itself: a controller that watches all namespaces
 * would otherwise try to write events into a terminating namespace, and another spec file checks its log for that.
 */
export async function deleteSealedSecrets(namespace: string): Promise<void> {
  const res = await kubeRequest(kubeEndpoint(), 'DELETE', path(namespace));
  if (res.status !== 200) throw new Error(`DELETE SealedSecrets in ${namespace}: ${res.status} ${res.body}`);
}

/** GET the stored object; throws when it is absent. */
export async function get(namespace: string, name: string): Promise<SealedSecret> {
  const ss = await getSealedSecret(namespace, name);
  if (ss === undefined) throw new Error(`SealedSecret ${namespace}/${name} not found`);
  return ss;
}

/** The exact text of a denial by `policy` (binding of the same name) for the SealedSecret `name`. */
export function denial(policy: string, name: string, message: string): string {
  return (
    `sealedsecrets.bitnami.com "${name}" is forbidden: ValidatingAdmissionPolicy '${policy}' with binding ` +
    `'${policy}' denied request: ${message}`
  );
}

/**
 * Waits until the policy acts in `namespace` (policies, bindings and namespace labels reach the admission plugin
 * through informers): a SealedSecret with a renamed template must be denied, or admitted with a warning.
 */
export async function waitUntilEnforced(policy: InstalledPolicy, namespace: string): Promise<void> {
  const probe = sealed(namespace, 'probe');
  probe.spec.template = { ...probe.spec.template, metadata: { ...probe.spec.template?.metadata, name: 'x' } };
  await waitFor(
    async () => {
      const a = await create(probe);
      return (
        (a.status === 422 && (a.message ?? '').includes(`'${policy.name}'`)) ||
        a.warnings.some((w) => w.includes(`'${policy.name}'`))
      );
    },
    // Usually a second or two; on a loaded 2-core machine one create was still pending at 30 s (CI, stop 22).
    { timeoutMs: 90_000 },
  );
}
