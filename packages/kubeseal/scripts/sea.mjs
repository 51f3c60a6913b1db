#!/usr/bin/env node
// Builds kubeseal as one self-contained executable for linux-x64 with Node's single-executable-application support:
// the start-up snapshot (dist/snapshot/kubeseal.cjs, made by `pnpm build`) is built into a SEA blob
// (`useSnapshot`) and injected with postject into a copy of the Node binary, so the executable starts by
// deserializing kubeseal's heap instead of loading any JavaScript.
//
//   node packages/kubeseal/scripts/sea.mjs [--node <node binary>] [--out <file>] [--no-strip] [--json]
//
// --json prints {executable, node, nodeVersion, bytes, seconds} as the last line of stdout (for pnpm bench).
//
// The runtime is the repository's pinned Node 24 (tools/node/NODE24_VERSION, the line the images ship): the running
// `node` when it is that version, else the copy that tools/node/install.sh keeps in ~/.cache/sealed-secrets-ts
// (installed once from the npm registry). `--node` builds with another binary (Node >= 22; Node 20's snapshot
// serializer aborts on kubeseal's heap).
// The result is stripped of debug symbols first (`strip`, if installed; the official binaries carry ~18 MB).
import { execFileSync, spawnSync } from 'node:child_process';
import { constants, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { node24Binary } from '../../../tools/node/node24.mjs';
import { buildSingleExecutable } from './sea-build.mjs';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const SNAPSHOT_SCRIPT = join(PACKAGE_DIR, 'dist', 'snapshot', 'kubeseal.cjs');
const WARM_UP_CERT = fileURLToPath(
  new URL('../../test-utils/fixtures/vectors/sealedsecret-4096/tls.crt', import.meta.url),
);

function fail(message) {
  console.error(`sea: ${message}`);
  process.exit(1);
}

function nodeVersionOf(binary) {
  return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
}

const { values } = parseArgs({
  options: {
    node: { type: 'string' },
    out: { type: 'string', default: join(PACKAGE_DIR, 'release', 'kubeseal-linux-x64') },
    'no-strip': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

const started = performance.now();
if (process.platform !== 'linux' || process.arch !== 'x64')
  fail(`only linux-x64 executables are built here (this is ${process.platform}-${process.arch})`);
if (!existsSync(SNAPSHOT_SCRIPT)) fail(`${SNAPSHOT_SCRIPT} is missing; run \`pnpm build\` first`);
// The executable replaces a previous one whole (@ssts/kube's dist, built by the same `pnpm build`).
const { replaceFileSync } = await import('@ssts/kube/files');

let node;
try {
  node = values.node === undefined ? node24Binary() : resolve(values.node);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const version = nodeVersionOf(node);
const [major, minor] = version.slice(1).split('.').map(Number);
if (major < 20 || (major === 20 && minor < 6))
  fail(`${node} is Node ${version}; useSnapshot needs Node >= 20.6`);
// Node 20's V8 (11.3) aborts while serializing kubeseal's heap ("Fatal error … unreachable code" in
// ObjectSerializer::SerializeContent), with or without the warm-up: say so instead of printing its native stack.
if (major === 20)
  fail(
    `${node} is Node ${version}, whose snapshot serializer aborts on kubeseal's heap; build with Node >= 22 (the release uses Node 24)`,
  );

const out = resolve(values.out);
mkdirSync(dirname(out), { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'kubeseal-sea-'));
try {
  const binary = join(work, 'kubeseal');
  try {
    // The snapshot builder runs kubeseal's warm-up (scripts/snapshot-entry.js) with this certificate.
    buildSingleExecutable({
      node,
      main: SNAPSHOT_SCRIPT,
      out: binary,
      env: { KUBESEAL_SNAPSHOT_WARM_UP_CERT: WARM_UP_CERT },
      strip: !values['no-strip'],
    });
  } catch (error) {
    fail(`with ${version}: ${error instanceof Error ? error.message : String(error)}`);
  }

  // The executable must run before it replaces a previous build.
  const check = spawnSync(binary, ['--version'], { encoding: 'utf8', cwd: work, env: {} });
  if (check.status !== 0 || !check.stdout.startsWith('kubeseal version: '))
    fail(`the built executable does not run: ${check.stdout}${check.stderr}`);
  replaceFileSync(out, (temp) => copyFileSync(binary, temp, constants.COPYFILE_EXCL), { mode: 0o755 });
  const size = statSync(out).size;
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `kubeseal single executable: ${out} (${(size / 1024 / 1024).toFixed(1)} MiB, Node ${version}, built in ${seconds} s)`,
  );
  if (values.json)
    console.log(
      JSON.stringify({ executable: out, node, nodeVersion: version, bytes: size, seconds: Number(seconds) }),
    );
} finally {
  rmSync(work, { recursive: true, force: true });
}
