export {
  KubeError,
  isKubeError,
  kubeErrorFromResponse,
  kubeErrorFromBody,
  describeFailedResponse,
  MAX_STATUS_MESSAGE_CHARS,
  type KubeErrorCode,
} from './errors.js';
export { escapeControlCharacters, safeText } from './text.js';
export { describeFsError } from './fs-error.js';
export { errorMessage } from './error-message.js';
export { TokenBucket, rateLimiter, DEFAULT_QPS, type RateLimiter } from './rate-limit.js';
export {
  sendRequest,
  openStream,
  formatBytes,
  INACTIVITY_TIMEOUT_MS,
  DEFAULT_MAX_ERROR_BODY_BYTES,
  type HttpRequest,
  type HttpResponse,
  type HttpStream,
  type TlsSettings,
} from './http/request.js';
export { describeNetworkError, formatDuration } from './http/describe.js';
export { proxyFor, proxyAgent, bypassesProxy } from './http/proxy.js';
export { LineSplitter } from './http/lines.js';
export {
  KubeClient,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_WATCH_LINE_BYTES,
  DEFAULT_MAX_RETRIES,
  MAX_RETRY_AFTER_SECONDS,
  type KubeClientOptions,
  type KubeRequestOptions,
  type KubeResponse,
  type RawWatchEvent,
  type WatchOptions,
} from './client.js';
export {
  KubeconfigLoader,
  inClusterNamespace,
  loadRestConfig,
  resolveNamespace,
  SERVICE_ACCOUNT_DIR,
  MAX_CREDENTIAL_FILE_BYTES,
  type RestConfig,
  type ResolvedNamespace,
} from './kubeconfig/client-config.js';
export { loadKubeconfigFiles, kubeconfigPaths, MAX_KUBECONFIG_BYTES } from './kubeconfig/files.js';
export { EMPTY_CONFIG_MESSAGE, EmptyConfigError } from './kubeconfig/select.js';
export type {
  Env,
  ReadFile,
  EntryFields,
  MergedKubeconfig,
  KubeconfigOverrides,
  KubeAccessOptions,
} from './kubeconfig/types.js';
export {
  bearerToken,
  basicAuth,
  tokenFile,
  noCredentials,
  TOKEN_FILE_REFRESH_MS,
  type Credentials,
  type AppliedCredentials,
} from './auth/credentials.js';
export { pluginLoads, PLUGIN_CACHE_MS } from './auth/plugin.js';
