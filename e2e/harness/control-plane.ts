import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureBinaries, type ControlPlaneBinaries } from './binaries.js';
import { installCrds } from './crds.js';
import { ControlPlaneError } from './errors.js';
import { writeKubeconfig } from './kubeconfig.js';
import { kubeRequest, type KubeEndpoint } from './kube-request.js';
import { generatePki, ADMIN_USER, type Pki, type StaticUser } from './pki.js';
import { freePorts } from './ports.js';
import { startProcess, stopPid, tailFile, type ManagedProcess } from './processes.js';
import { CRD_FILES, repoRoot } from './paths.js';
import { waitFor } from './wait-for.js';

/** Controllers of kube-controller-manager we run: enough for namespace deletion, GC, default SAs, endpoints. */
export const DEFAULT_CONTROLLERS = [
  'namespace-controller',
  'garbage-collector-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
  'endpoints-controller',
  'endpointslice-controller',
] as const;

export interface ControlPlaneOptions {
  /** Extra static-token users, e.g. `{ user: 'system:serviceaccount:kube-system:sealed-secrets-controller' }`. */
  users?: readonly StaticUser[];
  /** Parent of the temporary working directory (default: the OS temp dir). */
  baseDir?: string;
  /** CRD manifests to install, relative to the repository root (default: the SealedSecret CRD). */
  crdFiles?: readonly string[];
  /** Run kube-controller-manager (default true). */
  controllerManager?: boolean;
  controllers?: readonly string[];
  /** Start the components in their own process groups so they outlive this process (`pnpm cluster:up`). */
  detached?: boolean;
  /** Budget for each component to become ready (default 60 s, sized for 2-core CI). */
  startTimeoutMs?: number;
  /**
   * Ports for the first attempt (default: free ones). A retry after "address already in use" always picks
   * fresh ports.
   */
  ports?: Partial<ControlPlanePorts>;
  /** Progress messages (default: silent). */
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
  /** Serve kube-apiserver's /debug/pprof to the admin user (default false; bench/cpu-per-object.ts). */
  apiserverProfiling?: boolean;
}

export interface ControlPlanePorts {
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
}

export interface ComponentPids {
  etcd: number;
  kubeApiserver: number;
  kubeControllerManager?: number;
}

export interface ControlPlane {
  /** Admin kubeconfig (user "admin", group system:masters), CA embedded. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Admin bearer token. */
  token: string;
  /** PEM file of the CA that signed the API server's serving certificate. */
  caPath: string;
  /** Temporary working directory (pki/, etcd/, logs, kubeconfigs); removed by stop(). */
  dir: string;
  /** Static bearer tokens by user name (admin plus `options.users`). */
  tokens: Readonly<Record<string, string>>;
  pids: ComponentPids;
  binaries: ControlPlaneBinaries;
  endpoint: KubeEndpoint;
  /** Writes (once) and returns a kubeconfig for one of the static users. */
  kubeconfigFor(user: string): string;
  /** Stops every component by PID (SIGTERM, SIGKILL after 10 s) and removes `dir`. Idempotent. */
  stop(): Promise<void>;
  /** The last `lines` lines of every component's log, labelled. */
  logsTail(lines?: number): string;
}

interface Attempt {
  processes: ManagedProcess[];
  logs: Record<string, string>;
}

/** Starts etcd, kube-apiserver and kube-controller-manager on free loopback ports and installs the CRDs. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const binaries = ensureBinaries(options.env);
  log(`binaries ready in ${Date.now() - started} ms (${binaries.dir})`);
  const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'ssts-cp-'));
  try {
    const pki = generatePki(join(dir, 'pki'), options.users ?? []);
    log(`pki ready in ${Date.now() - started} ms`);
    for (let attempt = 1; ; attempt++) {
      const state: Attempt = { processes: [], logs: {} };
      try {
        return await startAttempt(binaries, pki, dir, attempt, state, options, log);
      } catch (error) {
        const logs = renderLogs(state.logs, 50);
        await Promise.all(state.processes.map((p) => p.stop()));
        if (
          attempt === 1 &&
          Object.values(state.logs).some((path) => /address already in use/i.test(tailFile(path, 200)))
        ) {
          log('a port was taken between choosing and binding it; retrying once with new ports');
          continue;
        }
        process.stderr.write(`control plane failed to start: ${String(error)}\n${logs}\n`);
        throw error;
      }
    }
  } catch (error) {
    if (process.env['SSTS_E2E_KEEP_DIR'] !== '1') rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startAttempt(
  binaries: ControlPlaneBinaries,
  pki: Pki,
  dir: string,
  attempt: number,
  state: Attempt,
  options: ControlPlaneOptions,
  log: (message: string) => void,
): Promise<ControlPlane> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const t0 = Date.now();
  const [freeEtcd, freePeer, freeApi, freeKcm] = (await freePorts(4)) as [number, number, number, number];
  const wanted = attempt === 1 ? (options.ports ?? {}) : {};
  const etcdPort = wanted.etcd ?? freeEtcd;
  const peerPort = wanted.etcdPeer ?? freePeer;
  const apiPort = wanted.apiserver ?? freeApi;
  const kcmPort = wanted.controllerManager ?? freeKcm;
  const runDir = join(dir, `run-${attempt}`);
  mkdirSync(runDir, { recursive: true });
  const spawnLogged = (name: string, command: string, args: string[]): ManagedProcess => {
    const logPath = join(runDir, `${name}.log`);
    state.logs[name] = logPath;
    const proc = startProcess({
      name,
      command,
      args,
      logPath,
      detached: options.detached ?? false,
      env: options.env ?? process.env,
    });
    state.processes.push(proc);
    return proc;
  };

  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const etcd = spawnLogged('etcd', binaries.etcd, [
    '--name=ssts-e2e',
    `--data-dir=${join(runDir, 'etcd')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=ssts-e2e=${peerUrl}`,
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  await waitReady(etcd, 'etcd /health', timeoutMs, async () => {
    const res = await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.status === 200;
  });
  log(`etcd ready after ${Date.now() - t0} ms`);

  const server = `https://127.0.0.1:${apiPort}`;
  const ca = readFileSync(pki.caCert);
  const adminToken = pki.tokens[ADMIN_USER] as string;
  const endpoint: KubeEndpoint = { server, ca, token: adminToken };
  const apiserver = spawnLogged('kube-apiserver', binaries.kubeApiserver, [
    `--etcd-servers=${etcdUrl}`,
    '--bind-address=127.0.0.1',
    // Without it kube-apiserver looks for the default-route interface and exits on hosts that have none.
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--cert-dir=${join(runDir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${pki.tokenFile}`,
    '--authorization-mode=RBAC',
    `--service-account-issuer=${server}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--allow-privileged=true',
    // Pods here are API objects only; the admission plugin would reject them until the default SA exists.
    '--disable-admission-plugins=ServiceAccount',
    `--profiling=${options.apiserverProfiling === true}`,
  ]);
  await waitReady(apiserver, 'kube-apiserver /readyz', timeoutMs, async () => {
    const res = await kubeRequest({ server, ca }, 'GET', '/readyz', { timeoutMs: 5_000 });
    return res.status === 200;
  });
  await waitReady(apiserver, 'namespace default', timeoutMs, async () => {
    const res = await kubeRequest(endpoint, 'GET', '/api/v1/namespaces/default', { timeoutMs: 5_000 });
    return res.status === 200;
  });
  log(`kube-apiserver ready after ${Date.now() - t0} ms`);

  const kubeconfigPath = writeKubeconfig(join(dir, 'kubeconfig'), {
    server,
    caPem: ca,
    token: adminToken,
    user: ADMIN_USER,
  });

  let kcm: ManagedProcess | undefined;
  if (options.controllerManager ?? true) {
    const controllers = options.controllers ?? DEFAULT_CONTROLLERS;
    kcm = spawnLogged('kube-controller-manager', binaries.kubeControllerManager, [
      `--kubeconfig=${kubeconfigPath}`,
      `--authentication-kubeconfig=${kubeconfigPath}`,
      `--authorization-kubeconfig=${kubeconfigPath}`,
      '--leader-elect=false',
      `--controllers=${controllers.join(',')}`,
      `--service-account-private-key-file=${pki.serviceAccountKey}`,
      `--root-ca-file=${pki.caCert}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--cert-dir=${join(runDir, 'kcm-certs')}`,
      '--profiling=false',
    ]);
  }

  const crdFiles = (options.crdFiles ?? CRD_FILES).map((file) => resolve(repoRoot(), file));
  await installCrds(endpoint, crdFiles, timeoutMs);
  log(`CRDs established after ${Date.now() - t0} ms`);

  if (kcm !== undefined) {
    // The serviceaccount controller creating "default" proves the controllers are running.
    await waitReady(kcm, 'kube-controller-manager (default ServiceAccount)', timeoutMs, async () => {
      const res = await kubeRequest(endpoint, 'GET', '/api/v1/namespaces/default/serviceaccounts/default', {
        timeoutMs: 5_000,
      });
      return res.status === 200;
    });
    log(`kube-controller-manager ready after ${Date.now() - t0} ms`);
  }

  const pids: ComponentPids = { etcd: etcd.pid, kubeApiserver: apiserver.pid };
  if (kcm !== undefined) pids.kubeControllerManager = kcm.pid;
  const userKubeconfigs = new Map<string, string>([[ADMIN_USER, kubeconfigPath]]);
  let stopped: Promise<void> | undefined;

  return {
    kubeconfigPath,
    server,
    token: adminToken,
    caPath: pki.caCert,
    dir,
    tokens: pki.tokens,
    pids,
    binaries,
    endpoint,
    kubeconfigFor(user) {
      const existing = userKubeconfigs.get(user);
      if (existing !== undefined) return existing;
      const token = pki.tokens[user];
      if (token === undefined) {
        throw new ControlPlaneError(
          'StartFailed',
          `no static token for user ${user}; pass it in options.users`,
        );
      }
      const path = writeKubeconfig(join(dir, `kubeconfig-${userKubeconfigs.size}`), {
        server,
        caPem: ca,
        token,
        user,
      });
      userKubeconfigs.set(user, path);
      return path;
    },
    stop() {
      stopped ??= stopAll(state.processes, dir);
      return stopped;
    },
    logsTail(lines = 50) {
      return renderLogs(state.logs, lines);
    },
  };
}

/** Polls `probe` until true; fails fast (with the component's log) if the process exits meanwhile. */
async function waitReady(
  proc: ManagedProcess,
  what: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
): Promise<void> {
  const outcome = await waitFor(
    async () => {
      if (!proc.isRunning()) return 'exited' as const;
      return (await probe()) ? ('ready' as const) : undefined;
    },
    { timeoutMs, intervalMs: 100, description: what },
  );
  if (outcome === 'exited') {
    const code = /address already in use/i.test(tailFile(proc.logPath, 200)) ? 'AddressInUse' : 'StartFailed';
    throw new ControlPlaneError(code, `${proc.name} exited while waiting for ${what}`);
  }
}

async function stopAll(processes: readonly ManagedProcess[], dir: string): Promise<void> {
  // Controllers and API server first (they need etcd to shut down cleanly), etcd last.
  const etcd = processes.filter((p) => p.name === 'etcd');
  await Promise.all(processes.filter((p) => p.name !== 'etcd').map((p) => p.stop()));
  await Promise.all(etcd.map((p) => p.stop()));
  rmSync(dir, { recursive: true, force: true });
}

function renderLogs(logs: Record<string, string>, lines: number): string {
  return Object.entries(logs)
    .map(([name, path]) => `----- last ${lines} lines of ${name} (${path}) -----\n${tailFile(path, lines)}`)
    .join('\n');
}

/**
 * Stops components of a control plane started by another process (`pnpm cluster:down`), by PID. With
 * `commands` (pid -> binary path), a PID whose executable no longer matches is left alone (PID reuse).
 */
export async function stopControlPlanePids(
  pids: ComponentPids,
  commands: Record<string, string> = {},
): Promise<void> {
  const ours = (pid: number | undefined): pid is number =>
    pid !== undefined &&
    (commands[String(pid)] === undefined || pidRuns(pid, commands[String(pid)] as string));
  await Promise.all([pids.kubeControllerManager, pids.kubeApiserver].filter(ours).map((pid) => stopPid(pid)));
  if (ours(pids.etcd)) await stopPid(pids.etcd);
}

function pidRuns(pid: number, command: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === command;
  } catch {
    return false;
  }
}
