export { applyManifest, parseManifest, type ApplyOptions } from './apply-manifest.js';
export { coreApi, customObjectsApi, e2eCluster, kubeConfig, kubeEndpoint, objectApi } from './cluster.js';
export { createTestNamespace, type TestNamespaceOptions } from './namespace.js';
export { waitFor, type WaitForOptions } from '../harness/wait-for.js';
export {
  exposeReplicasViaServiceProxy,
  exposeViaServiceProxy,
  type ServiceProxyExposure,
  type ServiceProxyReplicas,
} from '../harness/service-proxy.js';
export { kubeJson, kubeRequest } from '../harness/kube-request.js';
export { ControlPlaneError, KubeApiError } from '../harness/errors.js';
export { acquireClusterLock, KUBE_SYSTEM_CONTROLLER } from './cluster-lock.js';
