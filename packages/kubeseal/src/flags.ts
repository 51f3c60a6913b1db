/** pflag value kinds: `stringSlice` splits on commas, `stringArray` does not; both repeat. */
export type FlagKind = 'bool' | 'string' | 'stringSlice' | 'stringArray';

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly kind: FlagKind;
  readonly usage: string;
  /** Shown in the help as `(default "…")` when non-empty; string flags only. */
  readonly defaultValue?: string;
  /** Accepted and ignored (klog flags), not shown in the help. */
  readonly ignored?: boolean;
}

/** kubeseal's own flags (compat §6.1). */
const KUBESEAL_FLAGS: readonly FlagSpec[] = [
  { name: 'cert', kind: 'string', usage: 'Certificate / URL / file for the sealed secrets controller' },
  {
    name: 'controller-namespace',
    kind: 'string',
    defaultValue: 'kube-system',
    usage: 'Namespace of the sealed secrets controller',
  },
  {
    name: 'controller-name',
    kind: 'string',
    defaultValue: 'sealed-secrets-controller',
    usage: 'Name of the sealed secrets controller',
  },
  {
    name: 'format',
    short: 'o',
    kind: 'string',
    defaultValue: 'json',
    usage: 'Output format for the sealed secret: json or yaml',
  },
  {
    name: 'sealed-secret-file',
    short: 'w',
    kind: 'string',
    usage: 'File to write the output to (written atomically; a .yaml/.yml name selects YAML)',
  },
  { name: 'secret-file', short: 'f', kind: 'string', usage: 'File to read the input from (default stdin)' },
  { name: 'fetch-cert', kind: 'bool', usage: "Print the controller's certificate and exit" },
  { name: 'allow-empty-data', kind: 'bool', usage: 'Allow input Secrets without data' },
  {
    name: 'validate',
    kind: 'bool',
    usage: 'Check with the controller that the input SealedSecret can be decrypted',
  },
  {
    name: 'merge-into',
    kind: 'string',
    usage: 'Seal the input Secret and merge its items into this SealedSecret file',
  },
  {
    name: 'raw',
    kind: 'bool',
    usage:
      'Encrypt one value (stdin or --from-file) and print only the ciphertext; needs --name in strict scope',
  },
  {
    name: 'name',
    kind: 'string',
    usage: 'Name of the sealed secret (required with --raw and the strict scope)',
  },
  { name: 'from-file', kind: 'stringSlice', usage: '(only with --raw) File holding the value to encrypt' },
  { name: 'kubeconfig', kind: 'string', usage: 'Path to the kubeconfig file' },
  {
    name: 'scope',
    kind: 'string',
    defaultValue: 'strict',
    usage: 'Scope the secret is sealed for: strict, namespace-wide or cluster-wide',
  },
  {
    name: 're-encrypt',
    kind: 'bool',
    usage: "Re-encrypt the input SealedSecret with the controller's latest key",
  },
  { name: 'rotate', kind: 'bool', usage: 'Deprecated alias of --re-encrypt' },
  {
    name: 'recovery-unseal',
    kind: 'bool',
    usage: 'Decrypt a SealedSecret offline with backed-up private keys',
  },
  {
    name: 'recovery-private-key',
    kind: 'stringSlice',
    usage: 'Private key file(s) for --recovery-unseal: PEM, or key Secrets / v1 Lists in JSON or YAML',
  },
  { name: 'help', kind: 'bool', usage: 'Print this help and exit' },
  { name: 'version', kind: 'bool', usage: 'Print the version and exit' },
];

/** client-go's standard override flags (compat §6.1). */
const KUBECTL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'namespace',
    short: 'n',
    kind: 'string',
    usage: 'If present, the namespace scope for this CLI request',
  },
  { name: 'context', kind: 'string', usage: 'The name of the kubeconfig context to use' },
  { name: 'cluster', kind: 'string', usage: 'The name of the kubeconfig cluster to use' },
  { name: 'user', kind: 'string', usage: 'The name of the kubeconfig user to use' },
  { name: 'server', kind: 'string', usage: 'The address and port of the Kubernetes API server' },
  { name: 'token', kind: 'string', usage: 'Bearer token for authentication to the API server' },
  { name: 'as', kind: 'string', usage: 'Username to impersonate for the operation' },
  { name: 'as-uid', kind: 'string', usage: 'UID to impersonate for the operation' },
  { name: 'as-group', kind: 'stringArray', usage: 'Group to impersonate for the operation (repeatable)' },
  { name: 'username', kind: 'string', usage: 'Username for basic authentication to the API server' },
  { name: 'password', kind: 'string', usage: 'Password for basic authentication to the API server' },
  { name: 'client-certificate', kind: 'string', usage: 'Path to a client certificate file for TLS' },
  { name: 'client-key', kind: 'string', usage: 'Path to a client key file for TLS' },
  {
    name: 'certificate-authority',
    kind: 'string',
    usage: 'Path to a cert file for the certificate authority',
  },
  {
    name: 'insecure-skip-tls-verify',
    kind: 'bool',
    usage: "If true, the server's certificate will not be checked for validity (insecure)",
  },
  { name: 'tls-server-name', kind: 'string', usage: 'Server name to use for server certificate validation' },
  { name: 'proxy-url', kind: 'string', usage: 'If provided, this URL will be used to connect via proxy' },
  {
    name: 'disable-compression',
    kind: 'bool',
    usage: 'If true, opt-out of response compression (no effect here)',
  },
  {
    name: 'request-timeout',
    kind: 'string',
    defaultValue: '0',
    usage: 'Time to wait for a single server request (e.g. 1s, 2m, 3h); 0 means no timeout',
  },
];

/** klog flags: accepted so scripts written for Go kubeseal keep working, ignored (this CLI has no debug log). */
const KLOG_FLAGS: readonly FlagSpec[] = [
  { name: 'v', short: 'v', kind: 'string', usage: '', ignored: true },
  { name: 'vmodule', kind: 'string', usage: '', ignored: true },
  { name: 'log_dir', kind: 'string', usage: '', ignored: true },
  { name: 'log_file', kind: 'string', usage: '', ignored: true },
  { name: 'log_file_max_size', kind: 'string', usage: '', ignored: true },
  { name: 'log_backtrace_at', kind: 'string', usage: '', ignored: true },
  { name: 'stderrthreshold', kind: 'string', usage: '', ignored: true },
  { name: 'logtostderr', kind: 'bool', usage: '', ignored: true },
  { name: 'alsologtostderr', kind: 'bool', usage: '', ignored: true },
  { name: 'add_dir_header', kind: 'bool', usage: '', ignored: true },
  { name: 'one_output', kind: 'bool', usage: '', ignored: true },
  { name: 'skip_headers', kind: 'bool', usage: '', ignored: true },
  { name: 'skip_log_headers', kind: 'bool', usage: '', ignored: true },
];

export const FLAGS: readonly FlagSpec[] = [...KUBESEAL_FLAGS, ...KUBECTL_FLAGS, ...KLOG_FLAGS];

/** Flags whose `SEALED_SECRETS_*` variables are read (klog flags are added after the env pass in Go). */
export const ENV_FLAGS: readonly FlagSpec[] = [...KUBESEAL_FLAGS, ...KUBECTL_FLAGS];

export function envVariableName(flag: FlagSpec): string {
  return `SEALED_SECRETS_${flag.name.toUpperCase().replaceAll('-', '_')}`;
}

/** pflag's FlagUsages layout: sorted by name, `-x, --name type`, usage column aligned. */
export function formatUsage(argv0: string): string {
  const visible = FLAGS.filter((f) => f.ignored !== true).sort((a, b) => a.name.localeCompare(b.name));
  const typeName: Record<FlagKind, string> = {
    bool: '',
    string: 'string',
    stringSlice: 'strings',
    stringArray: 'stringArray',
  };
  const lefts = visible.map((f) => {
    const type = typeName[f.kind];
    const head = f.short === undefined ? `      --${f.name}` : `  -${f.short}, --${f.name}`;
    return type === '' ? head : `${head} ${type}`;
  });
  const width = Math.max(...lefts.map((l) => l.length));
  const lines = visible.map((f, i) => {
    const left = lefts[i] ?? '';
    const def = f.defaultValue !== undefined && f.defaultValue !== '' ? ` (default "${f.defaultValue}")` : '';
    return `${left.padEnd(width)}   ${f.usage}${def}`;
  });
  return `Usage of ${argv0}:\n${lines.join('\n')}\n`;
}
