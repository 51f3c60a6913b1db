import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './exec.js';
import { launch, type ControllerStartOptions, type RunningController } from './controller-process.js';
import { repoRoot } from './workspace.js';

/** The Go controller's flags for a run, the same settings as ours (`controllerFlags`). */
export function goControllerFlags(options: ControllerStartOptions): string[] {
  return [
    '--key-size=4096',
    '--all-namespaces=false',
    `--listen-addr=127.0.0.1:${options.apiPort}`,
    `--listen-metrics-addr=127.0.0.1:${options.metricsPort}`,
    ...((options.clientLimit ?? 'off') === 'off' ? ['--kubeclient-qps=-1'] : []),
    '--log-level=ERROR',
  ];
}

// client-go's rest.InClusterConfig() reads the service-account files under /var/run (= /run here): the script
// mounts a private tmpfs over /run in its own mount namespace (nothing changes on the host), copies the files in,
// and execs the controller, which keeps the pid the benchmark samples.
const IN_CLUSTER_SH = `set -e
src=$1; shift
mount -t tmpfs -o size=1m,mode=0755 ssts-bench-in-cluster /run
sa=/var/run/secrets/kubernetes.io/serviceaccount
mkdir -p "$sa"
cp "$src/token" "$src/ca.crt" "$src/namespace" "$sa/"
exec "$@"`;

export interface GoControllerCluster {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly caPath: string;
  readonly token: string;
}

/** The upstream kubeseal and controller, built from the Go module proxy by tools/upstream/build.sh (cached). */
export async function upstreamBinaries(): Promise<{ dir: string; kubeseal: string; controller: string }> {
  const r = await runCommand('bash', [join(repoRoot(), 'tools', 'upstream', 'build.sh')], {
    timeoutMs: 1_800_000,
  });
  const dir = /UPSTREAM_BIN=(.+)\s*$/.exec(r.stdout.trim())?.[1];
  if (r.code !== 0 || dir === undefined)
    throw new Error(`tools/upstream/build.sh exited ${r.code}: ${r.stderr.trim().slice(-300)}`);
  return { dir, kubeseal: join(dir, 'kubeseal'), controller: join(dir, 'controller') };
}

/**
 * Starts the upstream Go controller against the local API server on 127.0.0.1 (it has no --kubeconfig flag, only
 * the in-cluster config), as the admin token's service account, watching only `options.namespace`. Needs root
 * for the mount namespace, like the e2e suite.
 */
export function startGoController(
  binary: string,
  cluster: GoControllerCluster,
  options: ControllerStartOptions,
): RunningController {
  const saDir = mkdtempSync(join(tmpdir(), 'ssts-bench-go-sa-'));
  writeFileSync(join(saDir, 'token'), cluster.token, { mode: 0o600 });
  writeFileSync(join(saDir, 'namespace'), options.namespace);
  writeFileSync(join(saDir, 'ca.crt'), readFileSync(cluster.caPath));
  const server = new URL(cluster.server);
  const args = goControllerFlags(options);
  const controller = launch({
    command: 'unshare',
    commandArgs: [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      IN_CLUSTER_SH,
      'in-cluster',
      saDir,
      binary,
      ...args,
    ],
    args,
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      KUBERNETES_SERVICE_HOST: server.hostname,
      KUBERNETES_SERVICE_PORT: server.port || '443',
      POD_NAMESPACE: options.namespace,
    },
    logPath: join(options.logDir, `go-controller-${options.namespace}.log`),
    apiUrl: `http://127.0.0.1:${options.apiPort}`,
  });
  return {
    ...controller,
    async stop(graceMs) {
      try {
        return await controller.stop(graceMs);
      } finally {
        rmSync(saDir, { recursive: true, force: true });
      }
    },
  };
}
