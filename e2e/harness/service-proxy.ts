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
  const { endpoint, namespace, serviceName } = options;
  const portName = options.portName ?? 'http';
  const servicePort = options.servicePort ?? 8080;
  const targetPort = options.targetPort ?? 8080;
  const podName = options.podName ?? `${serviceName}-0`;
  const logDir = mkdtempSync(join(tmpdir(), 'ssts-svc-'));
  const logPath = join(logDir, `${serviceName}.log`);
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

  try {
    const netns = createNetns(options.subnet === undefined ? {} : { subnet: options.subnet });
    cleanups.push(() => deleteNetns(netns));
    const host = netns.netnsAddress;
    if (options.apiServerAccess === true) {
      const forward = await forwardLoopbackPortIntoNetns(netns, loopbackPort(endpoint.server), logDir);
      cleanups.push(() => forward.stop());
    }
    const exec = (command: string, args: readonly string[], env?: NodeJS.ProcessEnv): ManagedProcess =>
      startProcess({
        name: serviceName,
        command: 'ip',
        args: ['netns', 'exec', netns.name, command, ...args],
        logPath,
        env: { ...process.env, ...env, HOST: host, PORT: String(targetPort) },
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
          throw new ControlPlaneError('StartFailed', `${serviceName} exited: ${tailFile(logPath, 20)}`);
        }
        return canConnect(host, targetPort);
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 30_000,
        description: `${serviceName} to listen on ${host}:${targetPort}`,
      },
    );

    const base = `/api/v1/namespaces/${namespace}`;
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

    const port = { port: targetPort, protocol: 'TCP', ...(portName ? { name: portName } : {}) };
    const targetRef = { kind: 'Pod', namespace, name: podName, uid: pod.metadata.uid };
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
    await kubeJson(endpoint, 'POST', `${base}/endpoints`, {
      body: {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name: serviceName },
        subsets: [{ addresses: [{ ip: host, targetRef }], ports: [port] }],
      },
    });
    cleanups.push(() => deleteIgnoringNotFound(endpoint, `${base}/endpoints/${serviceName}`));
    await kubeJson(endpoint, 'POST', `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, {
      body: {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: `${serviceName}-ssts-e2e`,
          labels: {
            'kubernetes.io/service-name': serviceName,
            'endpointslice.kubernetes.io/managed-by': 'ssts-e2e',
          },
        },
        addressType: 'IPv4',
        endpoints: [{ addresses: [host], conditions: { ready: true }, targetRef }],
        ports: [port],
      },
    });
    cleanups.push(() =>
      deleteIgnoringNotFound(
        endpoint,
        `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices/${serviceName}-ssts-e2e`,
      ),
    );

    const proxyName = `http:${serviceName}:${portName}`;
    const proxyBasePath = `${base}/services/${proxyName}/proxy`;
    let stopped: Promise<void> | undefined;
    return {
      netns,
      podName,
      podIp: host,
      targetPort,
      proxyName,
      proxyBasePath,
      proxyPath: (path) => `${proxyBasePath}${path}`,
      process: proc,
      logsTail: (lines = 50) => tailFile(logPath, lines),
      stop: () => (stopped ??= runCleanups()),
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
