#!/usr/bin/env node
// Bundles the compiled CLI (dist/, from `tsc -b`) into dist/bundle/ so `bin/kubeseal.js` starts by reading a few
// files instead of ~100 ES modules. Modes stay lazily loaded chunks; @kubernetes/client-node stays external and is
// still reached only through the `import()` of the cluster modes.
//
//   node packages/kubeseal/scripts/bundle.mjs        (run by `pnpm build` at the root, after tsc -b)
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { analyzeMetafile, build } from 'esbuild';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('../dist/bundle/', import.meta.url));

/** Dependencies that are never bundled: the cluster client (large, online modes only). */
const EXTERNAL = ['@kubernetes/client-node'];
const CORE_DIST = fileURLToPath(new URL('../../core/dist/', import.meta.url));

/**
 * The core's modules have no top-level side effects, but its package.json does not say so; without this esbuild
 * keeps every module `@ssts/core` re-exports (the Go-template engine too) in the chunk that sealing loads.
 */
const coreIsPure = {
  name: 'core-is-pure',
  setup(b) {
    b.onResolve({ filter: /^(\.\.?\/|@ssts\/core$)/ }, async (args) => {
      if (args.pluginData === 'core-is-pure') return undefined;
      if (args.path !== '@ssts/core' && !args.importer.startsWith(CORE_DIST)) return undefined;
      const resolved = await b.resolve(args.path, {
        importer: args.importer,
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'core-is-pure',
      });
      return resolved.errors.length > 0 ? undefined : { path: resolved.path, sideEffects: false };
    });
  },
};

/** commander requires node:child_process at load time only to run git-style subcommands, which kubeseal has none of. */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('/commander/')
        ? { path: 'child_process', namespace: 'lazy-child-process' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "module.exports = { get spawn() { return require('node:child_process').spawn; } };",
      loader: 'js',
    }));
  },
};

await rm(OUT_DIR, { recursive: true, force: true });
const result = await build({
  stdin: {
    contents:
      "export { run } from './dist/main.js';\nexport { flushStdio, nodeIo } from './dist/io/node-io.js';\n",
    resolveDir: PACKAGE_DIR,
    sourcefile: 'kubeseal-entry.js',
    loader: 'js',
  },
  outdir: OUT_DIR,
  entryNames: 'kubeseal',
  chunkNames: '[name]-[hash]',
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // The same conditions Node uses for an ESM import, so every dependency resolves to the file Node would load.
  conditions: ['node', 'import', 'default'],
  external: EXTERNAL,
  // Bundled CommonJS dependencies (commander) call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __kubesealCreateRequire } from 'node:module';\nconst require = __kubesealCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  plugins: [coreIsPure, lazyChildProcess],
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
});

const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const bytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`kubeseal bundle: ${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB in dist/bundle/`);
if (process.argv.includes('--analyze')) console.log(await analyzeMetafile(result.metafile));
