import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import { e2eCluster, exposeViaServiceProxy, kubeEndpoint } from '../../helpers/index.js';
import {
  proxiedController,
  runCli,
  type CliOptions,
  type CliResult,
  type ProxiedController,
  type ProxiedControllerOptions,
} from '../kubeseal/support.js';

/** The upstream Go binaries of one version, built by tools/upstream/build.sh (the oracles of the interop tests). */
export interface UpstreamBinaries {
  /** Without the leading v, e.g. `0.40.0`. */
  readonly version: string;
  readonly dir: string;
  readonly kubeseal: string;
  readonly controller: string;
}

/**
 * The version the interop suites compare against: `SEALED_SECRETS_VERSION` from the environment, else
 * tools/upstream/SEALED_SECRETS_VERSION (v0.40.0, the compatibility target). Assertions about v0.37+ behaviour
 * (templates, verify, rotate) fail on purpose when it is pointed at an older version.
 */
export function defaultUpstreamVersion(): string {
  const fromEnv = process.env['SEALED_SECRETS_VERSION']?.trim();
  const version = fromEnv || readFileSync(join(repoRoot(), 'tools/upstream/SEALED_SECRETS_VERSION'), 'utf8');
  return version.trim().replace(/^v/, '');
}

/** The release the migration test starts from (built by scripts/setup.sh next to the default one). */
export const MIGRATION_FROM_VERSION = '0.36.6';

/** Long enough for a cold build on 2 busy cores (about 2.5 minutes measured); a cached build takes milliseconds. */
export const UPSTREAM_BUILD_TIMEOUT_MS = 30 * 60_000;

const builds = new Map<string, Promise<UpstreamBinaries>>();

/**
 * Builds (or finds in the cache) the upstream kubeseal and controller of `version` (default:
 * defaultUpstreamVersion()). Rejects with a one-line reason and the build script's last output lines when that is
 * impossible here: the interop tests then fail, never skip.
 */
export function upstreamBinaries(version: string = defaultUpstreamVersion()): Promise<UpstreamBinaries> {
  const v = version.replace(/^v/, '');
  let built = builds.get(v);
  if (built === undefined) {
    built = buildUpstream(v);
    builds.set(v, built);
  }
  return built;
}

function buildUpstream(version: string): Promise<UpstreamBinaries> {
  return new Promise<UpstreamBinaries>((resolve, reject) => {
    const script = join(repoRoot(), 'tools/upstream/build.sh');
    const child = spawn('bash', [script, version], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.on('error', (error) =>
      reject(new Error(`cannot run ${script}: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => {
      const dir = /UPSTREAM_BIN=(.+)\s*$/.exec(stdout.trim())?.[1];
      if (code !== 0 || dir === undefined) {
        const why = code === 3 ? 'no Go >= 1.24 toolchain found' : `build.sh exited with ${code}`;
        reject(
          new Error(
            `the upstream Go sealed-secrets v${version} (oracle for the interop tests) could not be built: ${why}\n${stderr}`,
          ),
        );
        return;
      }
      resolve({ version, dir, kubeseal: join(dir, 'kubeseal'), controller: join(dir, 'controller') });
    });
  });
}

/** Upstream kubeseal (default version unless `version` is given) as a child process (clean environment, see runCli). */
export async function goKubeseal(
  args: readonly string[],
  options: CliOptions = {},
  version?: string,
): Promise<CliResult> {
  return runCli((await upstreamBinaries(version)).kubeseal, args, options);
}

// Gives the process the in-cluster view client-go's rest.InClusterConfig() reads, in a private mount namespace
// (nothing changes on the host): a tmpfs over /run (= /var/run) holding only the service-account files.
const IN_CLUSTER_SH = `set -e
src=$1; shift
mount -t tmpfs -o size=1m,mode=0755 ssts-in-cluster /run
sa=/var/run/secrets/kubernetes.io/serviceaccount
mkdir -p "$sa"
cp "$src/token" "$src/ca.crt" "$src/namespace" "$sa/"
exec "$@"`;

/**
 * Starts the upstream Go controller (it has no --kubeconfig flag, only in-cluster config) inside a network
 * namespace as Service `sealed-secrets-controller` of `namespace`, with KUBERNETES_SERVICE_HOST/PORT pointing at
 * the e2e API server (reachable at 127.0.0.1 inside the netns through apiServerAccess) and the admin token as
 * its service-account token. Watches only its own namespace; 2048-bit keys unless `--key-size` is given. The
 * version is defaultUpstreamVersion() unless `options.version` names another cached build.
 */
export async function startGoController(
  namespace: string,
  options: ProxiedControllerOptions & { version?: string } = {},
): Promise<ProxiedController> {
  const bins = await upstreamBinaries(options.version);
  const cluster = e2eCluster();
  const saDir = mkdtempSync(join(tmpdir(), 'ssts-go-sa-'));
  writeFileSync(join(saDir, 'token'), cluster.token, { mode: 0o600 });
  writeFileSync(join(saDir, 'namespace'), namespace);
  writeFileSync(join(saDir, 'ca.crt'), readFileSync(cluster.caPath));
  const server = new URL(cluster.server);
  const args = options.args ?? [];
  const controllerArgs = [
    '--all-namespaces=false',
    '--listen-metrics-addr',
    '127.0.0.1:8081',
    ...(args.some((a) => a.startsWith('--key-size')) ? [] : ['--key-size', '2048']),
    ...args,
  ];
  try {
    const exposure = await exposeViaServiceProxy({
      endpoint: kubeEndpoint(),
      namespace,
      serviceName: options.serviceName ?? 'sealed-secrets-controller',
      portName: options.portName ?? 'http',
      apiServerAccess: true,
      readyTimeoutMs: 60_000,
      start: (ctx) =>
        ctx.exec(
          'unshare',
          [
            '--mount',
            '--propagation',
            'private',
            'sh',
            '-c',
            IN_CLUSTER_SH,
            'in-cluster',
            saDir,
            bins.controller,
            '--listen-addr',
            `${ctx.host}:${ctx.port}`,
            ...controllerArgs,
          ],
          {
            KUBERNETES_SERVICE_HOST: server.hostname,
            KUBERNETES_SERVICE_PORT: server.port || '443',
            POD_NAMESPACE: namespace,
          },
        ),
    });
    const controller = await proxiedController(namespace, exposure);
    return {
      ...controller,
      stop: async () => {
        await controller.stop();
        rmSync(saDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(saDir, { recursive: true, force: true });
    throw error;
  }
}
