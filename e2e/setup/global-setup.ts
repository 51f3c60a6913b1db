import { readFileSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.js';
import { readClusterState } from '../harness/cluster-state.js';
import { kubeRequest } from '../harness/kube-request.js';
import { E2E_USERS } from '../harness/users.js';
import type { E2eCluster } from './provided-context.js';
import './provided-context.js';

let controlPlane: ControlPlane | undefined;

/**
 * Starts one control plane per test run and provides its coordinates as `inject('e2eCluster')`; KUBECONFIG is
 * also exported for child processes spawned by the main process. SSTS_E2E_REUSE_CLUSTER=1 reuses the cluster
 * of `pnpm cluster:up` instead (fast local loops).
 */
export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  const log = (message: string): void => {
    process.stderr.write(`[e2e] ${message}\n`);
  };
  let cluster: E2eCluster | undefined;
  if (process.env['SSTS_E2E_REUSE_CLUSTER'] === '1') cluster = await reusableCluster();
  if (cluster === undefined) {
    controlPlane = await startControlPlane({ users: E2E_USERS, log });
    cluster = {
      kubeconfigPath: controlPlane.kubeconfigPath,
      server: controlPlane.server,
      token: controlPlane.token,
      caPath: controlPlane.caPath,
      tokens: { ...controlPlane.tokens },
      dir: controlPlane.dir,
    };
    log(`control plane up in ${Date.now() - started} ms at ${cluster.server}`);
  } else {
    log(`reusing the cluster of pnpm cluster:up at ${cluster.server}`);
  }
  process.env['KUBECONFIG'] = cluster.kubeconfigPath;
  project.provide('e2eCluster', cluster);
}

export async function teardown(): Promise<void> {
  await controlPlane?.stop();
  controlPlane = undefined;
}

async function reusableCluster(): Promise<E2eCluster | undefined> {
  const state = readClusterState();
  if (state === undefined) return undefined;
  const res = await kubeRequest(
    { server: state.server, ca: readFileSync(state.caPath), token: state.token },
    'GET',
    '/readyz',
  ).catch(() => undefined);
  if (res?.status !== 200) return undefined;
  return {
    kubeconfigPath: state.kubeconfigPath,
    server: state.server,
    token: state.token,
    caPath: state.caPath,
    tokens: state.tokens,
    dir: state.dir,
  };
}
