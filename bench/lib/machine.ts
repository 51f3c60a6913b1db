import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { runCommand } from './exec.js';
import { opensslVersion } from './openssl.js';

/** Where and with what the benchmark ran; rendered at the top of RESULTS.md. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly totalMemoryBytes: number;
  readonly kernel: string;
  readonly node: string;
  readonly nodeOpenssl: string;
  readonly openssl: string;
  readonly gitCommit: string;
  readonly gitDirty: boolean;
  /** 1, 5 and 15 minute load averages when the run started. */
  readonly loadAverage: readonly [number, number, number];
  readonly startedAt: string;
}

export async function collectMachineInfo(repoRoot: string, now: Date): Promise<MachineInfo> {
  const [commit, status, openssl] = await Promise.all([
    runCommand('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, timeoutMs: 10_000 }).catch(() => undefined),
    runCommand('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: repoRoot,
      timeoutMs: 10_000,
    }).catch(() => undefined),
    opensslVersion().catch(() => 'unavailable'),
  ]);
  const [l1, l5, l15] = loadavg() as [number, number, number];
  return {
    cpuModel: cpuModel(),
    cores: availableParallelism(),
    totalMemoryBytes: totalmem(),
    kernel: `${osType()} ${release()}`,
    node: process.version,
    nodeOpenssl: process.versions.openssl ?? 'unknown',
    openssl,
    gitCommit: commit?.code === 0 ? commit.stdout.trim() : 'unknown',
    gitDirty: status?.code === 0 && status.stdout.trim() !== '',
    loadAverage: [l1, l5, l15],
    startedAt: now.toISOString(),
  };
}

function cpuModel(): string {
  const model = cpus()[0]?.model?.trim();
  if (model) return model;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line?.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
