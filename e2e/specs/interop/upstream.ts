import { prepareInCluster, upstreamBinaries } from '../../harness/upstream.js';
import { e2eCluster, exposeViaServiceProxy, kubeEndpoint } from '../../helpers/index.js';
import {
  proxiedController,
  runCli,
  type CliOptions,
  type CliResult,
  type ProxiedController,
  type ProxiedControllerOptions,
} from '../kubeseal/support.js';

export {
  UPSTREAM_BUILD_TIMEOUT_MS,
  defaultUpstreamVersion,
  upstreamBinaries,
  type UpstreamBinaries,
} from '../../harness/upstream.js';

/** The release the migration test starts from (built by scripts/setup.sh next to the default one). */
export const MIGRATION_FROM_VERSION = '0.36.6';

/** Upstream kubeseal (default version unless `version` is given) as a child process (clean environment, see runCli). */
export async function goKubeseal(
  args: readonly string[],
  options: CliOptions = {},
  version?: string,
): Promise<CliResult> {
  return runCli((await upstreamBinaries(version)).kubeseal, args, options);
}

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
  const server = new URL(cluster.server);
  const inCluster = prepareInCluster({ token: cluster.token, caPath: cluster.caPath, namespace });
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
          inCluster.command,
          inCluster.args([bins.controller, '--listen-addr', `${ctx.host}:${ctx.port}`, ...controllerArgs]),
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
        inCluster.cleanup();
      },
    };
  } catch (error) {
    inCluster.cleanup();
    throw error;
  }
}
