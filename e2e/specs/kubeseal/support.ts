import { spawn } from 'node:child_process';
import { privateDecrypt, constants, createDecipheriv } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { renderKubeconfig } from '../../harness/kubeconfig.js';
import { repoRoot } from '../../harness/paths.js';
import type { ServiceProxyExposure } from '../../harness/service-proxy.js';
import {
  coreApi,
  createTestNamespace,
  e2eCluster,
  exposeViaServiceProxy,
  kubeEndpoint,
  kubeJson,
  kubeRequest,
  waitFor,
} from '../../helpers/index.js';
import { listSecrets, type SealedSecret, type Secret } from '../controller/support.js';

export const KEY_LABEL = 'sealedsecrets.bitnami.com/sealed-secrets-key';
const KUBESEAL_BIN = join(repoRoot(), 'packages/kubeseal/bin/kubeseal.js');
const CONTROLLER_BIN = join(repoRoot(), 'packages/controller/bin/sealed-secrets-controller.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: string | Buffer;
  /** Added to a minimal environment (PATH, and HOME pointing at an empty directory: no ~/.kube/config). */
  env?: Record<string, string>;
  timeoutMs?: number;
}

// One shared, always-empty directory (nothing writes to it), so repeated runs leave no temp directories behind.
const emptyHome = join(tmpdir(), 'ssts-e2e-empty-home');
mkdirSync(emptyHome, { recursive: true });

// Key continuity (issue 14): our kubeseal pins controller certificates. Each test process keeps its own
// known-certificates file (SEALED_SECRETS_KNOWN_CERTS), so control planes of other runs never collide and the
// shared home stays empty; the first contact with a controller prints the trust-on-first-use notice.
const knownCertsDir = mkdtempSync(join(tmpdir(), 'ssts-e2e-known-certs-'));
process.once('exit', () => rmSync(knownCertsDir, { recursive: true, force: true }));
export const E2E_KNOWN_CERTS = join(knownCertsDir, 'known-certs.json');

/** The first-contact notice of our kubeseal for `namespace`/`name` on the e2e API server. */
export function firstContactNotice(namespace: string, name = 'sealed-secrets-controller'): RegExp {
  const escaped = `${e2eCluster().server.replace(/\/$/, '')}#${namespace}/${name}`.replace(
    /[.*+?^${}()|[\]\\/]/g,
    '\\$&',
  );
  return new RegExp(
    `^notice: first contact with ${escaped}: trusting certificate SHA256:\\S+ and remembering it\\n$`,
  );
}

/** Runs a command to completion with a clean environment; never rejects on a non-zero exit. */
export function runCli(
  command: string,
  args: readonly string[],
  options: CliOptions = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: emptyHome,
        SEALED_SECRETS_KNOWN_CERTS: E2E_KNOWN_CERTS,
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** The built kubeseal (`packages/kubeseal/bin/kubeseal.js`) as a child process. */
export function kubeseal(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  if (!existsSync(join(repoRoot(), 'packages/kubeseal/dist/main.js')))
    throw new Error('kubeseal is not built: run `pnpm build` first');
  return runCli(process.execPath, [KUBESEAL_BIN, ...args], options);
}

/** The stdout of a successful run; otherwise throws with the exit code and both streams. */
export function expectOk(result: CliResult, what: string): string {
  if (result.code !== 0)
    throw new Error(`${what} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

export interface KubeconfigFileOptions {
  /** Namespace of the current context. */
  namespace?: string;
  /** Bearer token (default: the admin's). */
  token?: string;
  /** API server URL (default: the e2e control plane's). */
  server?: string;
}

/** Writes a self-contained kubeconfig for the e2e control plane into `dir` and returns its path. */
export function writeKubeconfigFile(dir: string, name: string, options: KubeconfigFileOptions = {}): string {
  const cluster = e2eCluster();
  const config = JSON.parse(
    renderKubeconfig({
      server: options.server ?? cluster.server,
      caPem: readFileSync(cluster.caPath),
      token: options.token ?? cluster.token,
      user: 'kubeseal-e2e',
    }),
  ) as { contexts: { context: Record<string, string> }[] };
  if (options.namespace !== undefined && config.contexts[0] !== undefined)
    config.contexts[0].context['namespace'] = options.namespace;
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}

/** A controller (ours or upstream's) reachable through the API server's service proxy. */
export interface ProxiedController {
  readonly namespace: string;
  readonly exposure: ServiceProxyExposure;
  /** PID of the controller process itself (`ip netns exec` execs it), for SIGUSR1. */
  readonly pid: number;
  /** GET /v1/cert.pem through the service proxy (admin credentials). */
  certPem(): Promise<string>;
  stop(): Promise<void>;
}

export interface ProxiedControllerOptions {
  serviceName?: string;
  /** '' = unnamed Service port. */
  portName?: string;
  args?: readonly string[];
}

/**
 * Starts our built controller inside a network namespace, as Service `sealed-secrets-controller` (by default) of
 * `namespace`, its own namespace (POD_NAMESPACE), watching only that namespace; waits until it serves a cert.
 */
export async function startOurController(
  namespace: string,
  options: ProxiedControllerOptions = {},
): Promise<ProxiedController> {
  if (!existsSync(join(repoRoot(), 'packages/controller/dist/main.js')))
    throw new Error('the controller is not built: run `pnpm build` first');
  const args = options.args ?? [];
  const exposure = await exposeViaServiceProxy({
    endpoint: kubeEndpoint(),
    namespace,
    serviceName: options.serviceName ?? 'sealed-secrets-controller',
    portName: options.portName ?? 'http',
    apiServerAccess: true,
    command: process.execPath,
    args: [
      CONTROLLER_BIN,
      '--kubeconfig',
      e2eCluster().kubeconfigPath,
      '--listen-addr',
      '{host}:{port}',
      '--listen-metrics-addr',
      '127.0.0.1:8081',
      '--all-namespaces=false',
      ...(args.some((a) => a.startsWith('--key-size')) ? [] : ['--key-size', '2048']),
      ...args,
    ],
    env: { POD_NAMESPACE: namespace },
    readyTimeoutMs: 60_000,
  });
  return proxiedController(namespace, exposure);
}

/** What useProxiedController gives a spec file once the file's first beforeAll ran. */
export interface ControllerFixture {
  /** The namespace of the file, the controller's own (created with the prefix given). */
  readonly ns: string;
  readonly controller: ProxiedController;
  /** A temporary directory of the file. */
  readonly dir: string;
}

/**
 * Registers the file-wide hooks of a spec that talks to one controller behind the service proxy: before all, a
 * fresh namespace, the controller `start` puts in it (ours, or upstream's) and a temporary directory; after all,
 * the controller stops and the namespace and directory go. Call it at the top level, before the file's own hooks
 * (their afterAll then runs first), and read the fields inside hooks and tests (before the hook ran they throw).
 */
export function useProxiedController(
  prefix: string,
  start: (namespace: string) => Promise<ProxiedController>,
  timeoutMs = 120_000,
): ControllerFixture {
  let state: { ns?: string; controller?: ProxiedController; dir?: string } = {};
  const get = <K extends keyof typeof state>(key: K): NonNullable<(typeof state)[K]> => {
    const value = state[key];
    if (value === undefined) throw new Error(`useProxiedController: ${key} read before its beforeAll ran`);
    return value as NonNullable<(typeof state)[K]>;
  };
  beforeAll(async () => {
    state.ns = await createTestNamespace({ prefix, deleteAfterTest: false });
    state.controller = await start(state.ns);
    state.dir = mkdtempSync(join(tmpdir(), `ssts-${prefix}`));
  }, timeoutMs);
  afterAll(async () => {
    const { ns, controller, dir } = state;
    state = {};
    await controller?.stop();
    if (ns !== undefined)
      await coreApi()
        .deleteNamespace({ name: ns })
        .catch(() => undefined);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get ns() {
      return get('ns');
    },
    get controller() {
      return get('controller');
    },
    get dir() {
      return get('dir');
    },
  };
}

/** useProxiedController with our built controller (startOurController). */
export function useOurController(
  prefix: string,
  options: ProxiedControllerOptions = {},
  timeoutMs?: number,
): ControllerFixture {
  return useProxiedController(prefix, (ns) => startOurController(ns, options), timeoutMs);
}

/** Wraps an exposure: waits for /v1/cert.pem through the proxy, stops the exposure on failure. */
export async function proxiedController(
  namespace: string,
  exposure: ServiceProxyExposure,
): Promise<ProxiedController> {
  const certPem = async (): Promise<string> => {
    const res = await kubeRequest(kubeEndpoint(), 'GET', exposure.proxyPath('/v1/cert.pem'));
    if (res.status !== 200) throw new Error(`GET cert.pem through the proxy: ${res.status} ${res.body}`);
    return res.body;
  };
  try {
    await waitFor(
      async () => {
        if (!exposure.process.isRunning()) throw new Error('the controller exited');
        return (await kubeRequest(kubeEndpoint(), 'GET', exposure.proxyPath('/v1/cert.pem'))).status === 200;
      },
      { timeoutMs: 60_000, description: 'the controller to serve its certificate through the proxy' },
    );
  } catch (error) {
    const logs = exposure.logsTail(40);
    await exposure.stop();
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n--- controller log ---\n${logs}`,
    );
  }
  return { namespace, exposure, pid: exposure.process.pid, certPem, stop: () => exposure.stop() };
}

/** The active key Secrets of `namespace`, oldest first. */
export async function keySecrets(namespace: string): Promise<Secret[]> {
  const items = await listSecrets(namespace, `${KEY_LABEL}=active`);
  return items.sort((a, b) =>
    (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
  );
}

export function secretText(secret: Secret | undefined, key: string): string {
  const value = secret?.data?.[key];
  if (value === undefined) throw new Error(`secret ${secret?.metadata.name ?? '?'} has no ${key}`);
  return Buffer.from(value, 'base64').toString('utf8');
}

/** Writes `{apiVersion: v1, kind: List, items}` like `kubectl get secret -l … -o json` (compat §4.8). */
export function backupList(secrets: readonly Secret[]): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'List', items: secrets });
}

/**
 * Decrypts one `encryptedData` value with plain node:crypto, independently of @ssts/core (compat §1.1):
 * u16 BE length, RSA-OAEP(SHA-256) of the AES key with `label`, AES-256-GCM with a zero nonce.
 */
export function decryptValue(privateKeyPem: string, label: string, base64: string): Buffer {
  const blob = Buffer.from(base64, 'base64');
  const n = blob.readUInt16BE(0);
  const sessionKey = privateDecrypt(
    {
      key: privateKeyPem,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: 'sha256',
      oaepLabel: Buffer.from(label, 'utf8'),
    },
    blob.subarray(2, 2 + n),
  );
  const rest = blob.subarray(2 + n);
  const decipher = createDecipheriv('aes-256-gcm', sessionKey, Buffer.alloc(12));
  decipher.setAuthTag(rest.subarray(rest.length - 16));
  return Buffer.concat([decipher.update(rest.subarray(0, rest.length - 16)), decipher.final()]);
}

/** POSTs a SealedSecret (apiVersion/kind added when missing) and returns the stored object. */
export function applySealedSecret(ss: SealedSecret): Promise<SealedSecret> {
  const namespace = ss.metadata.namespace ?? '';
  return kubeJson<SealedSecret>(
    kubeEndpoint(),
    'POST',
    `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets`,
    { body: { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', ...ss } },
  );
}

/** A Secret manifest with `stringData` (as users write it), as YAML text. */
export function secretYaml(
  name: string,
  namespace: string | undefined,
  stringData: Record<string, string>,
): string {
  const lines = ['apiVersion: v1', 'kind: Secret', 'metadata:', `  name: ${name}`];
  if (namespace !== undefined) lines.push(`  namespace: ${namespace}`);
  lines.push('  labels:', '    app: e2e', 'type: Opaque', 'stringData:');
  for (const [k, v] of Object.entries(stringData)) lines.push(`  ${k}: ${JSON.stringify(v)}`);
  return `${lines.join('\n')}\n`;
}
