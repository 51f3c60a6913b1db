import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './helm.js';

/** Cold build of promtool from its Go module on 2 shared cores; a cached build answers at once. */
export const PROMTOOL_BUILD_TIMEOUT_MS = 30 * 60_000;

let cached: string | undefined;

/** Path of the promtool binary built by tools/promtool/build.sh (built on first use, then cached outside the repo). */
export function promtoolBin(): string {
  if (cached !== undefined) return cached;
  const out = execFileSync('bash', [join(repoRoot, 'tools/promtool/build.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: PROMTOOL_BUILD_TIMEOUT_MS,
  });
  const line = out.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('PROMTOOL_BIN='))
    throw new Error(`tools/promtool/build.sh printed no PROMTOOL_BIN= line: ${line}`);
  cached = line.slice('PROMTOOL_BIN='.length);
  return cached;
}

export interface PromtoolResult {
  status: number;
  output: string;
}

/** Runs promtool in `cwd` and returns its exit status with stdout and stderr together. */
export function runPromtool(args: readonly string[], cwd: string): PromtoolResult {
  const res = spawnSync(promtoolBin(), args, { cwd, encoding: 'utf8', timeout: 120_000 });
  return { status: res.status ?? 1, output: `${res.stdout ?? ''}${res.stderr ?? ''}` };
}
