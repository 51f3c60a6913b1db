import { flag, flagUsages, type FlagTable } from '@ssts/flags';

const SCOPES = ['strict', 'namespace-wide', 'cluster-wide'] as const;

/** kubeseal's own flags (compat §6.1). Their order is the order of the `SEALED_SECRETS_*` pass. */
export const KUBESEAL_FLAGS = {
  cert: flag.string('Certificate / URL / file for the sealed secrets controller', { complete: 'file' }),
  'controller-namespace': flag.string('Namespace of the sealed secrets controller', {
    default: 'kube-system',
  }),
  'controller-name': flag.string('Name of the sealed secrets controller', {
    default: 'sealed-secrets-controller',
  }),
  // Checked when the output is written (upstream's `unsupported output format: X`), not when parsing.
  format: flag.string('Output format for the sealed secret: json or yaml', {
    short: 'o',
    default: 'json',
    complete: ['json', 'yaml'],
  }),
  'sealed-secret-file': flag.string(
    'File to write the output to (written atomically; a .yaml/.yml name selects YAML)',
    { short: 'w', complete: 'file' },
  ),
  'secret-file': flag.string('File to read the input from (default stdin)', { short: 'f', complete: 'file' }),
  'fetch-cert': flag.bool("Print the controller's certificate and exit"),
  'allow-empty-data': flag.bool('Allow input Secrets without data'),
  validate: flag.bool('Check with the controller that the input SealedSecret can be decrypted'),
  'merge-into': flag.string('Seal the input Secret and merge its items into this SealedSecret file', {
    complete: 'file',
  }),
  raw: flag.bool(
    'Encrypt one value (stdin or --from-file) and print only the ciphertext; needs --name in strict scope',
  ),
  name: flag.string('Name of the sealed secret (required with --raw and the strict scope)'),
  'from-file': flag.stringSlice('(only with --raw) File holding the value to encrypt', { complete: 'file' }),
  kubeconfig: flag.string('Path to the kubeconfig file', { complete: 'file' }),
  scope: flag.oneOf(
    SCOPES,
    'must be one of: strict, namespace-wide, cluster-wide',
    'Scope the secret is sealed for: strict, namespace-wide or cluster-wide',
    { default: 'strict', empty: 'strict' },
  ),
  're-encrypt': flag.bool("Re-encrypt the input SealedSecret with the controller's latest key"),
  rotate: flag.bool('Deprecated alias of --re-encrypt', { alias: 're-encrypt' }),
  'recovery-unseal': flag.bool('Decrypt a SealedSecret offline with backed-up private keys'),
  'recovery-private-key': flag.stringSlice(
    'Private key file(s) for --recovery-unseal: PEM, or key Secrets / v1 Lists in JSON or YAML',
    { complete: 'file' },
  ),
  // Key continuity (issue 14). Hidden like --seal-hints: the upstream usage text stays as it was.
  'known-certs': flag.string(
    'File of the pinned controller certificates (default ~/.config/kubeseal/known-certs.json)',
    { hidden: true, complete: 'file' },
  ),
  'trust-new-cert': flag.bool('Accept a new controller certificate that no pinned certificate vouches for', {
    hidden: true,
    env: false,
  }),
  // Hidden: the upstream usage text stays as it was (the README and the verbs' help describe the hints).
  'seal-hints': flag.bool('Add the sealed-with and sealed-for hint annotations', { hidden: true }),
  help: flag.bool('Print this help and exit'),
  version: flag.bool('Print the version and exit'),
} satisfies FlagTable;

/** client-go's standard override flags (compat §6.1). */
export const KUBECTL_FLAGS = {
  namespace: flag.string('If present, the namespace scope for this CLI request', { short: 'n' }),
  context: flag.string('The name of the kubeconfig context to use'),
  cluster: flag.string('The name of the kubeconfig cluster to use'),
  user: flag.string('The name of the kubeconfig user to use'),
  server: flag.string('The address and port of the Kubernetes API server'),
  token: flag.string('Bearer token for authentication to the API server'),
  as: flag.string('Username to impersonate for the operation'),
  'as-uid': flag.string('UID to impersonate for the operation'),
  'as-group': flag.stringArray('Group to impersonate for the operation (repeatable)'),
  username: flag.string('Username for basic authentication to the API server'),
  password: flag.string('Password for basic authentication to the API server'),
  'client-certificate': flag.string('Path to a client certificate file for TLS', { complete: 'file' }),
  'client-key': flag.string('Path to a client key file for TLS', { complete: 'file' }),
  'certificate-authority': flag.string('Path to a cert file for the certificate authority', {
    complete: 'file',
  }),
  'insecure-skip-tls-verify': flag.bool(
    "If true, the server's certificate will not be checked for validity (insecure)",
  ),
  'tls-server-name': flag.string('Server name to use for server certificate validation'),
  'proxy-url': flag.string('If provided, this URL will be used to connect via proxy'),
  'disable-compression': flag.bool('If true, opt-out of response compression (no effect here)'),
  'request-timeout': flag.string(
    'Time to wait for a single server request (e.g. 1s, 2m, 3h); 0 means no timeout',
    { default: '0' },
  ),
} satisfies FlagTable;

const klog = { env: false, hidden: true } as const;

/**
 * klog flags: accepted so scripts written for Go kubeseal keep working, ignored (this CLI has no debug log); not
 * read from the environment (Go adds them after its env pass).
 */
export const KLOG_FLAGS = {
  v: flag.string('', { short: 'v', ...klog }),
  vmodule: flag.string('', klog),
  log_dir: flag.string('', klog),
  log_file: flag.string('', klog),
  log_file_max_size: flag.string('', klog),
  log_backtrace_at: flag.string('', klog),
  stderrthreshold: flag.string('', klog),
  logtostderr: flag.bool('', klog),
  alsologtostderr: flag.bool('', klog),
  add_dir_header: flag.bool('', klog),
  one_output: flag.bool('', klog),
  skip_headers: flag.bool('', klog),
  skip_log_headers: flag.bool('', klog),
} satisfies FlagTable;

/** Every flag of the full (upstream) command line. */
export const FLAGS = { ...KUBESEAL_FLAGS, ...KUBECTL_FLAGS, ...KLOG_FLAGS } satisfies FlagTable;

/** `Usage of kubeseal:` and pflag's flag list. */
export function formatUsage(argv0: string): string {
  return `Usage of ${argv0}:\n${flagUsages(FLAGS)}`;
}
