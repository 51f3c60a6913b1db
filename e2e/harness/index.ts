export { ensureBinaries, type ControlPlaneBinaries } from './binaries.js';
export {
  CHROMIUM_FLAGS,
  CHROMIUM_PATH,
  launchChromium,
  type Chromium,
  type ChromiumOptions,
} from './chromium.js';
export {
  startControlPlane,
  stopControlPlanePids,
  DEFAULT_CONTROLLERS,
  type ComponentPids,
  type ControlPlane,
  type ControlPlaneOptions,
  type ControlPlanePorts,
} from './control-plane.js';
export { installCrds, waitForCrdEstablished } from './crds.js';
export { ControlPlaneError, KubeApiError, type ControlPlaneErrorCode } from './errors.js';
export { renderKubeconfig, writeKubeconfig, type KubeconfigOptions } from './kubeconfig.js';
export {
  kubeJson,
  kubeRequest,
  type KubeEndpoint,
  type KubeRequestOptions,
  type KubeResponse,
} from './kube-request.js';
export {
  createNetns,
  deleteNetns,
  linkExists,
  netnsExists,
  type CreateNetnsOptions,
  type NetnsLink,
} from './netns.js';
export { forwardLoopbackPortIntoNetns, type NetnsForward } from './netns-forward.js';
export { cacheRoot, repoRoot, CRD_FILES } from './paths.js';
export { ADMIN_USER, generatePki, type Pki, type StaticUser } from './pki.js';
export { freePort, freePorts } from './ports.js';
export {
  pidAlive,
  startProcess,
  stopPid,
  tailFile,
  type ManagedProcess,
  type StartProcessOptions,
} from './processes.js';
export {
  exposeReplicasViaServiceProxy,
  exposeViaServiceProxy,
  type ExposeViaServiceProxyOptions,
  type NetnsStartContext,
  type ServiceProxyExposure,
  type ServiceProxyReplica,
  type ServiceProxyReplicas,
} from './service-proxy.js';
export {
  clusterStatePath,
  readClusterState,
  removeClusterState,
  writeClusterState,
  type ClusterState,
} from './cluster-state.js';
export {
  UPSTREAM_BUILD_TIMEOUT_MS,
  defaultUpstreamVersion,
  prepareInCluster,
  upstreamBinaries,
  type InCluster,
  type InClusterIdentity,
  type UpstreamBinaries,
} from './upstream.js';
export { E2E_USERS } from './users.js';
export { waitFor, type WaitForOptions } from './wait-for.js';
