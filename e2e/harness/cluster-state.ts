import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '@ssts/kube/files';
import type { ComponentPids } from './control-plane.js';
import { cacheRoot } from './paths.js';

/** What `pnpm cluster:up` leaves behind for `pnpm cluster:down` and for reuse by the e2e suite. */
export interface ClusterState {
  kubeconfigPath: string;
  server: string;
  token: string;
  caPath: string;
  dir: string;
  tokens: Record<string, string>;
  pids: ComponentPids;
  /** Binary path per PID, checked before signalling so a recycled PID is never killed. */
  commands: Record<string, string>;
  startedAt: string;
}

export function clusterStatePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'cluster', 'state.json');
}

export function writeClusterState(state: ClusterState, path = clusterStatePath()): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicSync(path, `${JSON.stringify(state, null, 2)}\n`);
}

export function readClusterState(path = clusterStatePath()): ClusterState | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
}

export function removeClusterState(path = clusterStatePath()): void {
  rmSync(path, { force: true });
}
