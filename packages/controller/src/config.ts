import { DEFAULT_TEMPLATE_TIME_BUDGET_MS, LABEL_SEALED_SECRETS_KEY } from '@ssts/core';
import { ControllerError } from './errors.js';
import { formatGoDuration, parseGoBool, parseGoDuration, parseRfc1123z } from './go-syntax.js';

export type KeyOrderPriority = 'CertNotBefore' | 'SecretCreationTimestamp';

/** `--leader-elect*` (ours, client-go's flag names and defaults): several replicas, one writer. */
export interface LeaderElectionConfig {
  readonly enabled: boolean;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Name of the Lease in the controller namespace. */
  readonly leaseName: string;
}

/** Everything the controller is told by flags and environment (compat §7.1). Durations are in milliseconds. */
export interface ControllerConfig {
  readonly keyPrefix: string;
  readonly keySize: number;
  readonly keyTtlMs: number;
  readonly myCn: string;
  readonly keyRenewPeriodMs: number;
  /** Unknown values fall back to CertNotBefore (compat §4.4); `keyOrderPriorityWarning` says so. */
  readonly keyOrderPriority: KeyOrderPriority;
  readonly keyOrderPriorityWarning: string | undefined;
  readonly keyCutoffTime: Date | undefined;
  readonly acceptDeprecatedV1Data: boolean;
  readonly allNamespaces: boolean;
  readonly additionalNamespaces: readonly string[];
  readonly labelSelector: string;
  readonly rateLimit: number;
  readonly rateLimitBurst: number;
  readonly privateKeyAnnotations: Readonly<Record<string, string>>;
  readonly privateKeyLabels: Readonly<Record<string, string>>;
  readonly oldGcBehavior: boolean;
  readonly updateStatus: boolean;
  readonly watchForSecrets: boolean;
  readonly skipRecreate: boolean;
  readonly logInfoStdout: boolean;
  readonly logLevel: string;
  readonly logFormat: string;
  readonly maxUnsealRetries: number;
  /** `--metrics-omit-secret-labels` (addendum §1.4): no condition_info family at all. */
  readonly metricsOmitSecretLabels: boolean;
  readonly kubeclientQps: number;
  readonly kubeclientBurst: number;
  /** Concurrent reconciles (`--workers`); 0 → automatic (main.ts: 4 × available CPUs). Upstream has one. */
  readonly workers: number;
  /** `--template-time-budget` (ours): wall-clock budget for all templates of one SealedSecret, > 0. */
  readonly templateTimeBudgetMs: number;
  readonly listenAddr: string;
  readonly listenMetricsAddr: string;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  /** Explicit kubeconfig for out-of-cluster runs; empty → in-cluster, then KUBECONFIG / ~/.kube/config. */
  readonly kubeconfig: string;
  /** `--namespace`, else `POD_NAMESPACE`; undefined → the service-account file, then `default` (main.ts). */
  readonly namespace: string | undefined;
  /** Our addition: serve the browser sealing page at `/` of the API server (`--web-ui`, default true). */
  readonly webUi: boolean;
  readonly leaderElection: LeaderElectionConfig;
  /** Ours: the validating admission webhook (`--webhook-listen-addr`); undefined when it is off (the default). */
  readonly webhook: WebhookConfig | undefined;
}

/** The admission webhook's flags (docs/admission.md, section 2). Durations in milliseconds. */
export interface WebhookConfig {
  readonly listenAddr: string;
  /** The ValidatingWebhookConfiguration that gets the CA bundle; empty: the controller writes none. */
  readonly configurationName: string;
  /** subjectAltNames of the serving certificate. */
  readonly hosts: readonly string[];
  readonly caSecret: string;
  readonly caValidityMs: number;
  readonly certValidityMs: number;
  /** The decision deadline; below the configuration's `timeoutSeconds`. */
  readonly timeoutMs: number;
  readonly rateLimit: number;
  readonly rateLimitBurst: number;
  readonly maxInFlight: number;
  /** Namespaces admitted unchecked (besides the controller's own). */
  readonly skipNamespaces: readonly string[];
}

export type ParsedCommandLine =
  | { readonly kind: 'run'; readonly config: ControllerConfig }
  | { readonly kind: 'help'; readonly text: string }
  | { readonly kind: 'version' };

type FlagKind = 'string' | 'bool' | 'int' | 'float' | 'duration';

interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly default: string;
  readonly help: string;
  /** Not read from SEALED_SECRETS_* (flags that only make sense per invocation). */
  readonly noEnv?: boolean;
}

const FLAGS: readonly FlagSpec[] = [
  {
    name: 'accept-deprecated-v1-data',
    kind: 'bool',
    default: 'true',
    help: 'Accept deprecated V1 data field.',
  },
  {
    name: 'additional-namespaces',
    kind: 'string',
    default: '',
    help: 'Comma-separated list of additional namespaces to be watched (implies own-namespace mode).',
  },
  {
    name: 'all-namespaces',
    kind: 'bool',
    default: 'true',
    help: 'Scan all namespaces or only the current namespace.',
  },
  {
    name: 'key-cutoff-time',
    kind: 'string',
    default: '',
    help: 'Create a new key if latest one is older than this cutoff time (RFC1123Z).',
  },
  {
    name: 'key-order-priority',
    kind: 'string',
    default: 'CertNotBefore',
    help: 'Ordering of keys: CertNotBefore or SecretCreationTimestamp.',
  },
  { name: 'key-prefix', kind: 'string', default: 'sealed-secrets-key', help: 'Prefix used to name keys.' },
  {
    name: 'key-renew-period',
    kind: 'duration',
    default: '720h0m0s',
    help: 'New key generation period (automatic rotation disabled if 0).',
  },
  { name: 'key-size', kind: 'int', default: '4096', help: 'Size of encryption key.' },
  {
    name: 'key-ttl',
    kind: 'duration',
    default: '87600h0m0s',
    help: 'Duration that certificate is valid for.',
  },
  {
    name: 'kubeclient-burst',
    kind: 'int',
    default: '10',
    help: 'Burst to use for the Kubernetes API client.',
  },
  {
    name: 'kubeclient-qps',
    kind: 'float',
    default: '5',
    help: 'QPS to use for the Kubernetes API client (negative disables limiting).',
  },
  {
    name: 'kubeconfig',
    kind: 'string',
    default: '',
    help: 'Path to a kubeconfig for out-of-cluster runs.',
    noEnv: true,
  },
  {
    name: 'label-selector',
    kind: 'string',
    default: '',
    help: 'Label selector which can be used to filter sealed secrets.',
  },
  {
    name: 'leader-elect',
    kind: 'bool',
    default: 'false',
    help: 'Run several replicas: the one holding the Lease writes (keys, Secrets, statuses, events); every replica serves HTTP.',
  },
  {
    name: 'leader-elect-lease-duration',
    kind: 'duration',
    default: '15s',
    help: 'How long followers wait after the Lease last changed before taking it over.',
  },
  {
    name: 'leader-elect-renew-deadline',
    kind: 'duration',
    default: '10s',
    help: 'How long the leader keeps trying to renew the Lease before it stops leading.',
  },
  {
    name: 'leader-elect-resource-name',
    kind: 'string',
    default: 'sealed-secrets-controller',
    help: 'Name of the Lease (coordination.k8s.io/v1) in the controller namespace.',
  },
  {
    name: 'leader-elect-retry-period',
    kind: 'duration',
    default: '2s',
    help: 'How often candidates try to acquire and the leader renews the Lease.',
  },
  { name: 'listen-addr', kind: 'string', default: ':8080', help: 'HTTP serving address.' },
  { name: 'listen-metrics-addr', kind: 'string', default: ':8081', help: 'HTTP metrics serving address.' },
  { name: 'log-format', kind: 'string', default: 'text', help: 'Log format (text,json).' },
  {
    name: 'log-info-stdout',
    kind: 'bool',
    default: 'true',
    help: 'Log info to stdout and warnings/errors to stderr.',
  },
  { name: 'log-level', kind: 'string', default: 'INFO', help: 'Log level (DEBUG,INFO,WARN,ERROR).' },
  { name: 'max-unseal-retries', kind: 'int', default: '5', help: 'Max unseal retries.' },
  {
    name: 'metrics-omit-secret-labels',
    kind: 'bool',
    default: 'false',
    help: 'Do not export metrics labelled with SealedSecret names (drops sealed_secrets_controller_condition_info).',
  },
  {
    name: 'my-cn',
    kind: 'string',
    default: '',
    help: 'Common name to be used as issuer/subject DN in generated certificate.',
  },
  {
    name: 'namespace',
    kind: 'string',
    default: '',
    help: 'The controller namespace (default: $POD_NAMESPACE, then the service-account namespace).',
    noEnv: true,
  },
  {
    name: 'old-gc-behavior',
    kind: 'bool',
    default: 'false',
    help: 'Revert to old GC behavior where the controller deletes secrets instead of delegating that to k8s itself.',
  },
  {
    name: 'privatekey-annotations',
    kind: 'string',
    default: '',
    help: 'Comma-separated k=v annotations to add to private key Secrets.',
  },
  {
    name: 'privatekey-labels',
    kind: 'string',
    default: '',
    help: 'Comma-separated k=v labels to add to private key Secrets.',
  },
  {
    name: 'rate-limit',
    kind: 'int',
    default: '2',
    help: 'Number of allowed sustained request per second for verify and rotate endpoints.',
  },
  {
    name: 'rate-limit-burst',
    kind: 'int',
    default: '2',
    help: 'Number of requests allowed to exceed the rate limit per second for verify and rotate endpoints.',
  },
  {
    name: 'read-timeout',
    kind: 'duration',
    default: '2m0s',
    help: 'HTTP request timeout for read operations.',
  },
  {
    name: 'rotate-period',
    kind: 'duration',
    default: '720h0m0s',
    help: 'Deprecated alias of --key-renew-period.',
  },
  {
    name: 'skip-recreate',
    kind: 'bool',
    default: 'false',
    help: 'Do not recreate deleted Secrets (no Secret informer, fewer permissions needed).',
  },
  {
    name: 'template-time-budget',
    kind: 'duration',
    default: formatGoDuration(DEFAULT_TEMPLATE_TIME_BUDGET_MS),
    help: 'Wall-clock budget for rendering all spec.template.data entries of one SealedSecret (ours; upstream has none).',
  },
  {
    name: 'update-status',
    kind: 'bool',
    default: 'true',
    help: 'Update the status subresource of SealedSecrets.',
  },
  // Upstream default is false; issue 4 asks for live key loading by default. The flag still turns it off.
  {
    name: 'watch-for-secrets',
    kind: 'bool',
    default: 'true',
    help: 'Watch for new active key Secrets and load them without a restart.',
  },
  {
    name: 'web-ui',
    kind: 'bool',
    default: 'true',
    help: 'Serve the sealing page at / of the HTTP server (it seals in the browser; the controller never sees the values).',
  },
  {
    name: 'webhook-ca-secret',
    kind: 'string',
    default: 'sealed-secrets-webhook-ca',
    help: "Secret of the controller's namespace holding the admission webhook's CA (created if absent).",
  },
  {
    name: 'webhook-ca-validity',
    kind: 'duration',
    default: '43800h0m0s',
    help: "Validity of the webhook's CA; a new one is made at 2/3 of it, the old one stays trusted until it expires.",
  },
  {
    name: 'webhook-cert-validity',
    kind: 'duration',
    default: '720h0m0s',
    help: "Validity of the webhook's serving certificate; it is reissued at 2/3 of it.",
  },
  {
    name: 'webhook-configuration',
    kind: 'string',
    default: '',
    help: 'ValidatingWebhookConfiguration whose webhooks get the CA bundle (clientConfig.caBundle); empty: none.',
  },
  {
    name: 'webhook-hosts',
    kind: 'string',
    default: '',
    help: "Comma-separated DNS names and IP addresses of the webhook's serving certificate (required with --webhook-listen-addr).",
  },
  {
    name: 'webhook-listen-addr',
    kind: 'string',
    default: '',
    help: 'HTTPS address of the validating admission webhook (e.g. :9443); empty: no webhook.',
  },
  {
    name: 'webhook-max-in-flight',
    kind: 'int',
    default: '16',
    help: 'Admission reviews checked at once; more are admitted unchecked, with a warning.',
  },
  {
    name: 'webhook-rate-limit',
    kind: 'float',
    default: '5',
    help: 'Admission reviews checked per second and requesting user; more are admitted unchecked, with a warning.',
  },
  {
    name: 'webhook-rate-limit-burst',
    kind: 'int',
    default: '20',
    help: 'Admission reviews of one user checked back to back above --webhook-rate-limit.',
  },
  {
    name: 'webhook-skip-namespaces',
    kind: 'string',
    default: 'kube-system,kube-public,kube-node-lease',
    help: "Comma-separated namespaces whose SealedSecrets the webhook admits unchecked (the controller's own always).",
  },
  {
    name: 'webhook-timeout',
    kind: 'duration',
    default: '3s',
    help: "The webhook's decision deadline, below the configuration's timeoutSeconds; past it the object is admitted unchecked.",
  },
  {
    name: 'workers',
    kind: 'int',
    default: '0',
    help: 'SealedSecrets reconciled concurrently (0: 4 per available CPU; upstream reconciles one at a time).',
  },
  {
    name: 'write-timeout',
    kind: 'duration',
    default: '2m0s',
    help: 'HTTP request timeout for write operations.',
  },
  { name: 'help', kind: 'bool', default: 'false', help: 'Print this help and exit.', noEnv: true },
  {
    name: 'version',
    kind: 'bool',
    default: 'false',
    help: 'Print version information and exit.',
    noEnv: true,
  },
];

const FLAG_BY_NAME = new Map(FLAGS.map((flag) => [flag.name, flag]));

type RawValues = Map<string, string>;

/**
 * Parses the controller command line (pflag syntax: `--flag=value`, `--flag value`, bare bools, `--flag=false`)
 * and `SEALED_SECRETS_<FLAG>` environment defaults. Precedence: command line > environment > default; env values
 * are applied in alphabetical flag order and invalid ones are silently ignored (compat §7.1). Throws
 * ControllerError USAGE for bad command-line flags and CONFIG for unusable values.
 */
export function parseControllerConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ParsedCommandLine {
  const values: RawValues = new Map(FLAGS.map((flag) => [flag.name, flag.default]));
  // FLAGS is alphabetical, so ROTATE_PERIOD is applied after KEY_RENEW_PERIOD, as in Go.
  for (const flag of FLAGS) {
    if (flag.noEnv) continue;
    const text = env[`SEALED_SECRETS_${flag.name.toUpperCase().replaceAll('-', '_')}`];
    if (text === undefined || !isValid(flag.kind, text)) continue;
    setValue(values, flag.name, text);
  }
  for (const [name, text] of parseArgv(argv)) {
    const flag = FLAG_BY_NAME.get(name);
    if (flag === undefined) throw new ControllerError('USAGE', `unknown flag: --${name}`);
    if (!isValid(flag.kind, text)) {
      throw new ControllerError(
        'USAGE',
        `invalid argument "${text}" for "--${name}" flag: expected ${flag.kind}`,
      );
    }
    setValue(values, name, text);
  }
  if (bool(values, 'version')) return { kind: 'version' };
  if (bool(values, 'help')) return { kind: 'help', text: helpText() };
  return { kind: 'run', config: buildConfig(values, env) };
}

function setValue(values: RawValues, name: string, text: string): void {
  values.set(name, text);
  if (name === 'rotate-period') values.set('key-renew-period', text);
}

function parseArgv(argv: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '-h') {
      pairs.push(['help', 'true']);
      continue;
    }
    if (!arg.startsWith('--') || arg.length === 2) {
      throw new ControllerError('USAGE', `unexpected argument "${arg}" (the controller takes only --flags)`);
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      pairs.push([body.slice(0, eq), body.slice(eq + 1)]);
      continue;
    }
    const flag = FLAG_BY_NAME.get(body);
    if (flag === undefined) throw new ControllerError('USAGE', `unknown flag: --${body}`);
    if (flag.kind === 'bool') {
      pairs.push([body, 'true']);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined) throw new ControllerError('USAGE', `flag needs an argument: --${body}`);
    pairs.push([body, next]);
    i++;
  }
  return pairs;
}

function isValid(kind: FlagKind, text: string): boolean {
  switch (kind) {
    case 'string':
      return true;
    case 'bool':
      return parseGoBool(text) !== undefined;
    case 'int':
      return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text));
    case 'float':
      return text.trim() !== '' && Number.isFinite(Number(text));
    case 'duration':
      return parseGoDuration(text) !== undefined;
  }
}

function str(values: RawValues, name: string): string {
  return values.get(name) ?? '';
}
function bool(values: RawValues, name: string): boolean {
  return parseGoBool(str(values, name)) ?? false;
}
function num(values: RawValues, name: string): number {
  return Number(str(values, name));
}
function duration(values: RawValues, name: string): number {
  return parseGoDuration(str(values, name)) ?? 0;
}

function buildConfig(values: RawValues, env: Readonly<Record<string, string | undefined>>): ControllerConfig {
  const keyPrefix = str(values, 'key-prefix');
  validateKeyPrefix(keyPrefix);
  const cutoffText = str(values, 'key-cutoff-time');
  let keyCutoffTime: Date | undefined;
  if (cutoffText !== '') {
    keyCutoffTime = parseRfc1123z(cutoffText);
    if (keyCutoffTime === undefined) {
      throw new ControllerError(
        'CONFIG',
        `cannot parse --key-cutoff-time "${cutoffText}": expected RFC1123Z like "Mon, 14 Oct 2024 21:45:30 +0200" (date -R)`,
      );
    }
  }
  const priorityText = str(values, 'key-order-priority');
  const known = priorityText === 'CertNotBefore' || priorityText === 'SecretCreationTimestamp';
  const keySize = num(values, 'key-size');
  if (keySize < 1024 || keySize > 16384) {
    throw new ControllerError('CONFIG', `--key-size must be between 1024 and 16384 bits, got ${keySize}`);
  }
  const workers = num(values, 'workers');
  if (workers < 0)
    throw new ControllerError('CONFIG', `--workers must be 0 (automatic) or more, got ${workers}`);
  const templateTimeBudgetMs = duration(values, 'template-time-budget');
  if (templateTimeBudgetMs <= 0) {
    throw new ControllerError('CONFIG', '--template-time-budget must be a positive duration, like 2s');
  }
  const namespaceFlag = str(values, 'namespace');
  const podNamespace = env['POD_NAMESPACE'];
  const webhook = webhookConfig(values);
  return {
    keyPrefix,
    keySize,
    keyTtlMs: duration(values, 'key-ttl'),
    myCn: str(values, 'my-cn'),
    keyRenewPeriodMs: duration(values, 'key-renew-period'),
    keyOrderPriority: known ? priorityText : 'CertNotBefore',
    keyOrderPriorityWarning: known
      ? undefined
      : `unknown --key-order-priority "${priorityText}", using CertNotBefore`,
    keyCutoffTime,
    acceptDeprecatedV1Data: bool(values, 'accept-deprecated-v1-data'),
    allNamespaces: bool(values, 'all-namespaces'),
    additionalNamespaces: splitList(str(values, 'additional-namespaces')),
    labelSelector: str(values, 'label-selector'),
    rateLimit: num(values, 'rate-limit'),
    rateLimitBurst: num(values, 'rate-limit-burst'),
    privateKeyAnnotations: parseKeyValues(str(values, 'privatekey-annotations'), 'privatekey-annotations'),
    privateKeyLabels: withoutKeyLabel(parseKeyValues(str(values, 'privatekey-labels'), 'privatekey-labels')),
    oldGcBehavior: bool(values, 'old-gc-behavior'),
    updateStatus: bool(values, 'update-status'),
    watchForSecrets: bool(values, 'watch-for-secrets'),
    skipRecreate: bool(values, 'skip-recreate'),
    logInfoStdout: bool(values, 'log-info-stdout'),
    logLevel: str(values, 'log-level'),
    logFormat: str(values, 'log-format'),
    maxUnsealRetries: num(values, 'max-unseal-retries'),
    metricsOmitSecretLabels: bool(values, 'metrics-omit-secret-labels'),
    kubeclientQps: num(values, 'kubeclient-qps'),
    kubeclientBurst: num(values, 'kubeclient-burst'),
    workers,
    templateTimeBudgetMs,
    listenAddr: str(values, 'listen-addr'),
    listenMetricsAddr: str(values, 'listen-metrics-addr'),
    readTimeoutMs: duration(values, 'read-timeout'),
    writeTimeoutMs: duration(values, 'write-timeout'),
    kubeconfig: str(values, 'kubeconfig'),
    webUi: bool(values, 'web-ui'),
    webhook,
    leaderElection: leaderElectionConfig(values),
    namespace:
      namespaceFlag !== ''
        ? namespaceFlag
        : podNamespace !== undefined && podNamespace !== ''
          ? podNamespace
          : undefined,
  };
}

function webhookConfig(values: RawValues): WebhookConfig | undefined {
  const listenAddr = str(values, 'webhook-listen-addr');
  if (listenAddr === '') return undefined;
  const hosts = splitList(str(values, 'webhook-hosts'));
  if (hosts.length === 0) {
    throw new ControllerError(
      'CONFIG',
      '--webhook-hosts is required with --webhook-listen-addr: the names the API server calls the webhook by, ' +
        'like sealed-secrets-controller-webhook.kube-system.svc',
    );
  }
  const positive = (name: string): number => {
    const ms = duration(values, name);
    if (ms <= 0) throw new ControllerError('CONFIG', `--${name} must be a positive duration`);
    return ms;
  };
  const caValidityMs = positive('webhook-ca-validity');
  const certValidityMs = positive('webhook-cert-validity');
  if (certValidityMs > caValidityMs) {
    throw new ControllerError('CONFIG', '--webhook-cert-validity must not exceed --webhook-ca-validity');
  }
  const maxInFlight = num(values, 'webhook-max-in-flight');
  if (maxInFlight < 1) throw new ControllerError('CONFIG', '--webhook-max-in-flight must be at least 1');
  const rateLimit = num(values, 'webhook-rate-limit');
  if (rateLimit <= 0) throw new ControllerError('CONFIG', '--webhook-rate-limit must be positive');
  return {
    listenAddr,
    configurationName: str(values, 'webhook-configuration'),
    hosts,
    caSecret: str(values, 'webhook-ca-secret'),
    caValidityMs,
    certValidityMs,
    timeoutMs: positive('webhook-timeout'),
    rateLimit,
    rateLimitBurst: num(values, 'webhook-rate-limit-burst'),
    maxInFlight,
    skipNamespaces: splitList(str(values, 'webhook-skip-namespaces')),
  };
}

/** client-go's checks (leaderelection.NewLeaderElector), only when leader election is on. */
function leaderElectionConfig(values: RawValues): LeaderElectionConfig {
  const config: LeaderElectionConfig = {
    enabled: bool(values, 'leader-elect'),
    leaseDurationMs: duration(values, 'leader-elect-lease-duration'),
    renewDeadlineMs: duration(values, 'leader-elect-renew-deadline'),
    retryPeriodMs: duration(values, 'leader-elect-retry-period'),
    leaseName: str(values, 'leader-elect-resource-name'),
  };
  if (!config.enabled) return config;
  const problem =
    config.leaseDurationMs % 1000 !== 0
      ? '--leader-elect-lease-duration must be whole seconds (the Lease stores leaseDurationSeconds)'
      : config.retryPeriodMs <= 0
        ? '--leader-elect-retry-period must be greater than zero'
        : config.renewDeadlineMs <= config.retryPeriodMs * 1.2
          ? '--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period'
          : config.leaseDurationMs <= config.renewDeadlineMs
            ? '--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline'
            : !/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(config.leaseName)
              ? `--leader-elect-resource-name "${config.leaseName}" is not a valid object name`
              : undefined;
  if (problem !== undefined) throw new ControllerError('CONFIG', problem);
  return config;
}

/** Compat §3.1 step 3: a valid generateName prefix. */
export function validateKeyPrefix(prefix: string): void {
  if (prefix.length > 245) {
    throw new ControllerError('CONFIG', `name is too long, must be shorter than 245, got ${prefix.length}`);
  }
  for (const char of prefix) {
    if (!/[a-z0-9-]/.test(char))
      throw new ControllerError('CONFIG', `name contains illegal character ${char}`);
  }
}

function splitList(text: string): string[] {
  return [
    ...new Set(
      text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    ),
  ];
}

/**
 * `k1=v1,k2=v2`. Unlike Go (which keeps only the text up to a second `=` and crashes on a missing `=`), the value
 * is everything after the first `=`, and a missing `=` is a usage error.
 */
export function parseKeyValues(text: string, flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const item of splitList(text)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new ControllerError('USAGE', `--${flag}: expected key=value, got "${item}"`);
    result[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return result;
}

function withoutKeyLabel(labels: Record<string, string>): Record<string, string> {
  const { [LABEL_SEALED_SECRETS_KEY]: _ignored, ...rest } = labels;
  return rest;
}

function helpText(): string {
  const lines = FLAGS.map((flag) => {
    const type = flag.kind === 'bool' ? '' : ` ${flag.kind}`;
    const shown =
      flag.kind === 'duration' ? formatGoDuration(parseGoDuration(flag.default) ?? 0) : flag.default;
    const def =
      flag.default === '' || (flag.kind === 'bool' && flag.default === 'false')
        ? ''
        : ` (default ${flag.kind === 'string' ? `"${shown}"` : shown})`;
    return `      --${flag.name}${type}\n        \t${flag.help}${def}`;
  });
  return `Usage of sealed-secrets-controller:\n${lines.join('\n')}\n\nEvery flag can also be set with SEALED_SECRETS_<FLAG_NAME> (e.g. SEALED_SECRETS_KEY_RENEW_PERIOD).\n`;
}
