import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../harness/paths.js';

const CONTROLLER_BIN = join(repoRoot(), 'packages/controller/bin/sealed-secrets-controller.js');

// Preloaded before the bin: when the process exits (after the bin ran and set its flags), allocate short-lived
// objects with some survivors, as a busy controller does, and report the size V8 gave the young generation.
const PROBE = `
import { getHeapSpaceStatistics } from 'node:v8';
process.on('exit', () => {
  let keep = [];
  for (let i = 0; i < 1_000_000; i++) {
    const o = { a: 'value-' + i, b: [i, i + 1] };
    if (i % 10 === 0) keep.push(o);
    if (keep.length > 20_000) keep = [];
  }
  const size = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size;
  process.stdout.write('NEW_SPACE ' + size + '\\n');
});
`;
// Preloaded with --allow-natives-syntax: at exit (the bin's flags set), has V8 a Turbofan tier? A function made hot
// and optimized on its next call is Turbofan code (status bit 64) only when Turbofan is on.
const TURBOFAN_PROBE = `
process.on('exit', () => {
  const hot = (x) => x * 2 + 1;
  %PrepareFunctionForOptimization(hot);
  hot(1);
  hot(2);
  %OptimizeFunctionOnNextCall(hot);
  hot(3);
  process.stdout.write('TURBOFANNED ' + ((%GetOptimizationStatus(hot) & 64) !== 0) + '\\n');
});
`;
const dir = mkdtempSync(join(tmpdir(), 'young-generation-'));
const probe = join(dir, 'probe.mjs');
writeFileSync(probe, PROBE);
const turbofanProbe = join(dir, 'turbofan-probe.mjs');
writeFileSync(turbofanProbe, TURBOFAN_PROBE);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function newSpaceBytes(env: NodeJS.ProcessEnv = {}): number {
  const run = spawnSync(process.execPath, ['--import', probe, CONTROLLER_BIN, '--version'], {
    env: { ...process.env, NODE_OPTIONS: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain('controller version');
  const match = /NEW_SPACE (\d+)/.exec(run.stdout);
  expect(match, run.stdout).not.toBeNull();
  return Number(match?.[1]);
}

describe('the controller bin and V8 young generation (issue 12 memory)', () => {
  it('keeps the young generation at its initial size under allocation', () => {
    expect(newSpaceBytes()).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it('leaves it alone when the user sized it (NODE_OPTIONS=--max-semi-space-size)', () => {
    expect(newSpaceBytes({ NODE_OPTIONS: '--max-semi-space-size=8' })).toBeGreaterThan(2 * 1024 * 1024);
  });
});

/** The image's Node 24 (tools/node/node24.mjs: the pinned copy in the cache, installed on first use). */
async function node24(): Promise<string> {
  const locator = pathToFileURL(join(repoRoot(), 'tools/node/node24.mjs')).href;
  return ((await import(locator)) as { node24Binary(): string }).node24Binary();
}

function turbofanned(node: string, nodeArgs: readonly string[] = []): boolean {
  const run = spawnSync(
    node,
    ['--allow-natives-syntax', ...nodeArgs, '--import', turbofanProbe, CONTROLLER_BIN, '--version'],
    { env: { ...process.env, NODE_OPTIONS: '' }, encoding: 'utf8', timeout: 60_000 },
  );
  expect(run.status, run.stderr).toBe(0);
  expect(run.stdout).toContain('controller version');
  const match = /TURBOFANNED (true|false)/.exec(run.stdout);
  expect(match, run.stdout).not.toBeNull();
  return match?.[1] === 'true';
}

describe('the controller bin and Turbofan (issue 12 memory, eighth pass)', () => {
  it('turns Turbofan off on Node 24 (Maglev optimizes), unless `node --turbofan` asks for it', async () => {
    const node = await node24();
    expect(turbofanned(node)).toBe(false);
    expect(turbofanned(node, ['--turbofan'])).toBe(true);
  });

  // Node 20 has no Maglev: without Turbofan nothing would optimize. (The Node 24 runs of `pnpm test` skip this.)
  it.skipIf(Number(process.versions.node.split('.')[0]) >= 22)(
    'leaves Node 20 alone (no Maglev there)',
    () => {
      expect(turbofanned(process.execPath)).toBe(true);
    },
  );
});
