import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root, found relative to this file (works from harness/ and from dist/harness/). */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? join(here, '..', '..', '..') : join(here, '..', '..');
}

/** Per-user cache outside the repository; CI runs in a fresh clone, so only this survives between runs. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env['SSTS_CACHE_DIR']) return env['SSTS_CACHE_DIR'];
  const xdg = env['XDG_CACHE_HOME'] || join(homedir(), '.cache');
  return join(xdg, 'sealed-secrets-ts');
}

export const CRD_FILES = ['charts/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml'];
