import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under packages/test-utils/fixtures. */
export function fixturePath(...segments: string[]): string {
  return fileURLToPath(new URL(['..', 'fixtures', ...segments].join('/'), import.meta.url));
}

export function readFixture(...segments: string[]): string {
  return readFileSync(fixturePath(...segments), 'utf8');
}

export function readJsonFixture<T = unknown>(...segments: string[]): T {
  return JSON.parse(readFixture(...segments)) as T;
}

/** The RSA-4096 SealedSecret vectors made by an independent implementation (see fixtures/vectors/README.md). */
export const VECTOR_4096_DIR = fixturePath('vectors', 'sealedsecret-4096');

export * from './hostile-templates.js';
