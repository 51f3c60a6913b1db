import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuBudget, quotaCpus } from './cpu-budget.js';

describe('quotaCpus', () => {
  it.each([
    ['max 100000\n', undefined],
    ['150000 100000\n', 2],
    ['50000 100000', 1],
    ['400000 100000', 4],
    ['garbage', undefined],
    ['0 100000', undefined],
  ])('cgroup v2 cpu.max %j → %s', (text, expected) => expect(quotaCpus(text)).toBe(expected));

  it('cgroup v1: quota -1 is none; otherwise quota / period rounded up', () => {
    expect(quotaCpus(undefined, '-1\n', '100000\n')).toBeUndefined();
    expect(quotaCpus(undefined, '250000\n', '100000\n')).toBe(3);
    expect(quotaCpus(undefined, undefined, undefined)).toBeUndefined();
  });
});

describe('cpuBudget', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
  });

  it('caps availableParallelism() by the quota (v2, then v1), and keeps it without one', () => {
    root = mkdtempSync(join(tmpdir(), 'ssts-cgroup-'));
    expect(cpuBudget(root)).toBe(availableParallelism());
    writeFileSync(join(root, 'cpu.max'), '100000 100000\n');
    expect(cpuBudget(root)).toBe(1);
    writeFileSync(join(root, 'cpu.max'), `${(availableParallelism() + 8) * 100000} 100000\n`);
    expect(cpuBudget(root)).toBe(availableParallelism());
    rmSync(join(root, 'cpu.max'));
    mkdirSync(join(root, 'cpu'));
    writeFileSync(join(root, 'cpu', 'cpu.cfs_quota_us'), '50000\n');
    writeFileSync(join(root, 'cpu', 'cpu.cfs_period_us'), '100000\n');
    expect(cpuBudget(root)).toBe(1);
  });
});
