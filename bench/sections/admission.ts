import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchCluster } from '../lib/cluster.js';
import type { BenchContext } from '../lib/context.js';
import { generateBenchKeys } from '../lib/keys.js';
import type { SectionResult, Table } from '../lib/report.js';
import { fmt, fmtMs, summarize, type Summary } from '../lib/stats.js';
import { startController } from '../lib/controller-process.js';
import { prepareNamespace } from '../lib/scenario.js';
import { loadCore } from '../lib/workspace.js';
import type { BenchKey } from '../lib/keys.js';

// deploy/admission-policy.yaml as shipped, with its binding narrowed to one labelled namespace, so that requests
// with and without the policy alternate under the same machine load.
const POLICY = 'sealed-secrets-controller-policy';
const LABEL = 'sealedsecrets-bench/admission-policy';
const RESOURCES: Record<string, string> = {
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
};
const WITH = 'bench-admission-on';
const WITHOUT = 'bench-admission-off';

interface AdmissionCase {
  readonly label: string;
  readonly values: number;
  readonly plaintextBytes: number;
  readonly runs: number;
}

async function applyYaml(cluster: BenchCluster, kind: string, yaml: string): Promise<void> {
  const resource = RESOURCES[kind];
  if (resource === undefined) throw new Error(`unexpected kind ${kind} in deploy/admission-policy.yaml`);
  const path = `/apis/admissionregistration.k8s.io/v1/${resource}/${POLICY}?fieldManager=ssts-bench&force=true`;
  const res = await cluster.client.request('PATCH', path, {
    body: yaml,
    contentType: 'application/apply-patch+yaml',
  });
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`applying ${kind}: HTTP ${res.status} ${res.text().slice(0, 300)}`);
}

async function installPolicy(ctx: BenchContext, cluster: BenchCluster): Promise<void> {
  const text = readFileSync(join(ctx.root, 'deploy/admission-policy.yaml'), 'utf8');
  for (const doc of text.split(/^---$/m)) {
    const kind = /^kind: (\w+)$/m.exec(doc)?.[1];
    if (kind !== undefined) await applyYaml(cluster, kind, doc);
  }
  await applyYaml(
    cluster,
    'ValidatingAdmissionPolicyBinding',
    JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: POLICY },
      spec: {
        policyName: POLICY,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { [LABEL]: 'on' } } },
      },
    }),
  );
}

function dryRunPath(namespace: string): string {
  return `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets?dryRun=All`;
}

/** Section 6: what the ValidatingAdmissionPolicy adds to a SealedSecret create (docs/admission.md). */
export async function admissionSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const cluster = await ctx.cluster();
  const core = await loadCore();
  const [key] = await generateBenchKeys(core, 1, 4096, new Date());
  if (key === undefined) throw new Error('no key generated');
  for (const name of [WITH, WITHOUT]) {
    await cluster.client.json('POST', '/api/v1/namespaces', {
      body: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: name === WITH ? { [LABEL]: 'on' } : {} },
      },
    });
  }
  await installPolicy(ctx, cluster);

  const scale = ctx.quick ? 0.1 : 1;
  const cases: AdmissionCase[] = [
    { label: '3 values of 16 bytes', values: 3, plaintextBytes: 16, runs: Math.ceil(300 * scale) },
    { label: '100 values of 16 bytes', values: 100, plaintextBytes: 16, runs: Math.ceil(100 * scale) },
    {
      label: '500 values of 16 bytes (admission.policy.maxKeys)',
      values: 500,
      plaintextBytes: 16,
      runs: Math.ceil(40 * scale),
    },
    { label: 'one value of 1 MiB', values: 1, plaintextBytes: 1024 * 1024, runs: Math.ceil(30 * scale) },
  ];

  // Sealed once per namespace (the label includes it): real ciphertexts from the core.
  const bodies = (c: AdmissionCase, namespace: string): string => {
    const data = Object.fromEntries(
      Array.from({ length: c.values }, (_, i) => [
        `key-${i}`,
        Buffer.alloc(c.plaintextBytes, i).toString('base64'),
      ]),
    );
    const ss = core.sealSecret(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench', namespace }, data },
      { publicKey: key.publicKey },
    );
    return JSON.stringify({ ...ss, apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' });
  };

  // The binding reaches the admission plugin through an informer: wait until a renamed SealedSecret is refused.
  const probe = JSON.parse(bodies(cases[0] as AdmissionCase, WITH)) as { metadata: { name: string } };
  probe.metadata.name = 'renamed';
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await cluster.client.request('POST', dryRunPath(WITH), { body: probe });
    if (res.status === 422 && res.text().includes(POLICY)) break;
    if (Date.now() > deadline)
      throw new Error(`the policy is not enforced after 30 s (last answer ${res.status})`);
    await new Promise((r) => setTimeout(r, 200));
  }

  const rows: string[][] = [];
  for (const c of cases) {
    ctx.log(`admission: ${c.label}, ${c.runs} rounds`);
    const body: Record<string, string> = { [WITH]: bodies(c, WITH), [WITHOUT]: bodies(c, WITHOUT) };
    const times: Record<string, number[]> = { [WITH]: [], [WITHOUT]: [] };
    for (let round = -2; round < c.runs; round++) {
      // Alternate the order within a round so neither side always runs second.
      const order = round % 2 === 0 ? [WITH, WITHOUT] : [WITHOUT, WITH];
      for (const ns of order) {
        const t0 = performance.now();
        const res = await cluster.client.request('POST', dryRunPath(ns), { body: body[ns] });
        const ms = performance.now() - t0;
        if (res.status !== 201)
          throw new Error(`${c.label} in ${ns}: HTTP ${res.status} ${res.text().slice(0, 300)}`);
        if (round >= 0) times[ns]?.push(ms);
      }
    }
    const on = summarize(times[WITH] ?? []);
    const off = summarize(times[WITHOUT] ?? []);
    const cell = (s: Summary): string => `${fmtMs(s.median)} / ${fmtMs(s.p99)}`;
    rows.push([
      c.label,
      `${fmt((body[WITH]?.length ?? 0) / 1024)} KiB`,
      String(c.runs),
      cell(off),
      cell(on),
      fmtMs(on.median - off.median),
    ]);
  }
  const webhookTable = await webhookLatency(ctx, cluster, key, bodies);
  const table: Table = {
    caption: 'Server-side dry-run create of a SealedSecret (RSA-4096), with and without the policy',
    header: ['object', 'body', 'rounds', 'without policy p50 / p99', 'with policy p50 / p99', 'added at p50'],
    rows,
  };
  return {
    id: 'admission',
    title: '7. Admission policy',
    tables: [table, webhookTable],
    notes: [
      'Each round sends the same object to two namespaces, one selected by the binding of deploy/admission-policy.yaml ' +
        'and one not, in alternating order; times are client-side, from request to response, over a keep-alive ' +
        'connection. `dryRun=All` runs the whole admission chain but does not write to etcd.',
      'The policy time grows faster than linearly with the number of keys: the CEL runtime of kube-apiserver ' +
        '1.34 (cel-go 0.26) tracks cost in a way that makes each loop quadratic. admission.policy.maxKeys (500) ' +
        'bounds it; docs/admission.md has the CEL cost of each expression.',
      "Webhook: the controller runs out of cluster with --webhook-listen-addr on 127.0.0.1 and the chart's " +
        'ValidatingWebhookConfiguration registered by url (the local control plane has no kube-proxy); its key ' +
        'Secret holds the RSA-4096 key the objects are sealed with. An admitted object costs one RSA decryption per ' +
        'value; a refused one (moved to another namespace) also the label probe, one more per value.',
    ],
    targets: [],
  };
}

const WEBHOOK_CTRL = 'bench-webhook-ctrl';
const WEBHOOK_ON = 'bench-webhook-on';
const WEBHOOK_LABEL = 'sealedsecrets-bench/admission-webhook';

/** The webhook's latency for a 3-value SealedSecret, admitted and refused, against the same request unchecked. */
async function webhookLatency(
  ctx: BenchContext,
  cluster: BenchCluster,
  key: BenchKey,
  bodies: (c: AdmissionCase, namespace: string) => string,
): Promise<Table> {
  await prepareNamespace(cluster, WEBHOOK_CTRL, [key]);
  await cluster.client.json('POST', '/api/v1/namespaces', {
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: WEBHOOK_ON, labels: { [WEBHOOK_LABEL]: 'on' } },
    },
  });
  const [apiPort, metricsPort, webhookPort] = (await cluster.harness.freePorts(3)) as [
    number,
    number,
    number,
  ];
  const configuration = 'sealed-secrets-bench-webhook';
  await cluster.client.json('POST', '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations', {
    body: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: configuration },
      webhooks: [
        {
          name: 'validate.sealedsecrets.bitnami.com',
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Ignore',
          timeoutSeconds: 5,
          clientConfig: { url: `https://127.0.0.1:${webhookPort}/validate-sealedsecrets` },
          rules: [
            {
              apiGroups: ['bitnami.com'],
              apiVersions: ['v1alpha1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['sealedsecrets'],
            },
          ],
          namespaceSelector: { matchLabels: { [WEBHOOK_LABEL]: 'on' } },
        },
      ],
    },
  });
  const controller = startController({
    kubeconfigPath: cluster.kubeconfigPath,
    namespace: WEBHOOK_CTRL,
    logDir: ctx.workDir,
    apiPort,
    metricsPort,
    extraArgs: [
      `--additional-namespaces=${WEBHOOK_ON}`,
      `--webhook-listen-addr=127.0.0.1:${webhookPort}`,
      '--webhook-hosts=127.0.0.1',
      `--webhook-configuration=${configuration}`,
      // The benchmark is one user sending hundreds of requests: the per-user limit would measure itself.
      '--webhook-rate-limit=1000',
      '--webhook-rate-limit-burst=1000',
    ],
  });
  try {
    await controller.waitHealthy(60_000);
    const c: AdmissionCase = { label: '3 values', values: 3, plaintextBytes: 16, runs: ctx.quick ? 30 : 300 };
    const good = bodies(c, WEBHOOK_ON);
    const moved = JSON.stringify({
      ...(JSON.parse(bodies(c, 'elsewhere')) as object),
      metadata: { name: 'bench', namespace: WEBHOOK_ON },
    });
    const unchecked = bodies(c, WITHOUT);
    // The configuration and its caBundle reach the admission plugin through an informer.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const res = await cluster.client.request('POST', dryRunPath(WEBHOOK_ON), { body: moved });
      if (res.status === 422 && res.text().includes('admission webhook')) break;
      if (Date.now() > deadline)
        throw new Error(
          `the webhook does not answer after 60 s (last ${res.status}): ${controller.logTail(5)}`,
        );
      await new Promise((r) => setTimeout(r, 200));
    }
    const requests: [string, string, string, number][] = [
      ['unchecked (namespace not selected)', WITHOUT, unchecked, 201],
      ['admitted by the webhook', WEBHOOK_ON, good, 201],
      ['refused by the webhook (moved)', WEBHOOK_ON, moved, 422],
    ];
    const times = requests.map(() => [] as number[]);
    ctx.log(`admission: webhook, ${c.runs} rounds`);
    for (let round = -2; round < c.runs; round++) {
      const order = round % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      for (const i of order) {
        const [label, ns, body, status] = requests[i] as [string, string, string, number];
        const t0 = performance.now();
        const res = await cluster.client.request('POST', dryRunPath(ns), { body });
        const ms = performance.now() - t0;
        if (res.status !== status)
          throw new Error(`webhook, ${label}: HTTP ${res.status} ${res.text().slice(0, 300)}`);
        if (round >= 0) times[i]?.push(ms);
      }
    }
    return {
      caption: `Server-side dry-run create of a 3-value SealedSecret (RSA-4096) through the controller's webhook, ${c.runs} rounds`,
      header: ['request', 'p50', 'p99', 'max'],
      rows: requests.map(([label], i) => {
        const s = summarize(times[i] ?? []);
        return [label, fmtMs(s.median), fmtMs(s.p99), fmtMs(s.max)];
      }),
    };
  } finally {
    await controller.stop();
  }
}
