// The repository's pinned Node 24 (tools/node/NODE24_VERSION, the line the images ship): the running `node` when it
// is that version, else the copy tools/node/install.sh keeps in ~/.cache/sealed-secrets-ts (installed once from the
// npm registry). One locator for scripts/test.mjs, scripts/bench.mjs and packages/kubeseal/scripts/sea.mjs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** The pinned version without its `v` (tools/node/NODE24_VERSION). */
export function node24Version() {
  return readFileSync(join(here, 'NODE24_VERSION'), 'utf8').trim().replace(/^v/, '');
}

/** Path of the pinned Node 24 binary; installs it on first use. Throws with install.sh's exit status on failure. */
export function node24Binary() {
  const version = node24Version();
  if (process.version === `v${version}`) return process.execPath;
  const install = spawnSync('bash', [join(here, 'install.sh'), version], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = (install.stdout ?? '').trim().split('\n').at(-1) ?? '';
  if (install.status !== 0 || !line.startsWith('NODE_BIN='))
    throw new Error(`tools/node/install.sh ${version} failed (exit ${install.status ?? install.signal})`);
  return line.slice('NODE_BIN='.length);
}
