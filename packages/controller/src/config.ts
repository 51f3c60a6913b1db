import { DEFAULT_TEMPLATE_TIME_BUDGET_MS, LABEL_SEALED_SECRETS_KEY } from '@ssts/core';
import {
  FlagError,
  flag,
  flagUsages,
  parseFlags,
  type EnvRules,
  type FlagTable,
  type Options,
} from '@ssts/flags';
import { ControllerError } from './errors.js';
import { parseRfc1123z } from './go-syntax.js';

/** `--leader-elect*` (ours, client-go's flag names and defaults): several replicas, one writer. */
export interface LeaderElectionConfig {
  readonly enabled: boolean;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  /** Name of the Lease in the controller namespace. */
  readonly leaseName: string;
}

export type KeyOrderPriority = 'CertNotBefore' | 'SecretCreationTimestamp';

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

const HOUR_MS = 3_600_000;

/** The controller's flags (compat §7.1, addendum, ours). */
const FLAGS = {
  'accept-deprecated-v1-data': flag.bool('Accept deprecated V1 data field.', { default: true }),
  'additional-namespaces': flag.string(
    'Comma-separated list of additional namespaces to be watched (implies own-namespace mode).',
  ),
  'all-namespaces': flag.bool('Scan all namespaces or only the current namespace.', { default: true }),
  'key-cutoff-time': flag.string('Create a new key if latest one is older than this cutoff time (RFC1123Z).'),
  'key-order-priority': flag.string('Ordering of keys: CertNotBefore or SecretCreationTimestamp.', {
    default: 'CertNotBefore',
    complete: ['CertNotBefore', 'SecretCreationTimestamp'],
  }),
  'key-prefix': flag.string('Prefix used to name keys.', { default: 'sealed-secrets-key' }),
  'key-renew-period': flag.duration('New key generation period (automatic rotation disabled if 0).', {
    default: 720 * HOUR_MS,
  }),
  'key-size': flag.int('Size of encryption key.', { default: 4096 }),
  'key-ttl': flag.duration('Duration that certificate is valid for.', { default: 87_600 * HOUR_MS }),
  'kubeclient-burst': flag.int('Burst to use for the Kubernetes API client.', { default: 10 }),
  'kubeclient-qps': flag.float32('QPS to use for the Kubernetes API client (negative disables limiting).', {
    default: 5,
  }),
  kubeconfig: flag.string('Path to a kubeconfig for out-of-cluster runs.', { env: false, complete: 'file' }),
  'label-selector': flag.string('Label selector which can be used to filter sealed secrets.'),
  'leader-elect': flag.bool(
    'Run several replicas: the one holding the Lease writes (keys, Secrets, statuses, events); every replica serves HTTP.',
  ),
  'leader-elect-lease-duration': flag.duration(
    'How long followers wait after the Lease last changed before taking it over.',
    { default: 15_000 },
  ),
  'leader-elect-renew-deadline': flag.duration(
    'How long the leader keeps trying to renew the Lease before it stops leading.',
    { default: 10_000 },
  ),
  'leader-elect-resource-name': flag.string(
    'Name of the Lease (coordination.k8s.io/v1) in the controller namespace.',
    { default: 'sealed-secrets-controller' },
  ),
  'leader-elect-retry-period': flag.duration(
    'How often candidates try to acquire and the leader renews the Lease.',
    { default: 2_000 },
  ),
  'listen-addr': flag.string('HTTP serving address.', { default: ':8080' }),
  'listen-metrics-addr': flag.string('HTTP metrics serving address.', { default: ':8081' }),
  'log-format': flag.string('Log format (text,json).', { default: 'text', complete: ['text', 'json'] }),
  'log-info-stdout': flag.bool('Log info to stdout and warnings/errors to stderr.', { default: true }),
  'log-level': flag.string('Log level (DEBUG,INFO,WARN,ERROR).', {
    default: 'INFO',
    complete: ['DEBUG', 'INFO', 'WARN', 'ERROR'],
  }),
  'max-unseal-retries': flag.int('Max unseal retries.', { default: 5 }),
  'metrics-omit-secret-labels': flag.bool(
    'Do not export metrics labelled with SealedSecret names (drops sealed_secrets_controller_condition_info).',
  ),
  'my-cn': flag.string('Common name to be used as issuer/subject DN in generated certificate.'),
  namespace: flag.string(
    'The controller namespace (default: $POD_NAMESPACE, then the service-account namespace).',
    { env: false },
  ),
  'old-gc-behavior': flag.bool(
    'Revert to old GC behavior where the controller deletes secrets instead of delegating that to k8s itself.',
  ),
  'privatekey-annotations': flag.string('Comma-separated k=v annotations to add to private key Secrets.'),
  'privatekey-labels': flag.string('Comma-separated k=v labels to add to private key Secrets.'),
  'rate-limit': flag.int('Number of allowed sustained request per second for verify and rotate endpoints.', {
    default: 2,
  }),
  'rate-limit-burst': flag.int(
    'Number of requests allowed to exceed the rate limit per second for verify and rotate endpoints.',
    { default: 2 },
  ),
  'read-timeout': flag.duration('HTTP request timeout for read operations.', { default: 120_000 }),
  'rotate-period': flag.duration('Deprecated alias of --key-renew-period.', {
    default: 720 * HOUR_MS,
    alias: 'key-renew-period',
  }),
  'skip-recreate': flag.bool(
    'Do not recreate deleted Secrets (no Secret informer, fewer permissions needed).',
  ),
  'template-time-budget': flag.duration(
    'Wall-clock budget for rendering all spec.template.data entries of one SealedSecret (ours; upstream has none).',
    { default: DEFAULT_TEMPLATE_TIME_BUDGET_MS },
  ),
  'update-status': flag.bool('Update the status subresource of SealedSecrets.', { default: true }),
  // Upstream default is false; issue 4 asks for live key loading by default. The flag still turns it off.
  'watch-for-secrets': flag.bool('Watch for new active key Secrets and load them without a restart.', {
    default: true,
  }),
  'web-ui': flag.bool(
    'Serve the sealing page at / of the HTTP server (it seals in the browser; the controller never sees the values).',
    { default: true },
  ),
  'webhook-ca-secret': flag.string(
    "Secret of the controller's namespace holding the admission webhook's CA (created if absent).",
    { default: 'sealed-secrets-webhook-ca' },
  ),
  'webhook-ca-validity': flag.duration(
    "Validity of the webhook's CA; a new one is made at 2/3 of it, the old one stays trusted until it expires.",
    { default: 43_800 * HOUR_MS },
  ),
  'webhook-cert-validity': flag.duration(
    "Validity of the webhook's serving certificate; it is reissued at 2/3 of it.",
    { default: 720 * HOUR_MS },
  ),
  'webhook-configuration': flag.string(
    'ValidatingWebhookConfiguration whose webhooks get the CA bundle (clientConfig.caBundle); empty: none.',
  ),
  'webhook-hosts': flag.string(
    "Comma-separated DNS names and IP addresses of the webhook's serving certificate (required with --webhook-listen-addr).",
  ),
  'webhook-listen-addr': flag.string(
    'HTTPS address of the validating admission webhook (e.g. :9443); empty: no webhook.',
  ),
  'webhook-max-in-flight': flag.int(
    'Admission reviews checked at once; more are admitted unchecked, with a warning.',
    { default: 16 },
  ),
  'webhook-rate-limit': flag.float32(
    'Admission reviews checked per second and requesting user; more are admitted unchecked, with a warning.',
    { default: 5 },
  ),
  'webhook-rate-limit-burst': flag.int(
    'Admission reviews of one user checked back to back above --webhook-rate-limit.',
    { default: 20 },
  ),
  'webhook-skip-namespaces': flag.string(
    "Comma-separated namespaces whose SealedSecrets the webhook admits unchecked (the controller's own always).",
    { default: 'kube-system,kube-public,kube-node-lease' },
  ),
  'webhook-timeout': flag.duration(
    "The webhook's decision deadline, below the configuration's timeoutSeconds; past it the object is admitted unchecked.",
    { default: 3_000 },
  ),
  workers: flag.int(
    'SealedSecrets reconciled concurrently (0: 4 per available CPU; upstream reconciles one at a time).',
  ),
  'write-timeout': flag.duration('HTTP request timeout for write operations.', { default: 120_000 }),
  help: flag.bool('Print this help and exit.', { env: false }),
  version: flag.bool('Print version information and exit.', { env: false }),
} satisfies FlagTable;

type Flags = Options<typeof FLAGS>;

/**
 * pflagenv's rules (compat §7.1): every flag but the per-invocation ones from `SEALED_SECRETS_<FLAG>`, in name
 * order (so `ROTATE_PERIOD` is applied after `KEY_RENEW_PERIOD`), unparsable values silently ignored.
 */
const CONTROLLER_ENV: EnvRules = {
  prefix: 'SEALED_SECRETS_',
  invalid: 'ignore',
  empty: 'value',
  order: 'name',
};

/** pflag's message for a flag problem, in the controller's words where they predate the flag layer. */
function usageError(error: FlagError): ControllerError {
  if (error.code !== 'BAD_VALUE') return new ControllerError('USAGE', error.message);
  const [head = ''] = error.message.split(' flag: ');
  return new ControllerError(
    'USAGE',
    `${head} flag: expected ${error.typeName ?? 'value'} (${error.reason ?? ''})`,
  );
}

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
  let parsed;
  try {
    parsed = parseFlags(FLAGS, argv, env, CONTROLLER_ENV);
  } catch (error) {
    if (error instanceof FlagError) throw usageError(error);
    throw error;
  }
  const [unexpected] = parsed.args;
  if (unexpected !== undefined) {
    throw new ControllerError(
      'USAGE',
      `unexpected argument "${unexpected}" (the controller takes only --flags)`,
    );
  }
  if (parsed.options.version) return { kind: 'version' };
  if (parsed.options.help || parsed.helpRequested) return { kind: 'help', text: helpText() };
  return { kind: 'run', config: buildConfig(parsed.options, env) };
}

function buildConfig(flags: Flags, env: Readonly<Record<string, string | undefined>>): ControllerConfig {
  validateKeyPrefix(flags.keyPrefix);
  const cutoffText = flags.keyCutoffTime;
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
  const priorityText = flags.keyOrderPriority;
  const known = priorityText === 'CertNotBefore' || priorityText === 'SecretCreationTimestamp';
  const { keySize, workers } = flags;
  if (keySize < 1024 || keySize > 16384) {
    throw new ControllerError('CONFIG', `--key-size must be between 1024 and 16384 bits, got ${keySize}`);
  }
  if (workers < 0)
    throw new ControllerError('CONFIG', `--workers must be 0 (automatic) or more, got ${workers}`);
  if (flags.templateTimeBudget <= 0) {
    throw new ControllerError('CONFIG', '--template-time-budget must be a positive duration, like 2s');
  }
  // Go would take inf/nan; a rate limiter needs a number.
  if (!Number.isFinite(flags.kubeclientQps)) {
    throw new ControllerError(
      'CONFIG',
      `--kubeclient-qps must be a finite number, got ${flags.kubeclientQps}`,
    );
  }
  const podNamespace = env['POD_NAMESPACE'];
  return {
    keyPrefix: flags.keyPrefix,
    keySize,
    keyTtlMs: flags.keyTtl,
    myCn: flags.myCn,
    keyRenewPeriodMs: flags.keyRenewPeriod,
    keyOrderPriority: known ? priorityText : 'CertNotBefore',
    keyOrderPriorityWarning: known
      ? undefined
      : `unknown --key-order-priority "${priorityText}", using CertNotBefore`,
    keyCutoffTime,
    acceptDeprecatedV1Data: flags.acceptDeprecatedV1Data,
    allNamespaces: flags.allNamespaces,
    additionalNamespaces: splitList(flags.additionalNamespaces),
    labelSelector: flags.labelSelector,
    rateLimit: flags.rateLimit,
    rateLimitBurst: flags.rateLimitBurst,
    privateKeyAnnotations: parseKeyValues(flags.privatekeyAnnotations, 'privatekey-annotations'),
    privateKeyLabels: withoutKeyLabel(parseKeyValues(flags.privatekeyLabels, 'privatekey-labels')),
    oldGcBehavior: flags.oldGcBehavior,
    updateStatus: flags.updateStatus,
    watchForSecrets: flags.watchForSecrets,
    skipRecreate: flags.skipRecreate,
    logInfoStdout: flags.logInfoStdout,
    logLevel: flags.logLevel,
    logFormat: flags.logFormat,
    maxUnsealRetries: flags.maxUnsealRetries,
    metricsOmitSecretLabels: flags.metricsOmitSecretLabels,
    kubeclientQps: flags.kubeclientQps,
    kubeclientBurst: flags.kubeclientBurst,
    workers,
    templateTimeBudgetMs: flags.templateTimeBudget,
    listenAddr: flags.listenAddr,
    listenMetricsAddr: flags.listenMetricsAddr,
    readTimeoutMs: flags.readTimeout,
    writeTimeoutMs: flags.writeTimeout,
    kubeconfig: flags.kubeconfig,
    webUi: flags.webUi,
    leaderElection: leaderElectionConfig(flags),
    webhook: webhookConfig(flags),
    namespace:
      flags.namespace !== ''
        ? flags.namespace
        : podNamespace !== undefined && podNamespace !== ''
          ? podNamespace
          : undefined,
  };
}

function webhookConfig(flags: Flags): WebhookConfig | undefined {
  const listenAddr = flags.webhookListenAddr;
  if (listenAddr === '') return undefined;
  const hosts = splitList(flags.webhookHosts);
  if (hosts.length === 0) {
    throw new ControllerError(
      'CONFIG',
      '--webhook-hosts is required with --webhook-listen-addr: the names the API server calls the webhook by, ' +
        'like sealed-secrets-controller-webhook.kube-system.svc',
    );
  }
  const positive = (name: string, ms: number): number => {
    if (ms <= 0) throw new ControllerError('CONFIG', `--${name} must be a positive duration`);
    return ms;
  };
  const caValidityMs = positive('webhook-ca-validity', flags.webhookCaValidity);
  const certValidityMs = positive('webhook-cert-validity', flags.webhookCertValidity);
  if (certValidityMs > caValidityMs) {
    throw new ControllerError('CONFIG', '--webhook-cert-validity must not exceed --webhook-ca-validity');
  }
  if (flags.webhookMaxInFlight < 1) {
    throw new ControllerError('CONFIG', '--webhook-max-in-flight must be at least 1');
  }
  if (!(flags.webhookRateLimit > 0) || !Number.isFinite(flags.webhookRateLimit)) {
    throw new ControllerError('CONFIG', '--webhook-rate-limit must be a positive number');
  }
  return {
    listenAddr,
    configurationName: flags.webhookConfiguration,
    hosts,
    caSecret: flags.webhookCaSecret,
    caValidityMs,
    certValidityMs,
    timeoutMs: positive('webhook-timeout', flags.webhookTimeout),
    rateLimit: flags.webhookRateLimit,
    rateLimitBurst: flags.webhookRateLimitBurst,
    maxInFlight: flags.webhookMaxInFlight,
    skipNamespaces: splitList(flags.webhookSkipNamespaces),
  };
}

/** client-go's checks (leaderelection.NewLeaderElector), only when leader election is on. */
function leaderElectionConfig(flags: Flags): LeaderElectionConfig {
  const config: LeaderElectionConfig = {
    enabled: flags.leaderElect,
    leaseDurationMs: flags.leaderElectLeaseDuration,
    renewDeadlineMs: flags.leaderElectRenewDeadline,
    retryPeriodMs: flags.leaderElectRetryPeriod,
    leaseName: flags.leaderElectResourceName,
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
  return (
    `Usage of sealed-secrets-controller:\n${flagUsages(FLAGS)}\n` +
    'Every flag can also be set with SEALED_SECRETS_<FLAG_NAME> (e.g. SEALED_SECRETS_KEY_RENEW_PERIOD).\n'
  );
}
