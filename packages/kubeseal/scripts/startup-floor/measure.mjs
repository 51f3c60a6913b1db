#!/usr/bin/env node
// The lower bound Node puts on kubeseal's start-up (README "Start-up time"): minimal single executables, built as
// scripts/sea.mjs builds kubeseal's (sea-build.mjs, the same Node 24 and SEA options), that do only what a correct
// `--raw` or offline seal must do (raw.js, seal.js; empty.js does nothing): each without a snapshot, with a snapshot
// of just its code, and with its main function in kubeseal's whole snapshot (kubeseal-heap.js), next to
// `node -e ""` and kubeseal's executable. Prints one Markdown table.
//
//   node packages/kubeseal/scripts/startup-floor/measure.mjs [--runs 20] [--callgrind 3] [--exec-argv "<options>"]...
//
// Needs `pnpm build` (the core's dist and kubeseal's snapshot script); ~10 minutes with --callgrind 3. Wall time:
// every command spawned directly with stdin, stdout and stderr on pipes, as bench/sections/cli.ts does, in
// interleaved rounds (2 warm-up rounds), medians, without NODE_EXTRA_CA_CERTS. --callgrind N adds instructions
// (valgrind's callgrind, main thread, median of N interleaved runs) "adjusted": minus `detail::sprp`, V8's
// primality tests for the hash seed's secrets, which cost 6-14 M at random in every Node process (executables built
// with their symbols for this). Page faults: one run under GNU time. Each --exec-argv builds the snapshot
// executables and kubeseal once more with those Node options in the SEA config's `execArgv`. Every output is
// checked on the first run by decrypting it with the fixture's private key.
import { Buffer } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';
import { hybridDecrypt } from '../../../core/dist/crypto/hybrid.js';
import { node24Binary } from '../../../../tools/node/node24.mjs';
import { buildSingleExecutable } from '../sea-build.mjs';
import { bundleFloorScript } from './build.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const VECTORS = fileURLToPath(
  new URL('../../../test-utils/fixtures/vectors/sealedsecret-4096/', import.meta.url),
);
const CERT = join(VECTORS, 'tls.crt');
const PRIVATE_KEY = createPrivateKey(readFileSync(join(VECTORS, 'tls.key')));
// The 3-key Secret that bench/sections/cli.ts and startup-time.mjs seal.
const SECRET_YAML = readFileSync(
  fileURLToPath(new URL('../../../test-utils/fixtures/kubeseal/startup-secret.yaml', import.meta.url)),
  'utf8',
);
const RAW_VALUE = 'correct-horse-battery-staple';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    callgrind: { type: 'string', default: '0' },
    'exec-argv': { type: 'string', multiple: true, default: [] },
  },
});
const runs = Number(values.runs);
const callgrindRuns = Number(values.callgrind);
const node = node24Binary();
const work = mkdtempSync(join(tmpdir(), 'startup-floor-'));

// KUBECONFIG names a missing file: these offline commands read none (the bench gives them one pointing nowhere).
const env = { ...process.env, KUBECONFIG: join(work, 'none') };
delete env.NODE_EXTRA_CA_CERTS;
delete env.NODE_OPTIONS;

const bundle = (name, inject = []) => bundleFloorScript(name, work, inject);

const raw = (args) => ['--cert', CERT, '--namespace', 'bench-ns', '--name', 'bench-secret', ...args];
const label = Buffer.from('bench-ns/bench-secret');
const checkRaw = (stdout) =>
  hybridDecrypt(PRIVATE_KEY, Buffer.from(stdout.trim(), 'base64'), label).toString() === RAW_VALUE;
function checkSeal(stdout) {
  const sealed = parse(stdout);
  const data = sealed.spec.encryptedData;
  const secret = parse(SECRET_YAML).stringData;
  return (
    sealed.kind === 'SealedSecret' &&
    Object.keys(secret).every(
      (k) => hybridDecrypt(PRIVATE_KEY, Buffer.from(data[k], 'base64'), label).toString() === secret[k],
    )
  );
}
const COMMANDS = {
  empty: { args: [], input: '', check: (stdout) => stdout === '' },
  raw: { args: raw([]), input: RAW_VALUE, check: checkRaw },
  seal: { args: ['--cert', CERT], input: SECRET_YAML, check: checkSeal },
  'kubeseal raw': { args: raw(['--raw']), input: RAW_VALUE, check: checkRaw },
  'kubeseal seal': { args: ['--cert', CERT, '-o', 'yaml'], input: SECRET_YAML, check: checkSeal },
};

/** The cases, each with its executable built stripped (wall time) and, for callgrind, with its symbols. */
async function buildCases() {
  const kubesealScript = join(PACKAGE_DIR, 'dist', 'snapshot', 'kubeseal.cjs');
  const kubesealHeap = [join(HERE, 'kubeseal-heap.js')];
  const warmUp = { FLOOR_WARM_UP_CERT: CERT, KUBESEAL_SNAPSHOT_WARM_UP_CERT: CERT };
  const variants = [
    { id: 'empty, no snapshot', main: await bundle('empty'), command: 'empty', useSnapshot: false },
    { id: 'empty, snapshot', main: await bundle('empty'), command: 'empty' },
  ];
  for (const name of ['raw', 'seal']) {
    variants.push(
      { id: `${name}, no snapshot`, main: await bundle(name), command: name, useSnapshot: false },
      { id: `${name}, snapshot`, main: await bundle(name), command: name },
      { id: `${name}, snapshot of kubeseal's heap`, main: await bundle(name, kubesealHeap), command: name },
      {
        id: name === 'raw' ? 'kubeseal --raw' : 'kubeseal seal',
        main: kubesealScript,
        command: `kubeseal ${name}`,
      },
    );
  }
  for (const options of values['exec-argv']) {
    const execArgv = options.split(/\s+/).filter(Boolean);
    for (const v of variants.filter(
      (v) => v.useSnapshot !== false && v.command !== 'empty' && !/heap/.test(v.id),
    ))
      variants.push({ ...v, id: `${v.id} [${options}]`, execArgv });
  }
  const built = new Map();
  const executable = (v, strip) => {
    // kubeseal's executable serves both of its commands.
    const key = JSON.stringify([v.main, v.useSnapshot, v.execArgv, strip]);
    if (!built.has(key)) {
      const out = join(work, `exe-${built.size}`);
      buildSingleExecutable({
        node,
        main: v.main,
        out,
        useSnapshot: v.useSnapshot,
        execArgv: v.execArgv,
        env: warmUp,
        strip,
      });
      built.set(key, out);
    }
    return built.get(key);
  };
  const cases = [{ id: 'node -e ""', file: () => node, args: ['-e', ''], input: '', check: (s) => s === '' }];
  for (const v of variants) {
    const stripped = executable({ useSnapshot: true, ...v }, true);
    const symbols = callgrindRuns > 0 ? executable({ useSnapshot: true, ...v }, false) : stripped;
    cases.push({ id: v.id, file: (strip) => (strip ? stripped : symbols), ...COMMANDS[v.command] });
  }
  return cases;
}

function run(file, args, input) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, ms, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Minor page faults of one run (GNU time), or undefined without /usr/bin/time. */
function pageFaults(file, args, input) {
  const r = spawnSync('/usr/bin/time', ['-f', '%R', file, ...args], { env, input, encoding: 'utf8' });
  return r.status === 0 ? Number(r.stderr.trim().split('\n').pop()) : undefined;
}

/** Main-thread instructions of one run under callgrind: [total, total minus detail::sprp], in millions. */
function instructions(file, args, input) {
  const dir = mkdtempSync(join(work, 'cg-'));
  const r = spawnSync(
    'valgrind',
    ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${join(dir, 'cg')}`, file, ...args],
    { env, input, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`callgrind of ${file} exited ${r.status}: ${r.stderr.slice(-300)}`);
  const main = join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('-01')),
  );
  const total = Number(/^summary: (\d+)/m.exec(readFileSync(main, 'utf8'))[1]);
  const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', main], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  }).stdout;
  const sprp = annotated
    .split('\n')
    .filter((line) => line.includes('detail::sprp'))
    .map((line) => Number(line.trim().split(/\s/)[0].replaceAll(',', '')));
  rmSync(dir, { recursive: true, force: true });
  return [total / 1e6, (total - Math.max(0, ...sprp)) / 1e6];
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

try {
  const cases = await buildCases();
  const load = [loadavg()];
  const wall = new Map(cases.map((c) => [c.id, []]));
  for (let round = 0; round < runs + 2; round++) {
    for (const c of cases) {
      const r = await run(c.file(true), c.args, c.input);
      if (r.code !== 0 || (round === 0 && !c.check(r.stdout)))
        throw new Error(`${c.id}: exit ${r.code}, wrong or no output: ${r.stderr.slice(0, 300)}`);
      if (round >= 2) wall.get(c.id).push(r.ms);
    }
  }
  load.push(loadavg());
  const faults = new Map(cases.map((c) => [c.id, pageFaults(c.file(true), c.args, c.input)]));
  const counts = new Map(cases.map((c) => [c.id, []]));
  for (let round = 0; round < callgrindRuns; round++)
    for (const c of cases) counts.get(c.id).push(instructions(c.file(false), c.args, c.input));
  if (callgrindRuns > 0) load.push(loadavg());

  const floor = median(wall.get(cases[0].id));
  const floorAdjusted = callgrindRuns > 0 ? median(counts.get(cases[0].id).map((x) => x[1])) : 0;
  console.log(`Node ${spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim()} (${node})`);
  console.log(
    `wall time: median of ${runs} interleaved runs; instructions: main thread, median of ${callgrindRuns}`,
  );
  console.log(`load average: ${load.map((l) => l.map((x) => x.toFixed(2)).join(' ')).join(' → ')}`);
  console.log(
    '| command | wall ms | min ms | × floor | instructions M (adjusted) | × floor | unadjusted M | page faults |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const c of cases) {
    const ms = wall.get(c.id);
    const m = median(ms);
    const n = counts.get(c.id);
    const cg =
      n.length === 0
        ? ['', '', '']
        : [
            median(n.map((x) => x[1])).toFixed(1),
            (median(n.map((x) => x[1])) / floorAdjusted).toFixed(2),
            median(n.map((x) => x[0])).toFixed(1),
          ];
    console.log(
      `| ${c.id} | ${m.toFixed(1)} | ${Math.min(...ms).toFixed(1)} | ${(m / floor).toFixed(2)} | ${cg.join(' | ')} | ${faults.get(c.id) ?? ''} |`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
