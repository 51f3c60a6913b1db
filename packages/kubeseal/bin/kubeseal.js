#!/usr/bin/env node
import { statSync } from 'node:fs';
import * as nodeModule from 'node:module';

// Node >= 22.1 keeps compiled code on disk between runs (off with NODE_DISABLE_COMPILE_CACHE=1); Node 20 has no
// such cache and skips this.
nodeModule.enableCompileCache?.();

// dist/bundle/ (scripts/bundle.mjs, made by `pnpm build`) starts much faster than dist/'s ~100 ES modules. A bare
// `tsc -b` (as some workspace scripts run) does not refresh it, so the compiled modules are used when the bundle is
// missing or older than the last compilation of this package, the core or the template engine, instead of running
// stale code.
const mtime = (path) => statSync(new URL(path, import.meta.url), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const bundled = mtime('../dist/bundle/kubeseal.js');
const compiled = ['../dist/.tsbuildinfo', '../../core/dist/.tsbuildinfo', '../../template/dist/.tsbuildinfo'];
const fresh = bundled > 0 && bundled >= Math.max(...compiled.map(mtime));

const { run, flushStdio, nodeIo } = fresh
  ? await import('../dist/bundle/kubeseal.js')
  : { ...(await import('../dist/main.js')), ...(await import('../dist/io/node-io.js')) };

const code = await run(process.argv.slice(2), nodeIo(), process.env);
await flushStdio();
process.exit(code);
