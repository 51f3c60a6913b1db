import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { RssSampler } from './rss.js';
import { builtFile, CONTROLLER_BIN } from './workspace.js';

export interface ControllerStartOptions {
  kubeconfigPath: string;
  /** The controller's own namespace (POD_NAMESPACE); with --all-namespaces=false it watches only this one. */
  namespace: string;
  /** Watch every namespace, as the controller ships by default (the flag is left out); default false. */
  allNamespaces?: boolean;
  logDir: string;
  apiPort: number;
  metricsPort: number;
  /** Address the HTTP API listens on (default 127.0.0.1). */
  listenHost?: string;
  /** Write a V8 CPU profile of every thread into this directory on exit (`node --cpu-prof`). */
  cpuProfileDir?: string;
  /** `off` (default): `--kubeclient-qps=-1`; `default`: the flags' defaults (5 qps, burst 10, as upstream). */
  clientLimit?: ClientLimit;
  extraArgs?: readonly string[];
  /** A replica name (several controllers in one namespace): its log file and POD_NAME. */
  replica?: string;
}

export type ClientLimit = 'off' | 'default';

export interface RunningController {
  readonly pid: number;
  readonly logPath: string;
  /** performance.now() when spawned. */
  readonly spawnedAt: number;
  readonly rss: RssSampler;
  readonly apiUrl: string;
  readonly args: readonly string[];
  /** User + system CPU seconds of the process (all its threads) so far, from /proc/<pid>/stat. */
  cpuSeconds(): number | undefined;
  waitHealthy(timeoutMs: number): Promise<number>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  logTail(lines?: number): string;
}

/** The flags every benchmark run uses; recorded in RESULTS.md. */
export function controllerFlags(options: ControllerStartOptions): string[] {
  const host = options.listenHost ?? '127.0.0.1';
  return [
    `--kubeconfig=${options.kubeconfigPath}`,
    '--key-size=4096',
    ...(options.allNamespaces === true ? [] : ['--all-namespaces=false']),
    `--listen-addr=${host}:${options.apiPort}`,
    `--listen-metrics-addr=127.0.0.1:${options.metricsPort}`,
    // Go's default client limit (5 qps / burst 10) caps a run at a few objects/s; unless a run is about that
    // limit, the benchmark measures the controller, not the limiter.
    ...((options.clientLimit ?? 'off') === 'off' ? ['--kubeclient-qps=-1'] : []),
    '--log-level=WARN',
    ...(options.extraArgs ?? []),
  ];
}

/**
 * The runtime environment of the controller image (`docker/controller.Dockerfile`, its last ENV line): the bench
 * runs the controller the way it ships (a unit test keeps the two equal).
 */
export const IMAGE_ENV: Readonly<Record<string, string>> = {
  NODE_ENV: 'production',
  MALLOC_ARENA_MAX: '2',
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=32768:glibc.malloc.trim_threshold=65536',
};

export function startController(options: ControllerStartOptions): RunningController {
  const bin = builtFile(CONTROLLER_BIN);
  const nodeArgs =
    options.cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`];
  const args = controllerFlags(options);
  const suffix = options.replica === undefined ? '' : `-${options.replica}`;
  return launch({
    command: process.execPath,
    commandArgs: [...nodeArgs, bin, ...args],
    args,
    env: {
      ...process.env,
      ...IMAGE_ENV,
      POD_NAMESPACE: options.namespace,
      ...(options.replica === undefined ? {} : { POD_NAME: options.replica }),
    },
    logPath: join(options.logDir, `controller-${options.namespace}${suffix}.log`),
    apiUrl: `http://${options.listenHost ?? '127.0.0.1'}:${options.apiPort}`,
  });
}

export interface LaunchOptions {
  readonly command: string;
  readonly commandArgs: readonly string[];
  /** The controller's own flags, for the report. */
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly logPath: string;
  /** Where /healthz answers. */
  readonly apiUrl: string;
}

/** Spawns a controller process (the command must exec the controller itself, keeping its pid) and watches it. */
export function launch(options: LaunchOptions): RunningController {
  const { logPath, apiUrl, args } = options;
  const fd = openSync(logPath, 'a');
  let child;
  try {
    child = spawn(options.command, options.commandArgs, { stdio: ['ignore', fd, fd], env: options.env });
  } finally {
    closeSync(fd);
  }
  const spawnedAt = performance.now();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.command}`);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
    child.once('error', () => {
      exitCode = null;
      resolve(null);
    });
  });
  const rss = new RssSampler(pid);
  rss.start();
  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  return {
    pid,
    logPath,
    spawnedAt,
    rss,
    apiUrl,
    args,
    logTail,
    cpuSeconds: () => readCpuSeconds(pid),
    async waitHealthy(timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      while (performance.now() < deadline) {
        if (exitCode !== undefined) throw new Error(`controller exited with ${exitCode}: ${logTail(10)}`);
        if (await healthy(`${apiUrl}/healthz`)) return performance.now() - spawnedAt;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`controller not healthy after ${timeoutMs} ms: ${logTail(10)}`);
    },
    async stop(graceMs = 10_000) {
      rss.stop();
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux for every architecture we run on). */
const USER_HZ = 100;

/** utime and stime (fields 14 and 15) of /proc/<pid>/stat, in clock ticks; the command name may contain spaces. */
function procStatTicks(stat: string): { user: number; system: number } | undefined {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the command name, field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const user = Number(fields[11]);
  const system = Number(fields[12]);
  return Number.isFinite(user) && Number.isFinite(system) ? { user, system } : undefined;
}

/** utime + stime (fields 14 and 15) of /proc/<pid>/stat, in seconds; the command name may contain spaces. */
export function parseProcStatCpuSeconds(stat: string): number | undefined {
  const ticks = procStatTicks(stat);
  return ticks === undefined ? undefined : (ticks.user + ticks.system) / USER_HZ;
}

/** utime and stime of /proc/<pid>/stat apart, in seconds. */
export function parseProcStatTimes(stat: string): { user: number; system: number } | undefined {
  const ticks = procStatTicks(stat);
  return ticks === undefined ? undefined : { user: ticks.user / USER_HZ, system: ticks.system / USER_HZ };
}

/** /proc/<pid>/stat, or with `thread` the one thread's /proc/<pid>/task/<thread>/stat; undefined once it is gone. */
function readProcStat(pid: number, thread?: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${thread === undefined ? '' : `task/${thread}/`}stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process, or with `thread` one of its threads, has used so far. */
export function readCpuSeconds(pid: number, thread?: number): number | undefined {
  const stat = readProcStat(pid, thread);
  return stat === undefined ? undefined : parseProcStatCpuSeconds(stat);
}

/** User and system CPU seconds of a process apart. */
export function readCpuTimes(pid: number): { user: number; system: number } | undefined {
  const stat = readProcStat(pid);
  return stat === undefined ? undefined : parseProcStatTimes(stat);
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
