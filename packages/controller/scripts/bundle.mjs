#!/usr/bin/env node
// Bundles the compiled controller (dist/, from `tsc -b`) into dist/bundle/ for `bin/sealed-secrets-controller.js`:
// a few files to read and compile at start instead of ~400 ES and CommonJS modules (ours, fastify, pino,
// prom-client, yaml), so /healthz answers sooner after a (re)start. Entries: main.js (runController) and
// unseal-worker.js (the decrypt pool's thread script, found next to the module that starts it); lazily loaded code
// (the template engine, proxy agents, the kubeconfig YAML reader) stays in chunks loaded on first use.
//
//   node packages/controller/scripts/bundle.mjs        (run by `pnpm build` at the root, after tsc -b)
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { analyzeMetafile, build } from 'esbuild';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('../dist/bundle/', import.meta.url));
const CORE_DIST = fileURLToPath(new URL('../../core/dist/', import.meta.url));

/**
 * @kubernetes/client-node (0.5 s and 70 MiB, only for kubeconfig exec/auth-provider plugins) is not bundled. It is
 * a dependency of @ssts/kube, not of this package, so a bare import from dist/bundle/ would not find it in pnpm's
 * layout (nor in the image's `pnpm deploy` layout): it is resolved from @ssts/kube at run time, on first use.
 */
const clientNodeFromKube = {
  name: 'client-node-from-kube',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({
      path: 'client-node',
      namespace: 'client-node-from-kube',
    }));
    b.onLoad({ filter: /.*/, namespace: 'client-node-from-kube' }, () => ({
      contents: [
        "import { createRequire } from 'node:module';",
        "import { pathToFileURL } from 'node:url';",
        "const fromKube = createRequire(createRequire(import.meta.url).resolve('@ssts/kube/package.json'));",
        "const clientNode = await import(pathToFileURL(fromKube.resolve('@kubernetes/client-node')).href);",
        'export const KubeConfig = clientNode.KubeConfig;',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * The core loads node-forge (certificate generation, only for a new key) with `createRequire(import.meta.url)`,
 * which from dist/bundle/ would look in this package's dependencies, where pnpm does not put it. It stays out of
 * the bundle (400 KiB to compile at every start) and is required from @ssts/core's own directory on first use.
 */
const forgeFromCore = {
  name: 'forge-from-core',
  setup(b) {
    b.onLoad({ filter: /[/\\]keys[/\\]forge-certificate\.js$/ }, async (args) => {
      if (!args.path.startsWith(CORE_DIST)) return undefined;
      const source = await readFile(args.path, 'utf8');
      const lazy = "createRequire(import.meta.url)('node-forge')";
      if (!source.includes(lazy)) throw new Error(`${args.path} no longer loads node-forge as "${lazy}"`);
      const fromCore =
        "createRequire(createRequire(import.meta.url).resolve('@ssts/core/package.json'))('node-forge')";
      return { contents: source.replace(lazy, fromCore), loader: 'js' };
    });
  },
};

/** The core's modules have no top-level side effects (as in kubeseal's bundle): unused re-exports are dropped. */
const coreIsPure = {
  name: 'core-is-pure',
  setup(b) {
    b.onResolve({ filter: /^(\.\.?\/|@ssts\/core(\/unseal)?$)/ }, async (args) => {
      if (args.pluginData === 'core-is-pure') return undefined;
      if (!args.path.startsWith('@ssts/core') && !args.importer.startsWith(CORE_DIST)) return undefined;
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

await rm(OUT_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: {
    main: `${PACKAGE_DIR}dist/main.js`,
    'unseal-worker': `${PACKAGE_DIR}dist/crypto/unseal-worker.js`,
  },
  bundle: true,
  platform: 'node',
  target: 'node20.19',
  format: 'esm',
  // The conditions Node uses for an ESM import, so every dependency resolves to the file Node would load.
  conditions: ['node', 'import', 'default'],
  splitting: true,
  outdir: OUT_DIR,
  chunkNames: '[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  // Non-ASCII characters escaped: Node 24 keeps a module's source outside V8's heap as a two-byte string when it has
  // any (main.js: 2.5 MiB for 1.3 MB of text, for one name in a licence comment), one byte per character otherwise.
  // Licence comments, which esbuild never escapes, go to <file>.LEGAL.txt beside each file.
  charset: 'ascii',
  legalComments: 'linked',
  // Bundled CommonJS dependencies (fastify, pino, prom-client) get a real require() for Node's modules.
  banner: {
    js: "import { createRequire as __controllerCreateRequire } from 'node:module';\nconst require = __controllerCreateRequire(import.meta.url);",
  },
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  plugins: [clientNodeFromKube, forgeFromCore, coreIsPure],
});

const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
for (const [file] of outputs) {
  // eslint-disable-next-line no-control-regex -- the check is for anything outside ASCII
  if (/[^\x00-\x7f]/.test(await readFile(file, 'utf8')))
    throw new Error(`${file} is not ASCII (see charset above)`);
}
const bytes = outputs.reduce((sum, [, o]) => sum + o.bytes, 0);
console.log(`controller bundle: ${outputs.length} files, ${(bytes / 1024).toFixed(0)} KiB in dist/bundle/`);
if (process.argv.includes('--analyze')) console.log(await analyzeMetafile(result.metafile));
