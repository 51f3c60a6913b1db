#!/usr/bin/env node
// Starts the e2e control plane (etcd, kube-apiserver, kube-controller-manager) in the background, detached
// from this command, and records it in <cache>/cluster/state.json for `pnpm cluster:down`.
// Run through `pnpm cluster:up`, which compiles the harness (e2e/dist) first.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cacheRoot,
  clusterStatePath,
  E2E_USERS,
  kubeRequest,
  readClusterState,
  removeClusterState,
  startControlPlane,
  writeClusterState,
} from '../e2e/dist/harness/index.js';

async function alive(state) {
  try {
    const res = await kubeRequest(
      { server: state.server, ca: readFileSync(state.caPath) },
      'GET',
      '/readyz',
      {
        timeoutMs: 3_000,
      },
    );
    return res.status === 200;
  } catch {
    return false;
  }
}

const existing = readClusterState();
if (existing !== undefined && (await alive(existing))) {
  console.log(`cluster already running at ${existing.server}`);
  console.log(`KUBECONFIG=${existing.kubeconfigPath}`);
  process.exit(0);
}
if (existing !== undefined) removeClusterState();

const baseDir = join(cacheRoot(), 'cluster');
mkdirSync(baseDir, { recursive: true });
const started = Date.now();
try {
  const cp = await startControlPlane({
    detached: true,
    users: E2E_USERS,
    baseDir,
    log: (message) => console.error(`cluster:up: ${message}`),
  });
  const commands = { [cp.pids.etcd]: cp.binaries.etcd, [cp.pids.kubeApiserver]: cp.binaries.kubeApiserver };
  if (cp.pids.kubeControllerManager !== undefined) {
    commands[cp.pids.kubeControllerManager] = cp.binaries.kubeControllerManager;
  }
  writeClusterState({
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    token: cp.token,
    caPath: cp.caPath,
    dir: cp.dir,
    tokens: { ...cp.tokens },
    pids: cp.pids,
    commands,
    startedAt: new Date().toISOString(),
  });
  console.error(
    `cluster:up: ready in ${Date.now() - started} ms; logs in ${cp.dir}; state in ${clusterStatePath()}`,
  );
  console.error(
    'cluster:up: stop it with `pnpm cluster:down`; the e2e suite reuses it with SSTS_E2E_REUSE_CLUSTER=1',
  );
  console.log(`KUBECONFIG=${cp.kubeconfigPath}`);
} catch (error) {
  console.error(`cluster:up: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
