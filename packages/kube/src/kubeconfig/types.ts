/** Environment variables as read (KUBECONFIG, HOME, KUBERNETES_SERVICE_HOST, POD_NAMESPACE, proxies). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads a whole file; errors carry Node's `code` (ENOENT, …). Injectable so CLIs can run in memory. */
export type ReadFile = (path: string) => Promise<Buffer>;

/** A kubeconfig map entry's fields as written in the file (relative paths already made absolute). */
export type EntryFields = Readonly<Record<string, unknown>>;

/** The merged kubeconfig files. */
export interface MergedKubeconfig {
  readonly currentContext: string;
  readonly clusters: ReadonlyMap<string, EntryFields>;
  readonly contexts: ReadonlyMap<string, EntryFields>;
  readonly users: ReadonlyMap<string, EntryFields>;
  /** Files that were read, in precedence order. */
  readonly files: readonly string[];
}

/**
 * client-go's standard override flags (kubectl's `--context`, `--server`, …). Empty strings mean "not given", as
 * the flags' defaults are.
 */
export interface KubeconfigOverrides {
  readonly context?: string;
  readonly cluster?: string;
  readonly user?: string;
  readonly namespace?: string;
  readonly server?: string;
  readonly token?: string;
  readonly impersonate?: string;
  readonly impersonateUid?: string;
  readonly impersonateGroups?: readonly string[];
  readonly username?: string;
  readonly password?: string;
  readonly clientCertificate?: string;
  readonly clientKey?: string;
  readonly certificateAuthority?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly tlsServerName?: string;
  readonly proxyUrl?: string;
}

/** Where the configuration comes from and how to read it. */
export interface KubeAccessOptions {
  /** `--kubeconfig`: this file only, which must exist. Empty/absent → KUBECONFIG, else ~/.kube/config. */
  readonly kubeconfig?: string;
  readonly env: Env;
  readonly overrides?: KubeconfigOverrides;
  /** Default: node:fs. */
  readonly readFile?: ReadFile;
  /** KUBECONFIG's list separator; default the platform's (`:`, `;` on Windows), as client-go. */
  readonly delimiter?: string;
  /** Default /var/run/secrets/kubernetes.io/serviceaccount. */
  readonly serviceAccountDir?: string;
}
