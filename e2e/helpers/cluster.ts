import { readFileSync } from 'node:fs';
import { CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { inject } from 'vitest';
import type { KubeEndpoint } from '../harness/kube-request.js';
import type { E2eCluster } from '../setup/provided-context.js';
import '../setup/provided-context.js';

/** Coordinates of the control plane started by the e2e globalSetup. */
export function e2eCluster(): E2eCluster {
  return inject('e2eCluster');
}

/** A KubeConfig for the admin user, or for one of the static users (E2E_USERS) when `user` is given. */
export function kubeConfig(user?: string): KubeConfig {
  const cluster = e2eCluster();
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  if (user !== undefined) {
    const token = cluster.tokens[user];
    if (token === undefined) throw new Error(`no static token for ${user}; add it to E2E_USERS`);
    kc.addUser({ name: user, token });
    kc.addContext({ name: user, cluster: kc.getCurrentCluster()?.name ?? 'ssts-e2e', user });
    kc.setCurrentContext(user);
  }
  return kc;
}

/** For raw requests with kubeRequest/kubeJson (e.g. through the service proxy). */
export function kubeEndpoint(user?: string): KubeEndpoint {
  const cluster = e2eCluster();
  const token = user === undefined ? cluster.token : cluster.tokens[user];
  if (token === undefined) throw new Error(`no static token for ${user ?? 'admin'}`);
  return { server: cluster.server, ca: readFileSync(cluster.caPath), token };
}

export function coreApi(user?: string): CoreV1Api {
  return kubeConfig(user).makeApiClient(CoreV1Api);
}

export function customObjectsApi(user?: string): CustomObjectsApi {
  return kubeConfig(user).makeApiClient(CustomObjectsApi);
}

export function objectApi(user?: string): KubernetesObjectApi {
  return KubernetesObjectApi.makeApiClient(kubeConfig(user));
}
