/** What the e2e globalSetup hands to tests through vitest's provide/inject. */
export interface E2eCluster {
  kubeconfigPath: string;
  server: string;
  token: string;
  caPath: string;
  /** Bearer tokens of the static users (see E2E_USERS), by user name. */
  tokens: Record<string, string>;
  /** Working directory of the control plane; component logs are in run-<n>/<component>.log. */
  dir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eCluster: E2eCluster;
  }
}
