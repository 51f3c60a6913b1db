import { join } from 'node:path';
import type { UpstreamBinaries } from '../../e2e/harness/index.js';
import { launch, type ControllerStartOptions, type RunningController } from './controller-process.js';
import { loadHarness, type Harness } from './workspace.js';

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

export interface GoControllerCluster {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly caPath: string;
  readonly token: string;
}

/** The upstream kubeseal and controller v0.40.0, built from the Go module proxy by tools/upstream/build.sh (cached). */
export async function upstreamBinaries(): Promise<UpstreamBinaries> {
  return (await loadHarness()).upstreamBinaries();
}

/**
 * Starts the upstream Go controller against the local API server on 127.0.0.1 (it has no --kubeconfig flag, only
 * the in-cluster config), as the admin token's service account, watching only `options.namespace`. Needs root
 * for the mount namespace, like the e2e suite.
 */
export function startGoController(
  harness: Harness,
  binary: string,
  cluster: GoControllerCluster,
  options: ControllerStartOptions,
): RunningController {
  const inCluster = harness.prepareInCluster({
    token: cluster.token,
    caPath: cluster.caPath,
    namespace: options.namespace,
  });
  const server = new URL(cluster.server);
  const args = goControllerFlags(options);
  const controller = launch({
    command: inCluster.command,
    commandArgs: inCluster.args([binary, ...args]),
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
        inCluster.cleanup();
      }
    },
  };
}
