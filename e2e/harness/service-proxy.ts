import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlaneError, KubeApiError } from './errors.js';
import { kubeJson, kubeRequest, type KubeEndpoint } from './kube-request.js';
import { createNetns, deleteNetns, type CreateNetnsOptions, type NetnsLink } from './netns.js';
import { forwardLoopbackPortIntoNetns } from './netns-forward.js';
import { startProcess, tailFile, type ManagedProcess } from './processes.js';
import { waitFor } from './wait-for.js';

/** What a custom starter gets: the namespace to run in and the address/port to listen on. */
export interface NetnsStartContext {
  netns: NetnsLink;
  host: string;
  port: number;
  logPath: string;
  /** Starts `command` inside the network namespace (`ip netns exec`), output appended to logPath. */
  exec(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): ManagedProcess;
}

export interface ExposeViaServiceProxyOptions {
  endpoint: KubeEndpoint;
  namespace: string;
  serviceName: string;
  /** Name of the Service port; '' gives an unnamed port (proxy name `http:<svc>:`). Default "http". */
  portName?: string;
  /** Service port (default 8080). */
  servicePort?: number;
  /** Port the process listens on inside the netns (default 8080). */
  targetPort?: number;
  /**
   * Process to run inside the netns. `{host}` and `{port}` in args are replaced with the netns address and
   * target port; HOST and PORT are also set in its environment.
   */
  command?: string;
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Alternative to `command`: start the server yourself with ctx.exec(...). */
  start?: (ctx: NetnsStartContext) => ManagedProcess | Promise<ManagedProcess>;
  /**
   * Make the API server reachable from inside the netns at the same URL as outside (https://127.0.0.1:<port>),
   * so the process can use the tests' kubeconfig unchanged. Needed for a controller; default false.
   */
  apiServerAccess?: boolean;
  /** /30 to use (see createNetns); default: a random free one in 10.213.0.0/16. */
  subnet?: CreateNetnsOptions['subnet'];
  podName?: string;
  podLabels?: Record<string, string>;
  /** How long to wait for the process to accept connections (default 30 s). */
  readyTimeoutMs?: number;
}

export interface ServiceProxyExposure {
  netns: NetnsLink;
  podName: string;
  podIp: string;
  targetPort: number;
  /** Service proxy name as kubeseal builds it: `http:<svc>:<portName>`. */
  proxyName: string;
  /** `/api/v1/namespaces/<ns>/services/http:<svc>:<portName>/proxy` */
  proxyBasePath: string;
  /** proxyBasePath + path (path must start with "/"). */
  proxyPath(path: string): string;
  process: ManagedProcess;
  logsTail(lines?: number): string;
  /** Kills the process, deletes the API objects (best effort) and removes the netns and veth pair. */
  stop(): Promise<void>;
}

/** One process of a Service with several replicas, each with its own Pod, network namespace and address. */
export interface ServiceProxyReplica {
  netns: NetnsLink;
  podName: string;
  podIp: string;
  process: ManagedProcess;
  logsTail(lines?: number): string;
}

export interface ServiceProxyReplicas {
  replicas: ServiceProxyReplica[];
  proxyName: string;
  proxyBasePath: string;
  proxyPath(path: string): string;
  /** Kills every process, deletes the API objects (best effort) and removes the namespaces and veth pairs. */
  stop(): Promise<void>;
}

/**
 * Runs a server inside a fresh network namespace and makes it reachable through kube-apiserver's service
 * proxy, without a kubelet: a Pod object whose status carries the netns address, a selector-less Service with
 * a named port, and Endpoints + EndpointSlice whose address has a targetRef to that Pod. The root-namespace end
 * of the veth pair sits in the same /30, so kube-apiserver routes to the Pod IP directly. Needs root
 * (CAP_NET_ADMIN) and iproute2.
 */
export async function exposeViaServiceProxy(
  options: ExposeViaServiceProxyOptions,
): Promise<ServiceProxyExposure> {
  const exposed = await exposeReplicas(options, 1, false);
  const [only] = exposed.replicas;
  if (only === undefined) throw new ControlPlaneError('StartFailed', 'no replica started');
  return {
    netns: only.netns,
    podName: only.podName,
    podIp: only.podIp,
    targetPort: options.targetPort ?? 8080,
    proxyName: exposed.proxyName,
    proxyBasePath: exposed.proxyBasePath,
    proxyPath: exposed.proxyPath,
    process: only.process,
    logsTail: only.logsTail,
    stop: exposed.stop,
  };
}

/**
 * `replicas` copies of the server behind one Service, as a Deployment's pods are: each in its own network
 * namespace with its own Pod (`<serviceName>-<i>`, `POD_NAME` set like the downward API) and one address of the
 * Service's Endpoints. kube-apiserver's service proxy picks a random ready address per request. Standing in for
 * the kubelet and the endpoints controller, a replica whose process exits is moved to the not-ready addresses at
 * once, so the proxy stops sending requests to it.
 */
export function exposeReplicasViaServiceProxy(
  options: Omit<ExposeViaServiceProxyOptions, 'podName' | 'subnet'> & { replicas: number },
): Promise<ServiceProxyReplicas> {
  return exposeReplicas(options, options.replicas, true);
}

async function exposeReplicas(
  options: ExposeViaServiceProxyOptions,
  count: number,
  followExits: boolean,
): Promise<ServiceProxyReplicas> {
  const { endpoint, namespace, serviceName } = options;
  const portName = options.portName ?? 'http';
  const servicePort = options.servicePort ?? 8080;
  const targetPort = options.targetPort ?? 8080;
  const logDir = mkdtempSync(join(tmpdir(), 'ssts-svc-'));
  const cleanups: (() => Promise<void> | void)[] = [() => rmSync(logDir, { recursive: true, force: true })];
  const runCleanups = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup();
      } catch {
        // best effort: keep tearing down the rest
      }
    }
  };
  const base = `/api/v1/namespaces/${namespace}`;
  const port = { port: targetPort, protocol: 'TCP', ...(portName ? { name: portName } : {}) };
  const sliceName = `${serviceName}-ssts-e2e`;
  const slicePath = `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`;

  const startReplica = async (index: number): Promise<ServiceProxyReplica & { uid: string }> => {
    const podName = count === 1 ? (options.podName ?? `${serviceName}-0`) : `${serviceName}-${index}`;
    const logPath = join(logDir, `${podName}.log`);
    const netns = createNetns(options.subnet === undefined ? {} : { subnet: options.subnet });
    cleanups.push(() => deleteNetns(netns));
    const host = netns.netnsAddress;
    if (options.apiServerAccess === true) {
      const forward = await forwardLoopbackPortIntoNetns(netns, loopbackPort(endpoint.server), logDir);
      cleanups.push(() => forward.stop());
    }
    const exec = (command: string, args: readonly string[], env?: NodeJS.ProcessEnv): ManagedProcess =>
      startProcess({
        name: podName,
        command: 'ip',
        args: ['netns', 'exec', netns.name, command, ...args],
        logPath,
        env: { ...process.env, ...env, HOST: host, PORT: String(targetPort), POD_NAME: podName },
      });

    let proc: ManagedProcess;
    if (options.start !== undefined) {
      proc = await options.start({ netns, host, port: targetPort, logPath, exec });
    } else if (options.command !== undefined) {
      const args = (options.args ?? []).map((a) =>
        a.replaceAll('{host}', host).replaceAll('{port}', String(targetPort)),
      );
      proc = exec(options.command, args, options.env);
    } else {
      throw new ControlPlaneError('StartFailed', 'exposeViaServiceProxy needs `command` or `start`');
    }
    cleanups.push(() => proc.stop(5_000));
    await waitFor(
      async () => {
        if (!proc.isRunning()) {
          throw new ControlPlaneError('StartFailed', `${podName} exited: ${tailFile(logPath, 20)}`);
        }
        return canConnect(host, targetPort);
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 30_000,
        description: `${podName} to listen on ${host}:${targetPort}`,
      },
    );

    const pod = await kubeJson<{ metadata: { uid: string } }>(endpoint, 'POST', `${base}/pods`, {
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: podName, labels: options.podLabels ?? { 'app.kubernetes.io/name': serviceName } },
        spec: {
          // No kubelet or scheduler exists: the Pod is only an API object that vouches for the netns address.
          containers: [
            {
              name: 'server',
              image: 'ssts-e2e.invalid/none',
              ports: [{ name: portName || 'http', containerPort: targetPort }],
            },
          ],
        },
      },
    });
    cleanups.push(() => deleteIgnoringNotFound(endpoint, `${base}/pods/${podName}?gracePeriodSeconds=0`));
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await kubeJson(endpoint, 'PATCH', `${base}/pods/${podName}/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          phase: 'Running',
          podIP: host,
          podIPs: [{ ip: host }],
          startTime: now,
          conditions: [
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
            { type: 'Initialized', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'Ready', status: 'True', lastTransitionTime: now },
          ],
        },
      },
    });
    return {
      netns,
      podName,
      podIp: host,
      process: proc,
      uid: pod.metadata.uid,
      logsTail: (lines = 50) => tailFile(logPath, lines),
    };
  };

  try {
    const replicas: (ServiceProxyReplica & { uid: string })[] = [];
    for (let i = 0; i < count; i++) replicas.push(await startReplica(i));
    const targetRef = (r: { podName: string; uid: string }) => ({
      kind: 'Pod',
      namespace,
      name: r.podName,
      uid: r.uid,
    });
    const ready = new Set(replicas);
    const endpointsBody = () => {
      const address = (r: (typeof replicas)[number]) => ({ ip: r.podIp, targetRef: targetRef(r) });
      const notReady = replicas.filter((r) => !ready.has(r));
      return {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: serviceName },
        subsets: [
          {
            ...(ready.size > 0 && { addresses: [...ready].map(address) }),
            ...(notReady.length > 0 && { notReadyAddresses: notReady.map(address) }),
            ports: [port],
          },
        ],
      };
    };
    const sliceBody = () => ({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: sliceName,
        labels: {
          'kubernetes.io/service-name': serviceName,
          'endpointslice.kubernetes.io/managed-by': 'ssts-e2e',
        },
      },
      addressType: 'IPv4',
      endpoints: replicas.map((r) => ({
        addresses: [r.podIp],
        conditions: { ready: ready.has(r) },
        targetRef: targetRef(r),
      })),
      ports: [port],
    });

    await kubeJson(endpoint, 'POST', `${base}/services`, {
      body: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: serviceName },
        spec: { ports: [{ ...port, port: servicePort, targetPort }] },
      },
    });
    cleanups.push(() => deleteIgnoringNotFound(endpoint, `${base}/services/${serviceName}`));
    // kube-apiserver's service proxy resolves core/v1 Endpoints (not EndpointSlices) and only forwards to an
    // address whose targetRef names a Pod whose status.podIPs contains it (checked against v1.34.4). The
    // EndpointSlice is for clients that watch slices, as they would in a real cluster.
    await kubeJson(endpoint, 'POST', `${base}/endpoints`, { body: endpointsBody() });
    cleanups.push(() => deleteIgnoringNotFound(endpoint, `${base}/endpoints/${serviceName}`));
    await kubeJson(endpoint, 'POST', slicePath, { body: sliceBody() });
    cleanups.push(() => deleteIgnoringNotFound(endpoint, `${slicePath}/${sliceName}`));

    let stopping = false;
    if (followExits) {
      // Updates are serialized so a later one never lands before an earlier one.
      let updates = Promise.resolve();
      for (const replica of replicas) {
        void replica.process.exited.then(() => {
          if (stopping) return;
          ready.delete(replica);
          updates = updates
            .then(async () => {
              await kubeJson(endpoint, 'PUT', `${base}/endpoints/${serviceName}`, { body: endpointsBody() });
              await kubeJson(endpoint, 'PUT', `${slicePath}/${sliceName}`, { body: sliceBody() });
            })
            .catch(() => undefined);
        });
      }
    }

    const proxyName = `http:${serviceName}:${portName}`;
    const proxyBasePath = `${base}/services/${proxyName}/proxy`;
    let stopped: Promise<void> | undefined;
    return {
      replicas: replicas.map(({ uid: _uid, ...replica }) => replica),
      proxyName,
      proxyBasePath,
      proxyPath: (path) => `${proxyBasePath}${path}`,
      stop: () => {
        stopping = true;
        return (stopped ??= runCleanups());
      },
    };
  } catch (error) {
    await runCleanups();
    throw error;
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

async function deleteIgnoringNotFound(endpoint: KubeEndpoint, path: string): Promise<void> {
  const res = await kubeRequest(endpoint, 'DELETE', path);
  if (res.status !== 404 && (res.status < 200 || res.status > 299))
    throw new KubeApiError('DELETE', path, res.status, res.body);
}

function loopbackPort(server: string): number {
  const url = new URL(server);
  if (url.hostname !== '127.0.0.1') {
    throw new ControlPlaneError(
      'NetnsFailed',
      `apiServerAccess needs an API server on 127.0.0.1, not ${url.hostname}`,
    );
  }
  return Number(url.port || 443);
}
