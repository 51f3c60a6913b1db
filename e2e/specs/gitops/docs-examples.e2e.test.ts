import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinaries } from '../../harness/binaries.js';
import { repoRoot } from '../../harness/paths.js';
import {
  acquireClusterLock,
  applyManifest,
  e2eCluster,
  KUBE_SYSTEM_CONTROLLER,
  kubeEndpoint,
  kubeJson,
  kubeRequest,
  parseManifest,
  waitFor,
} from '../../helpers/index.js';
import { promtoolBin } from '../chart/promtool.js';
import {
  getSecret,
  startController,
  waitForSynced,
  type RunningController,
  type Secret,
} from '../controller/support.js';
import { startOurController, type ProxiedController } from '../kubeseal/support.js';
import { scanMarkdown, type DocExample } from './doc-examples.js';
import { secretReferences } from './secret-references.js';

// "Every document example runs as written": each marked block of docs/*.md is applied (for real or as a
// server-side dry run), written to a work directory, or run with bash, in page order, against the e2e control
// plane. A per-page fixture prepares what the page assumes (namespaces, a controller holding the repository's
// test key, the minimal CRDs of e2e/specs/gitops/crds) and checks what the page promises afterwards.

const DOCS = join(repoRoot(), 'docs');
const KEY_BACKUP = join(repoRoot(), 'packages/test-utils/fixtures/vectors/sealedsecret-4096/key-backup.json');
const KUBESEAL_BIN = join(repoRoot(), 'packages/kubeseal/bin/kubeseal.js');
/** Top-level repository entries a page's shell commands may read (`cp deploy/controller.yaml …`). */
const LINKED = ['deploy', 'docs', 'packages', 'charts', 'tools'];

interface Fixture {
  /** Pods and Deployments of the page must reference Secrets the controller actually produced. */
  readonly resolvesSecrets: boolean;
  setup(): Promise<void>;
  /** Checks of what the page promises, after all its examples ran. */
  verify?(env: PageEnv): Promise<void>;
  teardown(): Promise<void>;
}

interface PageEnv {
  readonly workdir: string;
  readonly env: Record<string, string>;
}

async function ensureNamespace(name: string): Promise<void> {
  const res = await kubeRequest(kubeEndpoint(), 'POST', '/api/v1/namespaces', {
    body: { metadata: { name, labels: { 'ssts.e2e/test-namespace': 'true' } } },
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`create namespace ${name}: ${res.status}`);
}

async function deleteNamespace(name: string): Promise<void> {
  await kubeRequest(kubeEndpoint(), 'DELETE', `/api/v1/namespaces/${name}`);
}

/** The repository's test key (the vectors' key backup), as key Secrets of `namespace`. */
async function loadTestKey(namespace: string): Promise<string[]> {
  const backup = JSON.parse(readFileSync(KEY_BACKUP, 'utf8')) as { items: Secret[] };
  const names: string[] = [];
  for (const key of backup.items) {
    const res = await kubeRequest(kubeEndpoint(), 'POST', `/api/v1/namespaces/${namespace}/secrets`, {
      body: { ...key, metadata: { ...key.metadata, namespace } },
    });
    if (res.status !== 201 && res.status !== 409) throw new Error(`load test key: ${res.status} ${res.body}`);
    names.push(key.metadata.name ?? '');
  }
  return names;
}

async function installCrd(file: string): Promise<void> {
  const [crd] = parseManifest(readFileSync(join(import.meta.dirname, 'crds', file), 'utf8'));
  if (crd === undefined) throw new Error(`no CRD in ${file}`);
  await applyManifest(crd);
  await waitFor(
    async () => {
      const got = await kubeJson<{ status?: { conditions?: { type: string; status: string }[] } }>(
        kubeEndpoint(),
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata?.name ?? ''}`,
      );
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
    },
    { timeoutMs: 30_000, description: `CRD ${file} established` },
  );
}

function runBash(script: string, page: PageEnv): { status: number; output: string } {
  const res = spawnSync('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: page.workdir,
    env: page.env,
    // stdin from /dev/null: on a socket (Node's default pipe) bash takes itself for a remote shell and reads bashrc.
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: res.status ?? 1, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}

let podsController: RunningController | undefined;
let fluxController: ProxiedController | undefined;
let fluxKeyNames: string[] = [];
let releaseKubeSystem: (() => void) | undefined;

const FIXTURES: Record<string, Fixture> = {
  'pods.md': {
    resolvesSecrets: true,
    async setup() {
      await ensureNamespace('shop');
      await loadTestKey('shop');
      podsController = await startController('shop', ['--key-renew-period', '0']);
    },
    async verify() {
      // The immutable variants were created immutable.
      for (const name of ['app-credentials-v1', 'app-credentials-v2'])
        expect((await getSecret('shop', name))?.immutable, name).toBe(true);
      // The checksum patch changed the Pod template: a new generation, the annotation a real SHA-256. (The local
      // control plane runs no Deployment controller, so the new ReplicaSet itself is not observed.)
      const deployment = await kubeJson<{
        metadata: { generation: number };
        spec: { template: { metadata: { annotations?: Record<string, string> } } };
      }>(kubeEndpoint(), 'GET', '/apis/apps/v1/namespaces/shop/deployments/shop');
      expect(deployment.metadata.generation).toBe(2);
      const checksum = deployment.spec.template.metadata.annotations?.['checksum/app-credentials'] ?? '';
      expect(checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(checksum).not.toBe('0'.repeat(64));
    },
    async teardown() {
      const code = await podsController?.stop();
      if (code !== 0)
        process.stderr.write(`--- pods controller (exit ${code}) ---\n${podsController?.output()}\n`);
      await deleteNamespace('shop');
    },
  },
  'argocd.md': {
    // Its SealedSecret has a placeholder ciphertext: only the shape of the objects is checked.
    resolvesSecrets: false,
    async setup() {
      await installCrd('argocd-application.yaml');
      await ensureNamespace('argocd');
      await ensureNamespace('storefront');
    },
    async teardown() {
      await deleteNamespace('argocd');
      await deleteNamespace('storefront');
    },
  },
  'flux.md': {
    resolvesSecrets: true,
    async setup() {
      await installCrd('flux-kustomization.yaml');
      await ensureNamespace('flux-system');
      await ensureNamespace('orders');
      // kubeseal's defaults: Service sealed-secrets-controller in kube-system, reached through the service proxy.
      releaseKubeSystem = await acquireClusterLock(KUBE_SYSTEM_CONTROLLER);
      fluxKeyNames = await loadTestKey('kube-system');
      fluxController = await startOurController('kube-system', {
        args: ['--key-renew-period', '0', '--additional-namespaces', 'orders'],
      });
    },
    async verify(page) {
      // The CI step's first command must be able to fail: one damaged ciphertext and --validate says no.
      const file = join(page.workdir, 'apps/orders/db-credentials.sealed.yaml');
      const original = readFileSync(file, 'utf8');
      // Flip one base64 character well inside the password's RSA-encrypted session key.
      const damaged = original.replace(
        /(password: .{100})(.)/,
        (_m, head: string, c: string) => head + (c === 'A' ? 'B' : 'A'),
      );
      expect(damaged).not.toBe(original);
      writeFileSync(join(page.workdir, 'damaged.yaml'), damaged);
      const res = runBash('kubeseal --validate < damaged.yaml', page);
      expect(res.status, res.output).not.toBe(0);
      expect(res.output).toContain('unable to decrypt sealed secret');
    },
    async teardown() {
      await fluxController?.stop();
      for (const name of fluxKeyNames)
        await kubeRequest(kubeEndpoint(), 'DELETE', `/api/v1/namespaces/kube-system/secrets/${name}`);
      await deleteNamespace('flux-system');
      await deleteNamespace('orders');
      releaseKubeSystem?.();
    },
  },
  // Only a server-side dry run of deploy/admission-policy.yaml: a policy applied for real would refuse the invalid
  // SealedSecrets other suites create on purpose. e2e/specs/admission/ tests the policy itself.
  'admission.md': {
    resolvesSecrets: false,
    async setup() {},
    async teardown() {},
  },
  'prometheus.md': {
    resolvesSecrets: false,
    async setup() {},
    async teardown() {},
  },
  // Its examples work on files only (a captured log, configuration files); the audit lines themselves are
  // checked by packages/controller/src/audit/audit-docs.test.ts and e2e/specs/controller/audit.e2e.test.ts.
  'audit.md': {
    resolvesSecrets: false,
    async setup() {},
    async verify(page) {
      // The page's jq summary picks exactly the three audit lines out of the captured log.
      const [run] = scanMarkdown(
        'docs/audit.md',
        readFileSync(join(DOCS, 'audit.md'), 'utf8'),
      ).examples.filter((e) => e.action === 'run');
      const res = runBash(run?.code ?? 'false', page);
      expect(res.status, res.output).toBe(0);
      const events = res.output
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { event: string }).event);
      expect(events).toEqual(['key', 'unseal', 'verify']);
    },
    async teardown() {},
  },
};

/** A SealedSecret applied for real must be unsealed into a Secret it owns. */
async function expectUnsealed(obj: KubernetesObject): Promise<void> {
  const namespace = obj.metadata?.namespace ?? '';
  const name = obj.metadata?.name ?? '';
  const ss = await waitForSynced(namespace, name, (c) => c.status !== 'Unknown', 60_000);
  expect(ss.status?.conditions?.[0], `${namespace}/${name}`).toMatchObject({
    type: 'Synced',
    status: 'True',
  });
  const secret = await getSecret(namespace, name);
  expect(secret?.metadata.ownerReferences).toMatchObject([{ kind: 'SealedSecret', name, controller: true }]);
}

/** Every Secret reference of a Pod-bearing object resolves to a Secret the controller produced, keys included. */
async function expectReferencesResolve(obj: KubernetesObject): Promise<number> {
  const refs = secretReferences(obj as unknown as Record<string, unknown>);
  for (const ref of refs) {
    const secret = await getSecret(ref.namespace, ref.name);
    const what = `${obj.kind}/${obj.metadata?.name ?? ''} ${ref.where} → ${ref.namespace}/${ref.name}`;
    if (ref.optional && secret === undefined) continue;
    expect(secret, `${what}: no such Secret`).toBeDefined();
    expect(
      secret?.metadata.ownerReferences?.some((o) => o.kind === 'SealedSecret' && o.controller === true),
      `${what}: not produced by the controller`,
    ).toBe(true);
    for (const key of ref.keys) expect(Object.keys(secret?.data ?? {}), `${what}: key ${key}`).toContain(key);
  }
  return refs.length;
}

async function runExample(example: DocExample, page: PageEnv, fixture: Fixture): Promise<void> {
  if (example.path !== undefined) {
    const target = join(page.workdir, example.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, example.code);
  }
  if (example.action === 'run') {
    const res = runBash(example.code, page);
    expect(res.status, `${example.file}:${example.line} exited with ${res.status}:\n${res.output}`).toBe(0);
    return;
  }
  if (example.action === 'apply' || example.action === 'dry-run') {
    const objects = parseManifest(example.code);
    expect(objects.length, 'objects in the block').toBeGreaterThan(0);
    const applied = await applyManifest(objects, { dryRun: example.action === 'dry-run' });
    for (const obj of applied) {
      if (example.action === 'apply' && obj.kind === 'SealedSecret') await expectUnsealed(obj);
      const pods = obj.kind === 'Pod' || obj.kind === 'Deployment';
      if (pods && fixture.resolvesSecrets)
        expect(await expectReferencesResolve(obj), `Secret references of ${obj.kind}`).toBeGreaterThan(0);
    }
  }
}

function pageEnv(needsPromtool: boolean): PageEnv {
  const workdir = mkdtempSync(join(tmpdir(), 'ssts-docs-'));
  for (const entry of LINKED) symlinkSync(join(repoRoot(), entry), join(workdir, entry));
  const bin = join(workdir, '.bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'kubeseal'), `#!/bin/sh\nexec "${process.execPath}" "${KUBESEAL_BIN}" "$@"\n`);
  chmodSync(join(bin, 'kubeseal'), 0o755);
  // kubectl of the control plane's own release (tools/controlplane/build.sh), never whatever the machine has.
  const path = [
    bin,
    dirname(ensureBinaries().kubectl),
    ...(needsPromtool ? [dirname(promtoolBin())] : []),
    process.env['PATH'] ?? '/usr/bin:/bin',
  ];
  mkdirSync(join(workdir, '.home'));
  return {
    workdir,
    env: { PATH: path.join(':'), HOME: join(workdir, '.home'), KUBECONFIG: e2eCluster().kubeconfigPath },
  };
}

const pages = existsSync(DOCS) ? readdirSync(DOCS).filter((f) => f.endsWith('.md')) : [];

describe('docs/*.md', () => {
  it('has pages, each with a fixture here, and every checked block carries a valid example marker', () => {
    expect(pages.length).toBeGreaterThan(0);
    const problems = pages.flatMap((page) => [
      ...scanMarkdown(`docs/${page}`, readFileSync(join(DOCS, page), 'utf8')).errors,
      ...(FIXTURES[page] === undefined ? [`docs/${page}: no fixture in docs-examples.e2e.test.ts`] : []),
    ]);
    expect(problems).toStrictEqual([]);
  });
});

for (const page of pages) {
  const { examples } = scanMarkdown(`docs/${page}`, readFileSync(join(DOCS, page), 'utf8'));
  const fixture = FIXTURES[page];
  if (fixture === undefined || examples.length === 0) continue;
  describe(`docs/${page}`, () => {
    let env: PageEnv;
    beforeAll(async () => {
      env = pageEnv(examples.some((e) => e.action === 'run' && e.code.includes('promtool')));
      if (examples.some((e) => e.action === 'run' && e.code.includes('kubectl')))
        expect(
          runBash('command -v kubectl', env).status,
          `docs/${page} runs kubectl: tools/controlplane/build.sh builds it`,
        ).toBe(0);
      await fixture.setup();
    }, 1_800_000);
    afterAll(async () => {
      await fixture.teardown();
      rmSync(env.workdir, { recursive: true, force: true });
    });
    for (const example of examples) {
      const what = [example.action, example.path].filter((x) => x !== undefined).join(' ');
      it(`line ${example.line}: ${what}`, () => runExample(example, env, fixture));
    }
    const verify = fixture.verify;
    if (verify !== undefined) it('keeps the promises of the page', () => verify(env));
  });
}

// The checker itself must be able to fail.
describe('the example scanner', () => {
  it('reports unmarked blocks, bad markers and a marker without a block', () => {
    const text = [
      '```yaml',
      'a: 1',
      '```',
      '<!-- example: frobnicate -->',
      '```yaml',
      'b: 2',
      '```',
      '<!-- example: run -->',
      '```yaml',
      'c: 3',
      '```',
      '<!-- example: file=../x -->',
      '```yaml',
      'd: 4',
      '```',
      '```text',
      'not checked',
      '```',
      '<!-- example: dry-run -->',
      'prose',
    ].join('\n');
    expect(scanMarkdown('t.md', text).errors).toStrictEqual([
      't.md:1: a yaml block without an example marker',
      't.md:5: unknown marker word "frobnicate"',
      't.md:9: "run" needs a shell block, got yaml',
      't.md:13: file= needs a relative path inside the work directory, got "../x"',
      't.md:19: the example marker is not followed by a fenced block',
    ]);
  });

  it('keeps the blocks in page order with their action, path and code', () => {
    const text = ['<!-- example: file=a/b.yaml dry-run -->', '', '```yaml', 'kind: X', '```'].join('\n');
    expect(scanMarkdown('t.md', text).examples).toStrictEqual([
      { file: 't.md', line: 3, lang: 'yaml', action: 'dry-run', path: 'a/b.yaml', code: 'kind: X\n' },
    ]);
  });

  it('finds the Secret references a kubelet would resolve', () => {
    const refs = secretReferences({
      kind: 'Deployment',
      metadata: { namespace: 'n' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'c',
                env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's1', key: 'k1' } } }],
                envFrom: [{ secretRef: { name: 's2', optional: true } }],
              },
            ],
            volumes: [
              { name: 'v', secret: { secretName: 's3', items: [{ key: 'k3', path: 'p' }] } },
              {
                name: 'p',
                projected: { sources: [{ secret: { name: 's4' } }, { configMap: { name: 'x' } }] },
              },
            ],
          },
        },
      },
    });
    expect(refs.map((r) => [r.name, r.keys, r.optional])).toStrictEqual([
      ['s1', ['k1'], false],
      ['s2', [], true],
      ['s3', ['k3'], false],
      ['s4', [], false],
    ]);
  });
});
