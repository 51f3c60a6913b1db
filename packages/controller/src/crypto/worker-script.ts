import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

let bundled: URL | undefined;

/**
 * The script of the unseal worker threads. Built, it is `unseal-worker.js` next to this module (tsc compiles
 * both to dist/crypto/). Run from the TypeScript sources (vitest, with the `@ssts/source` condition) there is no
 * such file and Node cannot run the sources in a thread, so the worker and the core sources it imports are
 * bundled once per process with esbuild (a dev dependency, never loaded from dist/) into a temporary ES module.
 * Either way the worker runs the current code.
 */
export function unsealWorkerScript(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./unseal-worker.js', import.meta.url);
  bundled ??= bundleFromSources(fileURLToPath(new URL('./unseal-worker.ts', import.meta.url)));
  return bundled;
}

interface Esbuild {
  buildSync(options: Record<string, unknown>): unknown;
}

function bundleFromSources(entry: string): URL {
  const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  const dir = mkdtempSync(join(tmpdir(), 'ssts-unseal-worker-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const outfile = join(dir, 'unseal-worker.mjs');
  esbuild.buildSync({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@ssts/source'],
    logLevel: 'error',
  });
  return pathToFileURL(outfile);
}
