#!/usr/bin/env node
// The test runs behind `pnpm test` and `pnpm test:node24`.
//   node scripts/test.mjs [vitest args]                every project on this Node (20 in CI), then the Node 24 runs
//   node scripts/test.mjs --only-node24 [vitest args]  only the Node 24 runs
// The Node 24 runs are the unit project, the controller's HTTP e2e specs (e2e/specs/controller/http*) and the
// npm-installed kubeseal (packages/kubeseal/test/release/npm-package.test.ts), with the pinned Node 24 that
// tools/node/install.sh keeps in the cache. Vitest arguments go to every run, except that filters go only to the
// first one, and `--outputFile.json=R.json` becomes R.node24-<run>.json (R.node24-unit.json, …) for the Node 24
// runs (.ci/run adds those reports up). Exits non-zero when any run failed; all runs always run.
import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24Binary } from '../tools/node/node24.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

/** The Node 24 runs: a name (used in report file names) and their own vitest arguments. */
export const NODE24_RUNS = [
  { name: 'node24-unit', args: ['--project', 'unit'] },
  { name: 'node24-http', args: ['--project', 'e2e', 'e2e/specs/controller/http'] },
  // The npm-installed kubeseal on Node 24 too (the single executable embeds Node 24 whichever Node builds it).
  {
    name: 'node24-release',
    args: ['--project', 'release', 'packages/kubeseal/test/release/npm-package.test.ts'],
  },
];

/** The arguments that make sense for every run: reporters and their output files (renamed per run). */
export function argsForRun(args, runName) {
  return args
    .filter((a) => a.startsWith('--reporter') || a.startsWith('--outputFile'))
    .map((a) => {
      const m = /^(--outputFile(?:\.json)?=)(.*?)(\.json)?$/.exec(a);
      return m ? `${m[1]}${m[2]}.${runName}${m[3] ?? ''}` : a;
    });
}

function run(node, args, label) {
  console.error(`test: ${label}: vitest run ${args.join(' ')}`);
  const result = spawnSync(node, [vitest, 'run', ...args], { cwd: root, stdio: 'inherit' });
  if (result.error) console.error(`test: ${label}: ${result.error.message}`);
  return result.status === 0;
}

function main(argv) {
  const only24 = argv.includes('--only-node24');
  const args = argv.filter((a) => a !== '--only-node24');
  let ok = true;
  if (!only24) ok = run(process.execPath, args, `Node ${process.versions.node}`) && ok;
  let bin;
  try {
    bin = node24Binary();
  } catch (error) {
    console.error(`test: cannot install Node 24: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  const version = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  for (const r of NODE24_RUNS)
    ok = run(bin, [...r.args, ...argsForRun(args, r.name)], `Node ${version} ${r.name}`) && ok;
  return ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
