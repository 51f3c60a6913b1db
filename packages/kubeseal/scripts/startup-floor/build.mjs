#!/usr/bin/env node
// Builds the minimal single executables of the lower bound (README "Lower bound set by Node"): raw.js and seal.js,
// bundled as kubeseal's snapshot script is (one CommonJS file) and built by sea-build.mjs with the same Node and
// SEA options as kubeseal's executable. Used by measure.mjs (every variant) and by `pnpm bench` (section 2), which
// runs the two snapshot executables beside kubeseal's:
//
//   node packages/kubeseal/scripts/startup-floor/build.mjs --out-dir <dir>
//
// prints {"node": …, "raw": <executable>, "seal": <executable>} as the last line of stdout.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { node24Binary } from '../../../../tools/node/node24.mjs';
import { buildSingleExecutable } from '../sea-build.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The certificate the minimal commands' snapshot warm-up seals with (any RSA certificate would do). */
export const WARM_UP_CERT = fileURLToPath(
  new URL('../../../test-utils/fixtures/vectors/sealedsecret-4096/tls.crt', import.meta.url),
);

/** `<name>.js` of this directory bundled into `work` as one CommonJS file, with `inject` evaluated first. */
export async function bundleFloorScript(name, work, inject = []) {
  const outfile = join(work, `${name}${inject.length > 0 ? '-kubeseal-heap' : ''}.cjs`);
  await build({
    entryPoints: [join(HERE, `${name}.js`)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    inject,
  });
  return outfile;
}

/** The minimal `name` command ('raw' or 'seal') as a single executable with a snapshot of just its code. */
export async function buildMinimalExecutable({ node, name, out, strip = true }) {
  const work = mkdtempSync(join(tmpdir(), 'startup-floor-build-'));
  try {
    buildSingleExecutable({
      node,
      main: await bundleFloorScript(name, work),
      out,
      env: { FLOOR_WARM_UP_CERT: WARM_UP_CERT },
      strip,
    });
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' } } });
  if (values['out-dir'] === undefined) {
    console.error('build: --out-dir <dir> is required');
    process.exit(2);
  }
  const dir = resolve(values['out-dir']);
  mkdirSync(dir, { recursive: true });
  const node = node24Binary();
  const built = { node };
  for (const name of ['raw', 'seal'])
    built[name] = await buildMinimalExecutable({ node, name, out: join(dir, `minimal-${name}`) });
  console.log(JSON.stringify(built));
}
