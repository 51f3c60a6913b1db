#!/usr/bin/env node
// Packs kubeseal as an npm package that installs anywhere with `npm install -g <tarball>`, without the workspace:
// the package holds bin/kubeseal.js and the esbuild bundle (dist/bundle/, made by `pnpm build`), which already
// inlines @ssts/core, @ssts/flags, @ssts/template and yaml, so it has no registry dependency. @kubernetes/client-node stays an
// optional dependency: npm installs it by default and the online modes load it lazily; `--omit=optional` gives a
// zero-dependency install whose offline modes all work (an online command then fails naming the missing package).
//
//   node packages/kubeseal/scripts/pack.mjs [--out <dir>]     (default packages/kubeseal/release/)
//
// Prints the tarball's path on the last line of stdout.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({
  options: { out: { type: 'string', default: join(PACKAGE_DIR, 'release') } },
});

const mtime = (path) => statSync(join(PACKAGE_DIR, path), { throwIfNoEntry: false })?.mtimeMs ?? 0;
const bundled = mtime('dist/bundle/kubeseal.js');
// The same freshness rule as bin/kubeseal.js: a bundle older than the last compilation would ship stale code.
const compiled = ['dist/.tsbuildinfo', '../core/dist/.tsbuildinfo', '../template/dist/.tsbuildinfo'].map(
  mtime,
);
if (bundled === 0 || bundled < Math.max(...compiled)) {
  console.error('pack: dist/bundle/ is missing or older than the last `tsc -b`; run `pnpm build` first');
  process.exit(1);
}

const source = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8'));
const manifest = {
  name: source.name,
  version: source.version,
  description: source.description,
  type: 'module',
  bin: source.bin,
  files: ['bin', 'dist/bundle', '!dist/bundle/*.map'],
  engines: source.engines,
  optionalDependencies: {
    '@kubernetes/client-node': source.dependencies['@kubernetes/client-node'],
  },
};

const out = resolve(values.out);
mkdirSync(out, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), 'kubeseal-pack-'));
try {
  cpSync(join(PACKAGE_DIR, 'bin'), join(stage, 'bin'), { recursive: true });
  cpSync(join(PACKAGE_DIR, 'dist', 'bundle'), join(stage, 'dist', 'bundle'), { recursive: true });
  cpSync(join(PACKAGE_DIR, 'README.md'), join(stage, 'README.md'));
  writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', out], {
      cwd: stage,
      encoding: 'utf8',
      // Run from `pnpm`, the environment carries pnpm's own npm_config_* settings, which npm warns about.
      env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name))),
    }),
  )[0];
  const tarball = join(out, packed.filename);
  console.log(
    `kubeseal npm package: ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KiB packed, ` +
      `${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked`,
  );
  console.log(tarball);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
