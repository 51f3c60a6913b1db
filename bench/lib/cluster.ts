import { readFileSync } from 'node:fs';
import { benchClient, type KubeClient } from './kube-client.js';
import type { Harness } from './workspace.js';

type ControlPlane = Awaited<ReturnType<Harness['startControlPlane']>>;

/** The local control plane of this run and a keep-alive client for it. */
export interface BenchCluster {
  readonly harness: Harness;
  readonly controlPlane: ControlPlane;
  readonly client: KubeClient;
  readonly kubeconfigPath: string;
  readonly kubeVersion: string;
  createNamespace(name: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts etcd + kube-apiserver through the e2e harness. kube-controller-manager is left out: nothing here needs
 * it (no namespace deletion, no GC), and its garbage collector would otherwise compete for the same two cores.
 */
export async function startBenchCluster(
  harness: Harness,
  log: (message: string) => void,
  options: { readonly apiserverProfiling?: boolean } = {},
): Promise<BenchCluster> {
  const controlPlane = await harness.startControlPlane({
    controllerManager: false,
    log: (m) => log(`control plane: ${m}`),
    ...(options.apiserverProfiling === true && { apiserverProfiling: true }),
  });
  // Never leave the components running if the run dies.
  const pids = Object.values(controlPlane.pids);
  const killAll = (): void => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', killAll);
  const client = await benchClient({
    server: controlPlane.server,
    ca: readFileSync(controlPlane.caPath),
    token: controlPlane.token,
  });
  let kubeVersion = 'unknown';
  try {
    const version = await client.json<{ gitVersion?: string }>('GET', '/version');
    kubeVersion = version.gitVersion ?? 'unknown';
  } catch {
    // only informative
  }
  return {
    harness,
    controlPlane,
    client,
    kubeconfigPath: controlPlane.kubeconfigPath,
    kubeVersion,
    async createNamespace(name) {
      await client.json('POST', '/api/v1/namespaces', {
        body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      });
    },
    async stop() {
      client.close();
      await controlPlane.stop();
      process.off('exit', killAll);
    },
  };
}
