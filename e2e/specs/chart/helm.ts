import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

/** Repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
export const chartDir = join(repoRoot, 'charts/sealed-secrets');

/** Cold build of Helm from its Go module on 2 shared cores; a cached build answers at once. */
export const HELM_BUILD_TIMEOUT_MS = 30 * 60_000;

let cached: string | undefined;

/** Path of the Helm binary built by tools/helm/build.sh (built on first use, then cached outside the repo). */
export function helmBin(): string {
  if (cached !== undefined) return cached;
  const out = execFileSync('bash', [join(repoRoot, 'tools/helm/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: HELM_BUILD_TIMEOUT_MS,
  });
  const line = out.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('HELM_BIN='))
    throw new Error(`tools/helm/build.sh printed no HELM_BIN= line: ${line}`);
  cached = line.slice('HELM_BIN='.length);
  return cached;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

let helmHome: string | undefined;

/** Runs helm (isolated from the user's Helm config) and returns its exit status and output instead of throwing. */
export function runHelm(args: readonly string[]): HelmResult {
  helmHome ??= mkdtempSync(join(tmpdir(), 'ssts-helm-'));
  try {
    const stdout = execFileSync(helmBin(), args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        HELM_CACHE_HOME: join(helmHome, 'cache'),
        HELM_CONFIG_HOME: join(helmHome, 'config'),
        HELM_DATA_HOME: join(helmHome, 'data'),
      },
    });
    return { status: 0, stdout, stderr: '' };
  } catch (error) {
    const e = error as { status?: number | null; stdout?: string; stderr?: string };
    return { status: e.status ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? String(error) };
  }
}

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  /** Values by (dotted) key, each passed with `--set-json` and merged over the chart's defaults. */
  values?: Record<string, unknown>;
  includeCrds?: boolean;
}

/** `helm template` of the chart; throws with helm's message when rendering fails. */
export function helmTemplate(options: TemplateOptions = {}): string {
  const result = helmTemplateResult(options);
  if (result.status !== 0) throw new Error(`helm template failed: ${result.stderr.trim()}`);
  return result.stdout;
}

export function helmTemplateResult(options: TemplateOptions = {}): HelmResult {
  const args = ['template', options.release ?? 'sealed-secrets', chartDir];
  args.push('--namespace', options.namespace ?? 'sealed-secrets', '--kube-version', '1.34.0');
  if (options.includeCrds === true) args.push('--include-crds');
  for (const [key, value] of Object.entries(options.values ?? {}))
    args.push('--set-json', `${key}=${JSON.stringify(value)}`);
  return runHelm(args);
}

/** A rendered Kubernetes object, loosely typed for assertions. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as unknown)
    .filter((doc): doc is K8sObject => typeof doc === 'object' && doc !== null && 'kind' in doc);
}

/** The one object of a kind (and name, when given); throws when absent or ambiguous. */
export function findObject(objects: readonly K8sObject[], kind: string, name?: string): K8sObject {
  const hits = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (hits.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${hits.length}`);
  return hits[0] as K8sObject;
}

interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name: string; containerPort: number }[];
  securityContext?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The controller container of the rendered Deployment. */
export function controllerContainer(objects: readonly K8sObject[]): ContainerSpec {
  const deployment = findObject(objects, 'Deployment') as unknown as {
    spec: { template: { spec: { containers: ContainerSpec[] } } };
  };
  const container = deployment.spec.template.spec.containers.find((c) => c.name === 'controller');
  if (container === undefined) throw new Error('the Deployment has no container named controller');
  return container;
}
