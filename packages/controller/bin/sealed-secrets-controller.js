#!/usr/bin/env node
import { readFileSync, statSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { setFlagsFromString } from 'node:v8';

// V8 grows the young generation with the allocation rate (to 32 MiB on Node 20, 64 MiB on Node 24 on a big
// machine); a controller's garbage is short-lived (watch events, responses), so it stays at its initial size: about
// 16 MiB less peak RSS at a 5 000-object start-up, for 0-13% more CPU in scavenges (README, Performance).
// `--semi-space-growth-factor` is read at each growth, unlike `--max-semi-space-size`, which only counts at start;
// a size given with `node --max-semi-space-size=N` or in NODE_OPTIONS is left alone.
const youngGenerationChosen = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some(
  (flag) => /^--(max|min)[-_]semi[-_]space[-_]size|^--semi[-_]space[-_]growth[-_]factor/.test(flag),
);
if (!youngGenerationChosen) setFlagsFromString('--semi-space-growth-factor=1');

// On Node >= 22 V8 optimizes hot code with Maglev before Turbofan; without Turbofan Maglev still does, and the
// process pages in less of the binary and keeps less compiled code: about 4-6 MiB less peak RSS at 5 000 objects for
// a few % more CPU (README, Performance, eighth pass). `node --turbofan <this file>` keeps Turbofan (NODE_OPTIONS
// refuses the flag; in the chart, the `command` value); a choice made with `--(no-)turbofan`/`--(no-)maglev` on the
// command line is left alone.
const compilerChosen = process.execArgv.some((flag) => /^--(no-)?(turbofan|maglev)$/.test(flag));
if (!compilerChosen && Number(process.versions.node.split('.')[0]) >= 22) setFlagsFromString('--no-turbofan');

// Node >= 22.1 keeps compiled code on disk between runs (in the temporary directory; off with
// NODE_DISABLE_COMPILE_CACHE=1), which speeds up a restarted container; Node 20 has no such cache and skips this.
nodeModule.enableCompileCache?.();

// dist/bundle/ (scripts/bundle.mjs, made by `pnpm build`) starts about twice as fast as dist/'s ~400 modules. A bare
// `tsc -b` does not refresh it, so dist/main.js is used when the bundle is missing or older than the last
// compilation of this package or of a workspace package it bundles, instead of running stale code.
const mtime = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const bundled = mtime('../dist/bundle/main.js');
const compiled = ['controller', 'core', 'flags', 'kube', 'template'].map(
  (p) => `../../${p}/dist/.tsbuildinfo`,
);
const fresh = bundled > 0 && bundled >= Math.max(mtime('../dist/.tsbuildinfo'), ...compiled.map(mtime));
const { runController } = fresh ? await import('../dist/bundle/main.js') : await import('../dist/main.js');

// The only place that touches process signals and exit codes.
const stop = new globalThis.AbortController();
process.once('SIGTERM', () => stop.abort());
// Upstream only handles SIGTERM; SIGINT is handled too so Ctrl-C stops an out-of-cluster run gracefully.
process.once('SIGINT', () => stop.abort());

// Like a `go install` build of upstream, which reports its module version (`v0.36.6`), and like our kubeseal.
const version =
  process.env['SEALED_SECRETS_VERSION_STAMP'] ||
  `v${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}`;

try {
  const code = await runController(process.argv.slice(2), process.env, {
    stdout: process.stdout,
    stderr: process.stderr,
    stopSignal: stop.signal,
    onKeyRequest: (listener) => process.on('SIGUSR1', listener),
    version,
  });
  process.exit(code);
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
