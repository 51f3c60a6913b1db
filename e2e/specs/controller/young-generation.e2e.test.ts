import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
const dir = mkdtempSync(join(tmpdir(), 'young-generation-'));
const probe = join(dir, 'probe.mjs');
writeFileSync(probe, PROBE);
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
