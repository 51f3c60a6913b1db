import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as CoreModule from '../../packages/core/src/index.js';
import type * as HarnessModule from '../../e2e/harness/index.js';
import type * as KubeModule from '../../packages/kube/src/index.js';
import type * as KubeFilesModule from '../../packages/kube/src/files/index.js';

export type Core = typeof CoreModule;
export type Kube = typeof KubeModule;
export type KubeFiles = typeof KubeFilesModule;
export type Harness = typeof HarnessModule;

/** The repository root, from bench/lib/ (sources under vitest) or bench/dist/lib/ (compiled). */
export function repoRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.split('/').includes('dist') ? resolve(here, '..', '..', '..') : resolve(here, '..', '..');
}

export class WorkspaceError extends Error {
  readonly code = 'WORKSPACE_NOT_BUILT';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WorkspaceError';
  }
}

/** Absolute path of a built workspace file; a missing one means `pnpm build` (or `tsc -b bench`) did not run. */
export function builtFile(relative: string): string {
  const path = join(repoRoot(), relative);
  if (!existsSync(path))
    throw new WorkspaceError(`${relative} is missing; run \`pnpm build\` (pnpm bench builds it too)`);
  return path;
}

async function importBuilt<T>(relative: string): Promise<T> {
  const path = builtFile(relative);
  try {
    return (await import(pathToFileURL(path).href)) as T;
  } catch (error) {
    throw new WorkspaceError(
      `cannot load ${relative}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** @ssts/core from its built dist (the bench is not a workspace package, so it cannot import it by name). */
export function loadCore(): Promise<Core> {
  return importBuilt<Core>('packages/core/dist/index.js');
}

/** @ssts/kube (the API-server client) from its built dist. */
export function loadKube(): Promise<Kube> {
  return importBuilt<Kube>('packages/kube/dist/index.js');
}

/** `@ssts/kube/files` (a file written whole: temporary file and rename) from its built dist. */
export function loadKubeFiles(): Promise<KubeFiles> {
  return importBuilt<KubeFiles>('packages/kube/dist/files/index.js');
}

/** The e2e harness (control plane start/stop, service proxy) from its built dist. */
export function loadHarness(): Promise<Harness> {
  return importBuilt<Harness>('e2e/dist/harness/index.js');
}

export const KUBESEAL_BIN = 'packages/kubeseal/bin/kubeseal.js';
export const KUBESEAL_SEA_SCRIPT = 'packages/kubeseal/scripts/sea.mjs';
/** Builds the minimal single executables of Node's lower bound (kubeseal README, "Lower bound set by Node"). */
export const STARTUP_FLOOR_BUILD_SCRIPT = 'packages/kubeseal/scripts/startup-floor/build.mjs';
export const CONTROLLER_BIN = 'packages/controller/bin/sealed-secrets-controller.js';
