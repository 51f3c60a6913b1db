export { MAX_STATUS_MESSAGE_CHARS } from './errors.js';
export * from './text/index.js';
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
export { describeNetworkError } from './http/describe.js';
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
export * from './kubeconfig/index.js';
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
