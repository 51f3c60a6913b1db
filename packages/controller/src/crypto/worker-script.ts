import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeFileAtomicSync } from '@ssts/kube/files';

let bundled: URL | undefined;

/**
 * The script of the unseal worker threads. Built, it is `unseal-worker.js` next to this module (tsc compiles
 * both to dist/crypto/). Run from the TypeScript sources (vitest, with the `@ssts/source` condition) there is no
 * such file and Node cannot run the sources in a thread, so the worker and the core sources it imports are
 * bundled once per process with esbuild (a dev dependency, never loaded from dist/) into an ES module named by the
 * hash of its content under the temporary directory: test processes share it and nothing needs cleaning up.
 * Either way the worker runs the current code.
 */
export function unsealWorkerScript(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./unseal-worker.js', import.meta.url);
  bundled ??= bundleFromSources(fileURLToPath(new URL('./unseal-worker.ts', import.meta.url)));
  return bundled;
}

interface Esbuild {
  buildSync(options: Record<string, unknown>): { outputFiles?: { text: string }[] };
}

function bundleFromSources(entry: string): URL {
  const esbuild = createRequire(import.meta.url)('esbuild') as Esbuild;
  const { outputFiles } = esbuild.buildSync({
    entryPoints: [entry],
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['@ssts/source'],
    logLevel: 'error',
  });
  const text = outputFiles?.[0]?.text ?? '';
  const dir = join(tmpdir(), 'ssts-unseal-worker');
  const file = join(dir, `${createHash('sha256').update(text).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: a concurrent test process sees the whole file or none.
    writeFileAtomicSync(file, text, { mode: 0o644 });
  }
  return pathToFileURL(file);
}
