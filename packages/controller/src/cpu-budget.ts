import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/**
 * CPUs a cgroup CPU quota allows, rounded up: cgroup v2 `cpu.max` ("<quota> <period>" or "max <period>") or v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us` (quota -1: none). Undefined when there is no quota or it cannot be read.
 */
export function quotaCpus(
  v2CpuMax: string | undefined,
  v1Quota?: string,
  v1Period?: string,
): number | undefined {
  const [quotaText, periodText] =
    v2CpuMax !== undefined ? v2CpuMax.trim().split(/\s+/) : [v1Quota?.trim(), v1Period?.trim()];
  if (quotaText === undefined || quotaText === 'max' || quotaText === '-1') return undefined;
  const quota = Number(quotaText);
  const period = Number(periodText ?? '100000');
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * The CPUs this process may use: `os.availableParallelism()` (the affinity mask), capped by the cgroup CPU quota
 * (a Kubernetes CPU limit), which Node 20's libuv does not look at. Sizes the decrypt pool: a worker beyond the
 * quota only adds memory and throttling.
 */
export function cpuBudget(root = '/sys/fs/cgroup'): number {
  const quota =
    quotaCpus(readOrUndefined(`${root}/cpu.max`)) ??
    quotaCpus(
      undefined,
      readOrUndefined(`${root}/cpu/cpu.cfs_quota_us`) ?? readOrUndefined(`${root}/cpu.cfs_quota_us`),
      readOrUndefined(`${root}/cpu/cpu.cfs_period_us`) ?? readOrUndefined(`${root}/cpu.cfs_period_us`),
    );
  const cpus = availableParallelism();
  return quota === undefined ? cpus : Math.min(cpus, quota);
}
