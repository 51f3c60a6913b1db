#!/usr/bin/env node
// Bundles the compiled CLI (dist/, from `tsc -b`) twice:
// - dist/bundle/: ES modules for `bin/kubeseal.js`, which starts by reading a few files instead of ~100 ES modules.
//   Modes stay lazily loaded chunks; @kubernetes/client-node stays external and is still reached only through the
//   `import()` of the cluster modes.
// - dist/snapshot/kubeseal.cjs: one CommonJS script, the entry of the V8 start-up snapshot (scripts/snapshot-entry.js;
//   a snapshot cannot load user-land modules). @kubernetes/client-node is replaced by a module that explains it is
//   not included (the single executable, scripts/sea.mjs, has no node_modules).
//
//   node packages/kubeseal/scripts/bundle.mjs        (run by `pnpm build` at the root, after tsc -b)
import { rm } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeMetafile, build } from 'esbuild';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
const SNAPSHOT_DIR = fileURLToPath(new URL('../dist/snapshot/', import.meta.url));

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

/**
 * In the snapshot script: the one module that is not bundled. The single executable cannot load it from disk, so the
 * commands that need it fail with a message that says why, instead of Node's "Cannot find module".
 */
const clientNodeNotIncluded = {
  name: 'client-node-not-included',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({
      path: 'client-node',
      namespace: 'client-node-not-included',
    }));
    b.onLoad({ filter: /.*/, namespace: 'client-node-not-included' }, () => ({
      // CommonJS, so that importing any name from it is allowed at build time; requiring it throws.
      contents:
        "module.exports = {}; throw new Error('this command needs @kubernetes/client-node, which the kubeseal " +
        "single executable does not include; install the npm package (npm install -g) to use it');",
      loader: 'js',
    }));
  },
};

/**
 * In the snapshot script: rare-path subgraphs that share no module with the rest, each pre-bundled into one CommonJS
 * module. esbuild hoists every function declaration of a bundled ES module to the script's top level, so each becomes
 * a closure, a SharedFunctionInfo and a name in the snapshot even when the module never runs; inside a CommonJS
 * wrapper they stay source text until the first `import()` (measured in the README, "Where kubeseal's own snapshot
 * heap goes"). Their own copies of the few small modules they share with the rest (@ssts/flags' Go duration, the
 * template package's text helpers) hold no state.
 */
const LAZY_LEAVES = [
  // The Go-template engine with re2js: only `--recovery-unseal` of a SealedSecret with templates.
  fileURLToPath(new URL('../../template/dist/index.js', import.meta.url)),
  // hpagent and socks-proxy-agent: only with a proxy in the environment or the kubeconfig.
  fileURLToPath(new URL('../../kube/dist/http/proxy-agents.js', import.meta.url)),
];
const lazyLeaves = {
  name: 'lazy-leaves',
  setup(b) {
    b.onResolve({ filter: /^(@ssts\/template|\.\/proxy-agents\.js)$/ }, async (args) => {
      if (args.pluginData === 'lazy-leaves') return undefined;
      const resolved = await b.resolve(args.path, {
        importer: args.importer,
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'lazy-leaves',
      });
      if (resolved.errors.length > 0 || !LAZY_LEAVES.includes(resolved.path)) return undefined;
      // Named relative to the package: the name stays in the script, and no build machine's path may.
      return { path: relative(PACKAGE_DIR, resolved.path), namespace: 'lazy-leaf' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-leaf' }, async (args) => {
      const path = resolve(PACKAGE_DIR, args.path);
      const leaf = await build({
        ...COMMON,
        entryPoints: [path],
        format: 'cjs',
        write: false,
        metafile: false,
      });
      return { contents: leaf.outputFiles[0].text, loader: 'js', resolveDir: dirname(path) };
    });
  },
};

/** What both bundles share: Node's resolution conditions, the target and the minification. */
const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  // The same conditions Node uses for an ESM import, so every dependency resolves to the file Node would load.
  conditions: ['node', 'import', 'default'],
  minifyWhitespace: true,
  minifySyntax: true,
  metafile: true,
  logLevel: 'warning',
};

await rm(OUT_DIR, { recursive: true, force: true });
await rm(SNAPSHOT_DIR, { recursive: true, force: true });
const result = await build({
  ...COMMON,
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
  splitting: true,
  format: 'esm',
  external: EXTERNAL,
  // Bundled CommonJS dependencies (yaml) get a real require() for anything esbuild leaves to run time.
  banner: {
    js: "import { createRequire as __kubesealCreateRequire } from 'node:module';\nconst require = __kubesealCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  plugins: [coreIsPure],
});

const snapshot = await build({
  ...COMMON,
  entryPoints: [fileURLToPath(new URL('./snapshot-entry.js', import.meta.url))],
  outfile: `${SNAPSHOT_DIR}kubeseal.cjs`,
  format: 'cjs',
  plugins: [coreIsPure, clientNodeNotIncluded, lazyLeaves],
  // The core's certificate generator (not used by kubeseal) finds node-forge through import.meta.url, which a
  // CommonJS script does not have; the call is never reached.
  logOverride: { 'empty-import-meta': 'silent' },
});

const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
const bytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`kubeseal bundle: ${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB in dist/bundle/`);
const snapshotBytes = Object.values(snapshot.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(
  `kubeseal snapshot script: ${(snapshotBytes / 1024).toFixed(0)} KiB in dist/snapshot/kubeseal.cjs`,
);
if (process.argv.includes('--analyze')) {
  console.log(await analyzeMetafile(result.metafile));
  console.log(await analyzeMetafile(snapshot.metafile));
}
