// `@ssts/kube/kubeconfig`: kubeconfig loading, namespace resolution and the error types, without the HTTP client,
// so a program can resolve a namespace without loading node:http/node:https (kubeseal's offline start-up).
export {
  KubeconfigLoader,
  inClusterNamespace,
  loadRestConfig,
  resolveNamespace,
  SERVICE_ACCOUNT_DIR,
  MAX_CREDENTIAL_FILE_BYTES,
  type RestConfig,
  type ResolvedNamespace,
} from './client-config.js';
export { loadKubeconfigFiles, kubeconfigPaths, MAX_KUBECONFIG_BYTES } from './files.js';
export { EMPTY_CONFIG_MESSAGE, EmptyConfigError } from './select.js';
export type {
  Env,
  ReadFile,
  EntryFields,
  MergedKubeconfig,
  KubeconfigOverrides,
  KubeAccessOptions,
} from './types.js';
export {
  KubeError,
  isKubeError,
  kubeErrorFromResponse,
  kubeErrorFromBody,
  describeFailedResponse,
  MAX_STATUS_CAUSES,
  type KubeErrorCode,
  type KubeErrorOptions,
  type StatusCause,
} from '../errors.js';
