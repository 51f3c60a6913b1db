#!/usr/bin/env node
// Builds the sealing page into dist/site/ (run by the root `pnpm build`):
//   dist/site/index.html   the page (no inline script or style)
//   dist/site/ui/app.js    src/page/main.ts and what it imports (the core's envelope, kubeseal's output format,
//                          yaml), one minified file
//   dist/site/ui/app.css   src/site/app.css, minified
//   dist/site/ui/icon.svg
// The folder is self-contained: the controller serves it (`--web-ui`), and it works from any static host.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Buffer } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES_DIR = fileURLToPath(new URL('../../', import.meta.url));
export const SITE_DIR = join(PACKAGE_DIR, 'dist', 'site');

/**
 * The core and kubeseal have no top-level side effects but do not say so in package.json; without this, esbuild
 * keeps every module `@ssts/core` re-exports, node:crypto imports included.
 */
const workspaceSourcesArePure = {
  name: 'workspace-sources-are-pure',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'pure' || args.kind === 'entry-point') return undefined;
      const resolved = await b.resolve(args.path, {
        importer: args.importer,
        resolveDir: args.resolveDir,
        kind: args.kind,
        pluginData: 'pure',
      });
      if (resolved.errors.length > 0) return undefined;
      const inWorkspace = /\/packages\/(core|kubeseal)\/src\//.test(resolved.path);
      return inWorkspace ? { ...resolved, sideEffects: false } : resolved;
    });
  },
};

/** Node built-ins may be named by modules the page does not use; any that survives tree-shaking fails the build. */
const nodeBuiltinsAreExternal = {
  name: 'node-builtins-are-external',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * kubeseal's renderer loads `yaml` through its io/yaml.js, which also re-exports the parser (the CLI reads YAML
 * too). A dynamic import keeps every export, so the page gets a module with `stringify` only: 50 KB instead of
 * 120 KB. If the renderer ever needs more from io/yaml.js, this build fails instead of shipping a broken page.
 */
const yamlStringifyOnly = {
  name: 'yaml-stringify-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/io\/yaml\.js$/ }, (args) =>
      /\/packages\/kubeseal\/src\/format\//.test(args.importer)
        ? { path: 'yaml-stringify', namespace: 'yaml-stringify-only', pluginData: args.resolveDir }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'yaml-stringify-only' }, (args) => ({
      contents: "export { stringify } from 'yaml';",
      resolveDir: args.pluginData,
      loader: 'js',
    }));
  },
};

/** Builds the site into `outDir` and returns the files written with their sizes. */
export async function buildSite(outDir = SITE_DIR) {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'ui'), { recursive: true });
  const script = await build({
    entryPoints: [join(PACKAGE_DIR, 'src/page/main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    conditions: ['@ssts/source', 'browser'],
    minify: true,
    legalComments: 'none',
    metafile: true,
    write: false,
    plugins: [nodeBuiltinsAreExternal, yamlStringifyOnly, workspaceSourcesArePure],
    // The core's certificate module (dropped by tree-shaking, see above) reads import.meta; nothing of it ships.
    logOverride: { 'empty-import-meta': 'silent' },
    logLevel: 'warning',
  });
  const js = script.outputFiles[0]?.text ?? '';
  const leftovers = Object.values(script.metafile.outputs)
    .flatMap((output) => output.imports)
    .filter((imported) => imported.external)
    .map((imported) => imported.path);
  if (leftovers.length > 0) throw new Error(`the page bundle still imports ${leftovers.join(', ')}`);
  const css = await build({
    entryPoints: [join(PACKAGE_DIR, 'src/site/app.css')],
    bundle: true,
    minify: true,
    write: false,
    logLevel: 'warning',
  });
  const files = {
    'index.html': await readFile(join(PACKAGE_DIR, 'src/site/index.html'), 'utf8'),
    'ui/app.js': js,
    'ui/app.css': css.outputFiles[0]?.text ?? '',
    'ui/icon.svg': await readFile(join(PACKAGE_DIR, 'src/site/icon.svg'), 'utf8'),
  };
  const written = [];
  for (const [name, text] of Object.entries(files)) {
    await writeFile(join(outDir, name), text);
    const bytes = Buffer.byteLength(text);
    written.push({ name, bytes, gzipBytes: gzipSync(text, { level: 9 }).length });
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const written = await buildSite();
  const total = written.reduce((sum, f) => sum + f.bytes, 0);
  const gzip = written.reduce((sum, f) => sum + f.gzipBytes, 0);
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(
    `web site: ${written.length} files, ${kib(total)} (${kib(gzip)} gzipped) in ${SITE_DIR.replace(PACKAGES_DIR, 'packages/')}`,
  );
}
