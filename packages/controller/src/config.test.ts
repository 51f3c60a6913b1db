import { describe, expect, it } from 'vitest';
import { parseControllerConfig, type ControllerConfig } from './config.js';
import { ControllerError } from './errors.js';
import { parseGoBool, parseGoDuration, parseRfc1123z } from './go-syntax.js';

function run(argv: string[], env: Record<string, string> = {}): ControllerConfig {
  const parsed = parseControllerConfig(argv, env);
  if (parsed.kind !== 'run') throw new Error(`expected run, got ${parsed.kind}`);
  return parsed.config;
}

function usageError(argv: string[], env: Record<string, string> = {}): ControllerError {
  try {
    parseControllerConfig(argv, env);
  } catch (error) {
    if (error instanceof ControllerError) return error;
    throw error;
  }
  throw new Error('expected an error');
}

describe('parseControllerConfig', () => {
  it('has the defaults of compat §7.1', () => {
    const config = run([]);
    expect(config).toMatchObject({
      keyPrefix: 'sealed-secrets-key',
      keySize: 4096,
      keyTtlMs: 87600 * 3_600_000,
      myCn: '',
      keyRenewPeriodMs: 720 * 3_600_000,
      keyOrderPriority: 'CertNotBefore',
      keyCutoffTime: undefined,
      acceptDeprecatedV1Data: true,
      allNamespaces: true,
      additionalNamespaces: [],
      labelSelector: '',
      rateLimit: 2,
      rateLimitBurst: 2,
      privateKeyAnnotations: {},
      privateKeyLabels: {},
      oldGcBehavior: false,
      updateStatus: true,
      watchForSecrets: true,
      skipRecreate: false,
      logInfoStdout: true,
      logLevel: 'INFO',
      logFormat: 'text',
      maxUnsealRetries: 5,
      metricsOmitSecretLabels: false,
      kubeclientQps: 5,
      kubeclientBurst: 10,
      workers: 0,
      templateTimeBudgetMs: 2000,
      listenAddr: ':8080',
      listenMetricsAddr: ':8081',
      readTimeoutMs: 120_000,
      writeTimeoutMs: 120_000,
      kubeconfig: '',
      namespace: undefined,
    });
  });

  it('takes --template-time-budget as a Go duration (default 2s) and rejects zero', () => {
    expect(run([]).templateTimeBudgetMs).toBe(2000);
    expect(run(['--template-time-budget=500ms']).templateTimeBudgetMs).toBe(500);
    expect(run([], { SEALED_SECRETS_TEMPLATE_TIME_BUDGET: '1m' }).templateTimeBudgetMs).toBe(60_000);
    expect(() => run(['--template-time-budget=0s'])).toThrow(
      '--template-time-budget must be a positive duration, like 2s',
    );
  });

  it('takes --workers (0 = automatic) and rejects a negative count', () => {
    expect(run(['--workers=6']).workers).toBe(6);
    expect(run([], { SEALED_SECRETS_WORKERS: '3' }).workers).toBe(3);
    expect(() => run(['--workers=-1'])).toThrow('--workers must be 0 (automatic) or more, got -1');
  });

  it('accepts --flag=value, --flag value and bare booleans', () => {
    const config = run([
      '--key-size=2048',
      '--listen-addr',
      '127.0.0.1:9000',
      '--old-gc-behavior',
      '--update-status=false',
      '--key-renew-period',
      '1h30m',
    ]);
    expect(config.keySize).toBe(2048);
    expect(config.listenAddr).toBe('127.0.0.1:9000');
    expect(config.oldGcBehavior).toBe(true);
    expect(config.updateStatus).toBe(false);
    expect(config.keyRenewPeriodMs).toBe(90 * 60_000);
  });

  it('reads SEALED_SECRETS_* env, Go bools, and lets the command line win', () => {
    const env = {
      SEALED_SECRETS_UPDATE_STATUS: '0',
      SEALED_SECRETS_ALL_NAMESPACES: 'F',
      SEALED_SECRETS_KEY_SIZE: '3072',
    };
    expect(run([], env)).toMatchObject({ updateStatus: false, allNamespaces: false, keySize: 3072 });
    expect(run(['--key-size=2048'], env).keySize).toBe(2048);
  });

  it('--metrics-omit-secret-labels and SEALED_SECRETS_METRICS_OMIT_SECRET_LABELS (addendum §1.4)', () => {
    expect(run(['--metrics-omit-secret-labels']).metricsOmitSecretLabels).toBe(true);
    expect(run([], { SEALED_SECRETS_METRICS_OMIT_SECRET_LABELS: 'true' }).metricsOmitSecretLabels).toBe(true);
    expect(run([], { SEALED_SECRETS_METRICS_OMIT_SECRET_LABELS: '1' }).metricsOmitSecretLabels).toBe(true);
    expect(
      run(['--metrics-omit-secret-labels=false'], { SEALED_SECRETS_METRICS_OMIT_SECRET_LABELS: 'true' })
        .metricsOmitSecretLabels,
    ).toBe(false);
    expect(run([], { SEALED_SECRETS_METRICS_OMIT_SECRET_LABELS: 'yes' }).metricsOmitSecretLabels).toBe(false);
  });

  it('silently ignores env values that do not parse', () => {
    const config = run([], { SEALED_SECRETS_UPDATE_STATUS: 'yes', SEALED_SECRETS_KEY_TTL: '10d' });
    expect(config.updateStatus).toBe(true);
    expect(config.keyTtlMs).toBe(87600 * 3_600_000);
  });

  it('applies the deprecated ROTATE_PERIOD env after KEY_RENEW_PERIOD; the command line beats both', () => {
    const env = { SEALED_SECRETS_KEY_RENEW_PERIOD: '1h', SEALED_SECRETS_ROTATE_PERIOD: '2h' };
    expect(run([], env).keyRenewPeriodMs).toBe(2 * 3_600_000);
    expect(run(['--key-renew-period=3h'], env).keyRenewPeriodMs).toBe(3 * 3_600_000);
    expect(run(['--rotate-period=0'], {}).keyRenewPeriodMs).toBe(0);
  });

  it('takes the namespace from --namespace, else POD_NAMESPACE', () => {
    expect(run([], { POD_NAMESPACE: 'ctrl' }).namespace).toBe('ctrl');
    expect(run(['--namespace', 'mine'], { POD_NAMESPACE: 'ctrl' }).namespace).toBe('mine');
    expect(run([], { SEALED_SECRETS_NAMESPACE: 'ignored' }).namespace).toBeUndefined();
  });

  it('parses lists and k=v pairs, dropping the key label from extra labels', () => {
    const config = run([
      '--additional-namespaces=a,b,a,',
      '--privatekey-labels=testLabel1=additional.label,test.label.2=test/2,sealedsecrets.bitnami.com/sealed-secrets-key=x',
      '--privatekey-annotations=a=b=c',
    ]);
    expect(config.additionalNamespaces).toEqual(['a', 'b']);
    expect(config.privateKeyLabels).toEqual({ testLabel1: 'additional.label', 'test.label.2': 'test/2' });
    expect(config.privateKeyAnnotations).toEqual({ a: 'b=c' });
    expect(usageError(['--privatekey-labels=novalue']).code).toBe('USAGE');
  });

  it('--additional-namespaces: entries trimmed, empty ones skipped, duplicates dropped after trimming (addendum §3.1)', () => {
    expect(
      run(['--additional-namespaces', 'kube-public, default,,nonexistent-ns']).additionalNamespaces,
    ).toEqual(['kube-public', 'default', 'nonexistent-ns']);
    // Upstream drops duplicates before trimming and starts two instances for this; we start one.
    expect(run(['--additional-namespaces', 'default, default']).additionalNamespaces).toEqual(['default']);
    expect(run(['--additional-namespaces', ' , ,']).additionalNamespaces).toEqual([]);
  });

  it('parses --key-cutoff-time as RFC1123Z and rejects other formats', () => {
    expect(run(['--key-cutoff-time', 'Mon, 14 Oct 2024 21:45:30 +0200']).keyCutoffTime?.toISOString()).toBe(
      '2024-10-14T19:45:30.000Z',
    );
    expect(usageError(['--key-cutoff-time', '2024-10-14']).code).toBe('CONFIG');
  });

  it('validates the key prefix like upstream', () => {
    expect(usageError(['--key-prefix', 'Bad_Prefix']).message).toBe('name contains illegal character B');
    expect(usageError(['--key-prefix', 'a'.repeat(246)]).message).toBe(
      'name is too long, must be shorter than 245, got 246',
    );
  });

  it('falls back to CertNotBefore for an unknown key order priority, with a warning', () => {
    const config = run(['--key-order-priority', 'Nope']);
    expect(config.keyOrderPriority).toBe('CertNotBefore');
    expect(config.keyOrderPriorityWarning).toContain('Nope');
    expect(run(['--key-order-priority', 'SecretCreationTimestamp']).keyOrderPriority).toBe(
      'SecretCreationTimestamp',
    );
  });

  it.each([
    [['--nope'], 'unknown flag: --nope'],
    [['--key-size=abc'], 'invalid argument "abc" for "--key-size" flag: expected int'],
    [['--update-status=maybe'], 'invalid argument "maybe"'],
    [['--key-ttl=10d'], 'invalid argument "10d"'],
    [['--key-size'], 'flag needs an argument: --key-size'],
    [['positional'], 'unexpected argument "positional"'],
  ])('rejects %j with a usage error', (argv, message) => {
    const error = usageError(argv);
    expect(error.code).toBe('USAGE');
    expect(error.message).toContain(message);
  });

  it('leader election: off by default, client-go defaults, flags and SEALED_SECRETS_LEADER_ELECT_*', () => {
    expect(run([]).leaderElection).toEqual({
      enabled: false,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
      leaseName: 'sealed-secrets-controller',
    });
    expect(
      run(['--leader-elect', '--leader-elect-lease-duration=30s', '--leader-elect-resource-name', 'ha'], {
        SEALED_SECRETS_LEADER_ELECT_RENEW_DEADLINE: '20s',
        SEALED_SECRETS_LEADER_ELECT_RETRY_PERIOD: '500ms',
      }).leaderElection,
    ).toEqual({
      enabled: true,
      leaseDurationMs: 30_000,
      renewDeadlineMs: 20_000,
      retryPeriodMs: 500,
      leaseName: 'ha',
    });
    expect(run([], { SEALED_SECRETS_LEADER_ELECT: 'true' }).leaderElection.enabled).toBe(true);
    // Unusable timings are only an error when leader election is on.
    expect(run(['--leader-elect-lease-duration=1s']).leaderElection.enabled).toBe(false);
  });

  it.each([
    [
      ['--leader-elect-lease-duration=10s'],
      'lease-duration must be greater than --leader-elect-renew-deadline',
    ],
    [
      ['--leader-elect-renew-deadline=2s'],
      'renew-deadline must be greater than 1.2 × --leader-elect-retry-period',
    ],
    [['--leader-elect-retry-period=0s'], 'retry-period must be greater than zero'],
    [['--leader-elect-lease-duration=15500ms'], 'must be whole seconds'],
    [['--leader-elect-resource-name=Bad_Name'], '"Bad_Name" is not a valid object name'],
  ])('leader election: rejects %j', (argv, message) => {
    const error = usageError(['--leader-elect', ...argv]);
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain(message);
  });

  it('handles --version (before --help) and --help', () => {
    expect(parseControllerConfig(['--help', '--version'], {})).toEqual({ kind: 'version' });
    const help = parseControllerConfig(['--help'], {});
    expect(help.kind).toBe('help');
    if (help.kind === 'help') {
      expect(help.text).toContain('--key-renew-period duration');
      expect(help.text).toContain('(default 720h0m0s)');
    }
  });
});

describe('Go syntax helpers', () => {
  it.each([
    ['0', 0],
    ['720h0m0s', 720 * 3_600_000],
    ['1.5h', 5_400_000],
    ['300ms', 300],
    ['-1m', -60_000],
    ['2m0s', 120_000],
    ['1h', 3_600_000],
  ])('parseGoDuration(%s) = %d', (text, ms) => expect(parseGoDuration(text)).toBe(ms));

  it.each(['', '10', '1d', 'h', '1h 2m', '--1s'])('parseGoDuration rejects %j', (text) =>
    expect(parseGoDuration(text)).toBeUndefined(),
  );

  it('parses Go booleans', () => {
    expect(['1', 't', 'T', 'TRUE', 'true', 'True'].map(parseGoBool)).toEqual(Array(6).fill(true));
    expect(['0', 'f', 'F', 'FALSE', 'false', 'False'].map(parseGoBool)).toEqual(Array(6).fill(false));
    expect(parseGoBool('yes')).toBeUndefined();
  });

  it('rejects impossible RFC1123Z dates', () => {
    expect(parseRfc1123z('Mon, 31 Feb 2024 10:00:00 +0000')).toBeUndefined();
    expect(parseRfc1123z('Tue, 01 Jan 2030 00:00:00 -0130')?.toISOString()).toBe('2030-01-01T01:30:00.000Z');
  });
});

describe('--webhook-* (docs/admission.md, section 2)', () => {
  const run = (argv: string[]) => {
    const parsed = parseControllerConfig(argv, {});
    if (parsed.kind !== 'run') throw new Error('expected a run');
    return parsed.config;
  };

  it('is off by default', () => {
    expect(run([]).webhook).toBeUndefined();
  });

  it('reads every flag, with the defaults the chart documents', () => {
    expect(run(['--webhook-listen-addr', ':9443', '--webhook-hosts', 'a.ns.svc, 127.0.0.1']).webhook).toEqual(
      {
        listenAddr: ':9443',
        configurationName: '',
        hosts: ['a.ns.svc', '127.0.0.1'],
        caSecret: 'sealed-secrets-webhook-ca',
        caValidityMs: 43_800 * 3_600_000,
        certValidityMs: 720 * 3_600_000,
        timeoutMs: 3_000,
        rateLimit: 5,
        rateLimitBurst: 20,
        maxInFlight: 16,
        skipNamespaces: ['kube-system', 'kube-public', 'kube-node-lease'],
      },
    );
  });

  it('refuses a webhook without hosts, non-positive durations and a certificate outliving its CA', () => {
    const base = ['--webhook-listen-addr', ':9443', '--webhook-hosts', 'x'];
    expect(() => run(['--webhook-listen-addr', ':9443'])).toThrow('--webhook-hosts is required');
    expect(() => run([...base, '--webhook-timeout', '0s'])).toThrow(
      '--webhook-timeout must be a positive duration',
    );
    expect(() => run([...base, '--webhook-cert-validity', '2h', '--webhook-ca-validity', '1h'])).toThrow(
      '--webhook-cert-validity must not exceed --webhook-ca-validity',
    );
    expect(() => run([...base, '--webhook-max-in-flight', '0'])).toThrow('at least 1');
  });
});
