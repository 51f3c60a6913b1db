import type { BenchCluster } from './cluster.js';
import { startController, type RunningController } from './controller-process.js';

/** The controller, reachable through kube-apiserver's service proxy the way kubeseal finds it. */
export interface ExposedController {
  readonly controller: RunningController;
  readonly namespace: string;
  readonly serviceName: string;
  stop(): Promise<void>;
}

// Runs inside the network namespace: forwards the Pod address to the controller, which listens on the root
// namespace's end of the veth pair (the API server, on 127.0.0.1, is not reachable from inside the netns).
const FORWARDER = `
const net = require('node:net');
const [targetHost, targetPort] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(Number(targetPort), targetHost);
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
}).listen(Number(process.env.PORT), process.env.HOST);
`;

/**
 * Starts the controller in `namespace` and exposes it as Service `sealed-secrets-controller` (port "http")
 * through the harness's service-proxy set-up (a network namespace, a Pod object, Endpoints). Needs root.
 */
export async function exposeController(
  cluster: BenchCluster,
  namespace: string,
  logDir: string,
): Promise<ExposedController> {
  const harness = cluster.harness;
  const [apiPort, metricsPort] = (await harness.freePorts(2)) as [number, number];
  let controller: RunningController | undefined;
  const serviceName = 'sealed-secrets-controller';
  const exposing = harness.exposeViaServiceProxy({
    endpoint: cluster.controlPlane.endpoint,
    namespace,
    serviceName,
    portName: 'http',
    start: async (ctx) => {
      controller = startController({
        kubeconfigPath: cluster.kubeconfigPath,
        namespace,
        logDir,
        apiPort,
        metricsPort,
        listenHost: ctx.netns.hostAddress,
      });
      await controller.waitHealthy(60_000);
      return ctx.exec(process.execPath, ['-e', FORWARDER, ctx.netns.hostAddress, String(apiPort)]);
    },
  });
  let exposure: Awaited<typeof exposing>;
  try {
    exposure = await exposing;
  } catch (error) {
    await controller?.stop();
    throw error;
  }
  if (controller === undefined) throw new Error('the controller was not started');
  const started = controller;
  return {
    controller: started,
    namespace,
    serviceName,
    async stop() {
      await exposure.stop();
      await started.stop();
    },
  };
}
