import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { readJsonFixture } from '@ssts/test-utils';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { writeKubeconfig } from '../../harness/kubeconfig.js';
import { freePorts } from '../../harness/ports.js';
import {
  applyManifest,
  createTestNamespace,
  e2eCluster,
  kubeEndpoint,
  kubeJson,
  kubeRequest,
  waitFor,
} from '../../helpers/index.js';
import { parseCertificatePem, sealSecret } from '@ssts/core';
import { testKeyPair } from './cases.js';
import {
  HELM_BUILD_TIMEOUT_MS,
  controllerContainer,
  findObject,
  helmBin,
  helmTemplate,
  parseObjects,
  repoRoot,
  type K8sObject,
} from './helm.js';

/**
 * The RBAC proof: the built controller runs out of cluster with a token of the chart's ServiceAccount (TokenRequest
 * API), so it has exactly the permissions the rendered RBAC grants, and must still unseal end to end.
 */

const CONTROLLER_BIN = join(repoRoot, 'packages/controller/bin/sealed-secrets-controller.js');
const SS_NAME = 'app-credentials';

interface SealedSecretVector extends KubernetesObject {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: { template: { metadata: Record<string, unknown> } };
}

const expectedData = readJsonFixture<Record<string, string>>(
  'vectors',
  'sealedsecret-4096',
  'expected-data.json',
);

/** The cluster-wide vector (sealed for the TEST key of byoKey) placed in `namespace`. */
function sealedSecretIn(namespace: string): SealedSecretVector {
  const ss = readJsonFixture<SealedSecretVector>('vectors', 'sealedsecret-4096', 'sealed-cluster-wide.json');
  ss.metadata = { ...ss.metadata, namespace };
  ss.spec.template.metadata = { ...ss.spec.template.metadata, namespace };
  return ss;
}

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

interface Installed {
  objects: K8sObject[];
  serviceAccount: string;
}

/** Renders the chart and applies everything but the Deployment (no kubelet here) as the admin. */
async function installChart(
  release: string,
  namespace: string,
  values: Record<string, unknown>,
): Promise<Installed> {
  const objects = parseObjects(helmTemplate({ release, namespace, values }));
  const applied = objects.filter((o) => o.kind !== 'Deployment');
  await applyManifest(applied as unknown as KubernetesObject[]);
  onTestFinished(async () => {
    // Namespaced objects go with their namespaces; cluster-scoped ones are removed here.
    for (const o of applied.filter((x) => x.kind === 'ClusterRole' || x.kind === 'ClusterRoleBinding')) {
      await kubeRequest(
        kubeEndpoint(),
        'DELETE',
        `/apis/rbac.authorization.k8s.io/v1/${o.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}/${o.metadata.name}`,
      );
    }
    for (const o of applied.filter((x) => x.kind === 'ValidatingWebhookConfiguration')) {
      await kubeRequest(
        kubeEndpoint(),
        'DELETE',
        `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${o.metadata.name}`,
      );
    }
  });
  const sa = objects.find((o) => o.kind === 'ServiceAccount');
  if (sa === undefined) throw new Error('the chart rendered no ServiceAccount');
  return { objects, serviceAccount: sa.metadata.name };
}

/** A short-lived token of the ServiceAccount from the TokenRequest API. */
async function serviceAccountToken(namespace: string, name: string): Promise<string> {
  const res = await kubeJson<{ status: { token: string } }>(
    kubeEndpoint(),
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  return res.status.token;
}

/** Starts the built controller with the chart's flags, as the ServiceAccount, on free loopback ports. */
interface RunningController {
  child: ChildProcess;
  /** The HTTP API on loopback. */
  url: string;
  /** The last 20 kB of the controller's stdout and stderr. */
  output: () => string;
}

async function startController(
  installed: Installed,
  namespace: string,
  token: string,
  podName?: string,
  extraReplacements: Readonly<Record<string, string>> = {},
): Promise<RunningController> {
  if (!existsSync(CONTROLLER_BIN)) {
    throw new Error(`${CONTROLLER_BIN} does not exist: build the controller first (pnpm build)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ssts-chart-rbac-'));
  const cluster = e2eCluster();
  const kubeconfig = writeKubeconfig(join(dir, 'kubeconfig'), {
    server: cluster.server,
    caPem: readFileSync(cluster.caPath),
    token,
    user: `system:serviceaccount:${namespace}:${installed.serviceAccount}`,
  });
  const [http, metrics] = await freePorts(2);
  const args = [...(controllerContainer(installed.objects).args ?? [])];
  const replace = (flag: string, value: string): void => {
    const i = args.indexOf(flag);
    if (i < 0) throw new Error(`the chart passed no ${flag}`);
    args[i + 1] = value;
  };
  replace('--listen-addr', `127.0.0.1:${http}`);
  replace('--listen-metrics-addr', `127.0.0.1:${metrics}`);
  for (const [flag, value] of Object.entries(extraReplacements)) replace(flag, value);
  // A minimal environment: in particular no KUBECONFIG of the admin and no in-cluster variables.
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    POD_NAMESPACE: namespace,
    HOME: dir,
    ...(podName !== undefined && { POD_NAME: podName }),
  };
  const child = spawn(process.execPath, [CONTROLLER_BIN, ...args, '--kubeconfig', kubeconfig], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  onTestFinished(async (ctx) => {
    if (ctx.task.result?.state === 'fail') process.stderr.write(`--- controller output ---\n${output}\n`);
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  });
  return { child, url: `http://127.0.0.1:${http}`, output: () => output };
}

interface SecretObject {
  data?: Record<string, string>;
  metadata: { ownerReferences?: { kind: string; name: string }[] };
}

/**
 * The log lines of refused requests. A cluster-wide controller also sees the SealedSecrets of namespaces that
 * other tests are deleting; the API server refuses its events there ("being terminated"), which is no RBAC refusal.
 */
function refusedRequests(output: string): string[] {
  // A namespace an earlier case deleted refuses new Secrets with 403 too: `… is being terminated` in the API server's
  // text, the `NamespaceTerminating` cause in the controller's (which withholds that text, see secret-write-error.ts).
  return output
    .split('\n')
    .filter((line) => /forbidden/i.test(line) && !/being terminated|NamespaceTerminating/.test(line));
}

async function unsealedSecret(namespace: string): Promise<SecretObject> {
  return waitFor(
    async () => {
      const res = await kubeRequest(
        kubeEndpoint(),
        'GET',
        `/api/v1/namespaces/${namespace}/secrets/${SS_NAME}`,
      );
      return res.status === 200 ? (JSON.parse(res.body) as SecretObject) : undefined;
    },
    { timeoutMs: 60_000, description: `Secret ${namespace}/${SS_NAME} unsealed by the controller` },
  );
}

async function syncedCondition(namespace: string): Promise<string> {
  return waitFor(
    async () => {
      const ss = await kubeJson<{ status?: { conditions?: { type: string; status: string }[] } }>(
        kubeEndpoint(),
        'GET',
        `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets/${SS_NAME}`,
      );
      return ss.status?.conditions?.find((c) => c.type === 'Synced')?.status;
    },
    { timeoutMs: 30_000, description: `status of SealedSecret ${namespace}/${SS_NAME}` },
  );
}

interface Access {
  verb: string;
  resource: string;
  group?: string;
  subresource?: string;
  /** Unset: all namespaces (or a cluster-scoped object). */
  namespace?: string | undefined;
  name?: string;
}

/** `GET /api/v1/namespaces/X` is authorised as a request in namespace X, which is why a Role can grant it. */
const getNamespace = (name: string): Access => ({
  verb: 'get',
  resource: 'namespaces',
  name,
  namespace: name,
});

/** Asks the API server's authorizer (SubjectAccessReview) whether the chart's ServiceAccount may do `a`. */
async function allowed(namespace: string, serviceAccount: string, a: Access): Promise<boolean> {
  const review = await kubeJson<{ status: { allowed: boolean } }>(
    kubeEndpoint(),
    'POST',
    '/apis/authorization.k8s.io/v1/subjectaccessreviews',
    {
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: `system:serviceaccount:${namespace}:${serviceAccount}`,
          groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
          resourceAttributes: { group: '', ...a },
        },
      },
    },
  );
  return review.status.allowed;
}

const describeAccess = (a: Access): string =>
  `${a.verb} ${a.group ? `${a.group}/` : ''}${a.resource}${a.subresource ? `/${a.subresource}` : ''}` +
  `${a.name ? ` ${a.name}` : ''} in ${a.namespace ?? '(all namespaces)'}`;

async function expectAccess(ns: string, sa: string, grants: Access[], refusals: Access[]): Promise<void> {
  const wrong: string[] = [];
  for (const a of grants) if (!(await allowed(ns, sa, a))) wrong.push(`refused: ${describeAccess(a)}`);
  for (const a of refusals) if (await allowed(ns, sa, a)) wrong.push(`granted: ${describeAccess(a)}`);
  expect(wrong).toEqual([]);
}

/** What the controller does in a namespace it watches (compat §3.11). */
const unsealerAccess = (namespace: string | undefined): Access[] => [
  ...['get', 'list', 'watch'].map((verb) => ({
    verb,
    group: 'bitnami.com',
    resource: 'sealedsecrets',
    namespace,
  })),
  { verb: 'update', group: 'bitnami.com', resource: 'sealedsecrets', subresource: 'status', namespace },
  ...['get', 'list', 'watch', 'create', 'update', 'delete'].map((verb) => ({
    verb,
    resource: 'secrets',
    namespace,
  })),
  { verb: 'create', resource: 'events', namespace },
  { verb: 'patch', resource: 'events', namespace },
];

/** Key management in the controller namespace. */
const keyAdminAccess = (namespace: string): Access[] => [
  { verb: 'list', resource: 'secrets', namespace },
  { verb: 'create', resource: 'secrets', namespace },
  { verb: 'get', resource: 'secrets', namespace, name: 'sealed-secrets-key' },
];

/** Never needed by the controller. */
const neverAccess = (namespace: string | undefined): Access[] => [
  { verb: 'create', group: 'bitnami.com', resource: 'sealedsecrets', namespace },
  { verb: 'update', group: 'bitnami.com', resource: 'sealedsecrets', namespace },
  { verb: 'delete', group: 'bitnami.com', resource: 'sealedsecrets', namespace },
  { verb: 'list', resource: 'configmaps', namespace },
  { verb: 'create', resource: 'pods', namespace },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace },
];

describe('the rendered RBAC grants what the controller does and nothing else (SubjectAccessReview)', () => {
  it('cluster-wide: unsealer rights in every namespace, key admin in its own, no namespaces access', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-sar-ctl-' });
    const app = await createTestNamespace({ prefix: 'chart-sar-app-' });
    const { serviceAccount } = await installChart(ctl, ctl, {
      'rbac.clusterRoleName': `secrets-unsealer-${ctl}`,
    });
    await expectAccess(
      ctl,
      serviceAccount,
      [...unsealerAccess(undefined), ...unsealerAccess(app), ...keyAdminAccess(ctl)],
      [...neverAccess(app), ...neverAccess(undefined), getNamespace(app)],
    );
  });

  it('cluster-wide with additionalNamespaces: namespaces get only on those names', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-sar-ctl-' });
    const extra = await createTestNamespace({ prefix: 'chart-sar-extra-' });
    const other = await createTestNamespace({ prefix: 'chart-sar-other-' });
    const { serviceAccount } = await installChart(ctl, ctl, {
      'rbac.clusterRoleName': `secrets-unsealer-${ctl}`,
      additionalNamespaces: [extra],
    });
    await expectAccess(
      ctl,
      serviceAccount,
      [getNamespace(extra)],
      [getNamespace(other), { verb: 'list', resource: 'namespaces' }],
    );
  });

  it('namespaced: unsealer rights only in the controller and the additional namespaces', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-sar-ctl-' });
    const granted = await createTestNamespace({ prefix: 'chart-sar-ok-' });
    const denied = await createTestNamespace({ prefix: 'chart-sar-no-' });
    const { serviceAccount } = await installChart(ctl, ctl, {
      'rbac.clusterRole': false,
      'rbac.namespacedRoles': true,
      additionalNamespaces: [granted],
    });
    await expectAccess(
      ctl,
      serviceAccount,
      [...unsealerAccess(ctl), ...unsealerAccess(granted), ...keyAdminAccess(ctl), getNamespace(granted)],
      [
        ...unsealerAccess(denied),
        ...unsealerAccess(undefined),
        ...neverAccess(granted),
        getNamespace(denied),
      ],
    );
    // The same through real requests with a token of the ServiceAccount.
    const asController = { ...kubeEndpoint(), token: await serviceAccountToken(ctl, serviceAccount) };
    expect((await kubeRequest(asController, 'GET', `/api/v1/namespaces/${granted}`)).status).toBe(200);
    expect((await kubeRequest(asController, 'GET', `/api/v1/namespaces/${denied}`)).status).toBe(403);
    expect((await kubeRequest(asController, 'GET', `/api/v1/namespaces/${granted}/secrets`)).status).toBe(
      200,
    );
    expect((await kubeRequest(asController, 'GET', `/api/v1/namespaces/${denied}/secrets`)).status).toBe(403);
    expect((await kubeRequest(asController, 'GET', '/api/v1/secrets')).status).toBe(403);
  });

  it('service proxier: any authenticated user may reach the controller through the API server proxy only', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-sar-proxy-' });
    await installChart('proxy', ctl, {
      fullnameOverride: 'sealed-secrets-controller',
      'rbac.clusterRole': false,
    });
    const asUser = async (a: Access): Promise<boolean> => {
      const review = await kubeJson<{ status: { allowed: boolean } }>(
        kubeEndpoint(),
        'POST',
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: 'someone',
              groups: ['system:authenticated'],
              resourceAttributes: { group: '', ...a },
            },
          },
        },
      );
      return review.status.allowed;
    };
    const name = 'sealed-secrets-controller';
    for (const verb of ['get', 'create']) {
      for (const proxy of [`http:${name}:`, `http:${name}:http`, name]) {
        expect(
          await asUser({ verb, resource: 'services', subresource: 'proxy', namespace: ctl, name: proxy }),
        ).toBe(true);
      }
    }
    expect(await asUser({ verb: 'get', resource: 'services', namespace: ctl, name })).toBe(true);
    expect(
      await asUser({
        verb: 'get',
        resource: 'services',
        subresource: 'proxy',
        namespace: ctl,
        name: 'other',
      }),
    ).toBe(false);
    expect(await asUser({ verb: 'list', resource: 'secrets', namespace: ctl })).toBe(false);
  });
});

describe('the built controller runs with only the rendered RBAC (ServiceAccount token)', () => {
  it('cluster-wide RBAC: unseals a SealedSecret in another namespace and writes its status', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-rbac-ctl-' });
    const app = await createTestNamespace({ prefix: 'chart-rbac-app-' });
    const installed = await installChart(ctl, ctl, {
      // A ClusterRole name of its own, so that this test never changes a shared `secrets-unsealer`.
      'rbac.clusterRoleName': `secrets-unsealer-${ctl}`,
      byoKey: { enabled: true, ...testKeyPair },
    });
    const token = await serviceAccountToken(ctl, installed.serviceAccount);
    await applyManifest(sealedSecretIn(app));
    const controller = await startController(installed, ctl, token);

    const secret = await unsealedSecret(app);
    expect(secret.data).toEqual(expectedData);
    expect(secret.metadata.ownerReferences?.map((r) => `${r.kind}/${r.name}`)).toEqual([
      `SealedSecret/${SS_NAME}`,
    ]);
    expect(await syncedCondition(app)).toBe('True');
    // Nothing the controller tried was refused.
    expect(refusedRequests(controller.output())).toEqual([]);
  });

  it('namespaced RBAC: unseals in the granted namespace and cannot read Secrets anywhere else', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-rbacns-ctl-' });
    const granted = await createTestNamespace({ prefix: 'chart-rbacns-ok-' });
    const denied = await createTestNamespace({ prefix: 'chart-rbacns-no-' });
    const installed = await installChart(ctl, ctl, {
      'rbac.clusterRole': false,
      'rbac.namespacedRoles': true,
      additionalNamespaces: [granted],
      byoKey: { enabled: true, ...testKeyPair },
    });
    expect(installed.objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const token = await serviceAccountToken(ctl, installed.serviceAccount);
    await applyManifest(sealedSecretIn(granted));
    await applyManifest(sealedSecretIn(denied));
    const controller = await startController(installed, ctl, token);

    expect((await unsealedSecret(granted)).data).toEqual(expectedData);
    expect(await syncedCondition(granted)).toBe('True');
    expect(refusedRequests(controller.output())).toEqual([]);

    // The ServiceAccount itself is refused in the namespace it was not granted, whatever the controller does.
    const asController = { ...kubeEndpoint(), token };
    for (const path of [
      `/api/v1/namespaces/${denied}/secrets`,
      `/api/v1/namespaces/${denied}/secrets/${SS_NAME}`,
      `/apis/bitnami.com/v1alpha1/namespaces/${denied}/sealedsecrets`,
      `/api/v1/secrets`,
    ]) {
      expect((await kubeRequest(asController, 'GET', path)).status, path).toBe(403);
    }
    const create = await kubeRequest(asController, 'POST', `/api/v1/namespaces/${denied}/secrets`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'probe' } },
    });
    expect(create.status).toBe(403);
    // ...while the same reads succeed in the granted namespace.
    expect((await kubeRequest(asController, 'GET', `/api/v1/namespaces/${granted}/secrets`)).status).toBe(
      200,
    );
    expect(
      (await kubeRequest(kubeEndpoint(), 'GET', `/api/v1/namespaces/${denied}/secrets/${SS_NAME}`)).status,
    ).toBe(404);
  });

  it('with the webhook: creates its CA Secret and writes the caBundle with the rendered RBAC only', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-rbacwh-ctl-' });
    const installed = await installChart(ctl, ctl, {
      'rbac.clusterRoleName': `secrets-unsealer-${ctl}`,
      byoKey: { enabled: true, ...testKeyPair },
      'admission.webhook.enabled': true,
      // Selects no namespace: the Service it names is unreachable here, and other spec files share the cluster.
      'admission.webhook.namespaceSelector': { matchLabels: { 'ssts-e2e/never': ctl } },
    });
    const configuration = installed.objects.find((o) => o.kind === 'ValidatingWebhookConfiguration');
    if (configuration === undefined) throw new Error('no ValidatingWebhookConfiguration rendered');
    const args = controllerContainer(installed.objects).args ?? [];
    const token = await serviceAccountToken(ctl, installed.serviceAccount);
    const [webhookPort] = await freePorts(1);
    const controller = await startController(installed, ctl, token, undefined, {
      '--webhook-listen-addr': `127.0.0.1:${webhookPort}`,
      '--webhook-hosts': '127.0.0.1',
    });
    const caBundle = await waitFor(
      async () => {
        const vwc = await kubeJson<{ webhooks: { clientConfig: { caBundle?: string } }[] }>(
          kubeEndpoint(),
          'GET',
          `/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${configuration.metadata.name}`,
        );
        return vwc.webhooks[0]?.clientConfig.caBundle;
      },
      { timeoutMs: 60_000, description: 'the caBundle written by the controller' },
    );
    const secret = await kubeJson<{ type: string; data: Record<string, string> }>(
      kubeEndpoint(),
      'GET',
      `/api/v1/namespaces/${ctl}/secrets/${args[args.indexOf('--webhook-ca-secret') + 1] ?? ''}`,
    );
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(caBundle).toBe(secret.data['ca.crt']);
    expect(refusedRequests(controller.output())).toEqual([]);
  });

  it('two replicas (replicaCount: 2): one takes the chart Lease, creates the key and unseals; Lease rights are by name', async () => {
    const ctl = await createTestNamespace({ prefix: 'chart-rbacha-ctl-' });
    const app = await createTestNamespace({ prefix: 'chart-rbacha-app-' });
    const installed = await installChart(ctl, ctl, {
      'rbac.clusterRoleName': `secrets-unsealer-${ctl}`,
      replicaCount: 2,
    });
    const lease = findObject(installed.objects, 'Lease').metadata.name;
    const token = await serviceAccountToken(ctl, installed.serviceAccount);
    const replicas = [
      await startController(installed, ctl, token, 'ha-a'),
      await startController(installed, ctl, token, 'ha-b'),
    ];
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ctl}/leases`;
    const holder = await waitFor(
      async () =>
        (
          await kubeJson<{ spec?: { holderIdentity?: string } }>(
            kubeEndpoint(),
            'GET',
            `${leasePath}/${lease}`,
          )
        ).spec?.holderIdentity,
      { timeoutMs: 60_000, description: 'a replica to hold the Lease' },
    );
    expect(holder).toMatch(/^ha-[ab]_/);
    // The leader made the key; both replicas serve it.
    const pem = await waitFor(
      async () => {
        const certs = await Promise.all(
          replicas.map(async (r) => (await fetch(`${r.url}/v1/cert.pem`).catch(() => undefined))?.text()),
        );
        return certs[0]?.includes('BEGIN CERTIFICATE') && certs[0] === certs[1] && certs[0];
      },
      { timeoutMs: 60_000, description: 'both replicas to serve the key' },
    );
    const sealed = sealSecret(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: SS_NAME, namespace: app },
        stringData: { a: 'b' },
      },
      { publicKey: parseCertificatePem(pem).publicKey },
    );
    await applyManifest({
      ...sealed,
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
    } as unknown as KubernetesObject);
    expect((await unsealedSecret(app)).data).toEqual({ a: Buffer.from('b').toString('base64') });
    expect(await syncedCondition(app)).toBe('True');
    for (const r of replicas) expect(refusedRequests(r.output())).toEqual([]);

    // What the Role allows: the one Lease, read, watched (by field selector) and updated; no create, no other Lease.
    const asController = { ...kubeEndpoint(), token };
    expect((await kubeRequest(asController, 'GET', `${leasePath}/${lease}`)).status).toBe(200);
    const watch = await kubeRequest(
      asController,
      'GET',
      `${leasePath}?watch=true&timeoutSeconds=1&fieldSelector=${encodeURIComponent(`metadata.name=${lease}`)}`,
    );
    expect(watch.status).toBe(200);
    expect((await kubeRequest(asController, 'GET', leasePath)).status).toBe(403);
    const create = await kubeRequest(asController, 'POST', leasePath, {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'squatted' } },
    });
    expect(create.status).toBe(403);
    await expectAccess(
      ctl,
      installed.serviceAccount,
      ['get', 'watch', 'update'].map((verb) => ({
        verb,
        group: 'coordination.k8s.io',
        resource: 'leases',
        namespace: ctl,
        name: lease,
      })),
      [
        { verb: 'create', group: 'coordination.k8s.io', resource: 'leases', namespace: ctl },
        {
          verb: 'update',
          group: 'coordination.k8s.io',
          resource: 'leases',
          namespace: ctl,
          name: 'kube-scheduler',
        },
        { verb: 'delete', group: 'coordination.k8s.io', resource: 'leases', namespace: ctl, name: lease },
        { verb: 'get', group: 'coordination.k8s.io', resource: 'leases', namespace: app, name: lease },
      ],
    );
  });
});
