import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ControlPlaneError } from './errors.js';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Settles when the process exits (only observable for processes started by this Node process). */
  readonly exited: Promise<ProcessExit>;
  isRunning(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  /** Own process group and no tie to this Node process, so it outlives it (`pnpm cluster:up`). */
  detached?: boolean;
}

// Children that must not outlive this Node process (e.g. a vitest worker killed after a timeout). This is the
// one piece of module state: an 'exit' handler can only run synchronous code, so it needs the PIDs at hand.
const live = new Set<number>();
let exitHookInstalled = false;

function trackUntilExit(pid: number): void {
  live.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const p of live) signal(p, 'SIGKILL');
  });
}

/** Starts a process with stdout+stderr appended to `logPath` (a file, not a pipe: no back-pressure on us). */
export function startProcess(options: StartProcessOptions): ManagedProcess {
  const fd = openSync(options.logPath, 'a');
  let child;
  try {
    child = spawn(options.command, [...options.args], {
      stdio: ['ignore', fd, fd],
      env: options.env ?? process.env,
      detached: options.detached ?? false,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new ControlPlaneError('StartFailed', `could not start ${options.name} (${options.command})`);
  }
  let running = true;
  if (options.detached) child.unref();
  else trackUntilExit(pid);
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(pid);
      resolve({ code, signal });
    });
    child.once('error', () => {
      running = false;
      live.delete(pid);
      resolve({ code: null, signal: null });
    });
  });
  return {
    name: options.name,
    pid,
    logPath: options.logPath,
    exited,
    isRunning: () => running,
    stop: async (graceMs = 10_000) => {
      if (!running) return;
      await stopPid(pid, { graceMs, exited });
    },
  };
}

/** True while `pid` exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Reparented children may linger as zombies when PID 1 does not reap; those are gone for our purposes.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

/** SIGTERM `pid`, wait up to `graceMs`, then SIGKILL and wait for it to disappear. */
export async function stopPid(
  pid: number,
  options: { graceMs?: number; exited?: Promise<unknown> } = {},
): Promise<void> {
  const graceMs = options.graceMs ?? 10_000;
  if (!signal(pid, 'SIGTERM')) return;
  if (await gone(pid, graceMs, options.exited)) return;
  signal(pid, 'SIGKILL');
  await gone(pid, 5_000, options.exited);
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, timeoutMs: number, exited: Promise<unknown> | undefined): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  if (exited !== undefined) {
    // Cancel the timer once the process exits, so a pending sleep does not hold the event loop open.
    const abort = new AbortController();
    const timer = sleep(timeoutMs, false, { signal: abort.signal }).catch(() => false);
    try {
      return await Promise.race([exited.then(() => true), timer]);
    } finally {
      abort.abort();
    }
  }
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await sleep(100);
  }
  return !pidAlive(pid);
}

/** The last `lines` lines of a log file ('' if it does not exist). */
export function tailFile(path: string, lines = 50): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  return text
    .split('\n')
    .slice(-lines - 1)
    .join('\n');
}
