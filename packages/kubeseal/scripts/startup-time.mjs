#!/usr/bin/env node
// Start-up wall time of the offline kubeseal commands next to `node -e ""`, medians of N runs each.
//
//   node packages/kubeseal/scripts/startup-time.mjs [--runs 20] [--bin path/to/kubeseal.js]...
//
// Rounds are interleaved (every case once per round) so load drift on a shared machine spreads evenly over all
// cases. The load average is printed before and after because the absolute numbers depend on it. With several
// `--bin`s (e.g. an old build copied aside) every bin runs in the same rounds.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const VECTORS = fileURLToPath(
  new URL('../../test-utils/fixtures/vectors/sealedsecret-4096/', import.meta.url),
);
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    warmups: { type: 'string', default: '2' },
    bin: { type: 'string', multiple: true, default: [join(PACKAGE_DIR, 'bin', 'kubeseal.js')] },
  },
});
const runs = Number(values.runs);
const warmups = Number(values.warmups);
const bins = values.bin.map((bin) => resolve(bin));

// The 3-key Secret the seal cases seal; the bench's cli section (bench/sections/cli.ts) seals the same file.
const SECRET_YAML = readFileSync(
  fileURLToPath(new URL('../../test-utils/fixtures/kubeseal/startup-secret.yaml', import.meta.url)),
  'utf8',
);

const work = mkdtempSync(join(tmpdir(), 'kubeseal-startup-'));
// A kubeconfig pointing nowhere, as a user's would be: offline modes must not need a cluster.
const kubeconfig = join(work, 'kubeconfig');
writeFileSync(
  kubeconfig,
  'apiVersion: v1\nkind: Config\nclusters:\n- name: none\n  cluster:\n    server: https://127.0.0.1:1\n' +
    'users:\n- name: none\n  user: {}\ncontexts:\n- name: none\n  context: {cluster: none, user: none, namespace: bench-ns}\n' +
    'current-context: none\n',
);
// The caller's environment, as a user's shell would pass it: NODE_EXTRA_CA_CERTS, for one, costs every Node process
// (the baseline too) tens of milliseconds. Run with `env -u NODE_EXTRA_CA_CERTS` to measure without it.
const env = { ...process.env, HOME: work, KUBECONFIG: kubeconfig };
const cert = join(VECTORS, 'tls.crt');
const key = join(VECTORS, 'tls.key');

function exec(args, input) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { input, env, cwd: work, encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0)
    throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.trim().slice(0, 300)}`);
  return { ms, stdout: r.stdout };
}

const sealedPath = join(work, 'sealed.yaml');
writeFileSync(sealedPath, exec([bins[0], '--cert', cert, '-o', 'yaml'], SECRET_YAML).stdout);

const cases = [{ id: 'node -e ""', args: ['-e', ''], input: '' }];
bins.forEach((bin, n) => {
  const tag = bins.length > 1 ? `[${n + 1}] ` : '';
  cases.push(
    { id: `${tag}--version`, args: [bin, '--version'], input: '' },
    {
      id: `${tag}seal 3-key Secret (--cert, -o yaml)`,
      args: [bin, '--cert', cert, '-o', 'yaml'],
      input: SECRET_YAML,
    },
    {
      id: `${tag}--raw (strict)`,
      args: [bin, '--raw', '--cert', cert, '--namespace', 'bench-ns', '--name', 'bench-secret'],
      input: 'correct-horse-battery-staple',
    },
    {
      id: `${tag}--recovery-unseal (-o yaml)`,
      args: [bin, '--recovery-unseal', '--recovery-private-key', key, '-o', 'yaml', '-f', sealedPath],
      input: '',
    },
  );
});

const before = loadavg();
const samples = new Map(cases.map((c) => [c.id, []]));
for (let round = 0; round < warmups + runs; round++) {
  for (const c of cases) {
    const { ms } = exec(c.args, c.input);
    if (round >= warmups) samples.get(c.id).push(ms);
  }
}
const after = loadavg();
rmSync(work, { recursive: true, force: true });

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' ');
const baseline = median(samples.get('node -e ""'));
bins.forEach((bin, n) => console.log(`bin${bins.length > 1 ? ` [${n + 1}]` : ''}: ${bin}`));
console.log(`node ${process.version}, ${runs} runs each (+${warmups} warm-up rounds), interleaved`);
console.log(`load average before: ${fmtLoad(before)}, after: ${fmtLoad(after)}`);
const nodeEnv = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'].filter((name) => process.env[name] !== undefined);
console.log(`Node environment variables set: ${nodeEnv.length === 0 ? 'none' : nodeEnv.join(', ')}`);
console.log('| command | median ms | min ms | × node -e "" |');
console.log('| --- | ---: | ---: | ---: |');
for (const c of cases) {
  const xs = samples.get(c.id);
  const m = median(xs);
  console.log(`| ${c.id} | ${m.toFixed(1)} | ${Math.min(...xs).toFixed(1)} | ${(m / baseline).toFixed(2)} |`);
}
