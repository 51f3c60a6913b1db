import { beforeAll, describe, expect, it } from 'vitest';
import { HELM_BUILD_TIMEOUT_MS, chartDir, helmBin, helmTemplateResult, runHelm } from './helm.js';

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

/** [description, values, text the error must contain] */
const REJECTED: [string, Record<string, unknown>, RegExp][] = [
  [
    'an unknown top-level value (typo)',
    { updateStatuss: true },
    /additional properties 'updateStatuss' not allowed/,
  ],
  [
    'an unknown nested value',
    { rbac: { clusterrole: false } },
    /at '\/rbac'.*additional properties 'clusterrole'/,
  ],
  ['a key renewal period with a "d" unit', { keyrenewperiod: '30d' }, /at '\/keyrenewperiod'/],
  [
    'a key TTL that is not a Go duration',
    { keyttl: 'ten years' },
    /at '\/keyttl': 'ten years' does not match/,
  ],
  ['a cutoff time in RFC 3339', { keycutofftime: '2024-10-14T21:45:30Z' }, /at '\/keycutofftime'/],
  ['a log level outside slog', { logLevel: 'verbose' }, /at '\/logLevel': value must be one of/],
  ['a log format other than text/json', { logFormat: 'xml' }, /at '\/logFormat': value must be one of/],
  [
    'a key prefix with upper case',
    { secretName: 'Sealed_Key' },
    /at '\/secretName': 'Sealed_Key' does not match/,
  ],
  [
    'an additional namespace that is not a DNS label',
    { additionalNamespaces: ['Team A'] },
    /at '\/additionalNamespaces\/0'/,
  ],
  [
    'a private key label with a comma',
    { privateKeyLabels: { team: 'a,b' } },
    /at '\/privateKeyLabels\/team'/,
  ],
  ['a boolean given as a string', { updateStatus: 'false' }, /at '\/updateStatus': got string, want boolean/],
  ['a port out of range', { containerPorts: { http: 70000 } }, /at '\/containerPorts\/http': maximum/],
  [
    'an unknown Service type',
    { service: { type: 'External' } },
    /at '\/service\/type': value must be one of/,
  ],
  ['PodSecurityPolicy', { rbac: { pspEnabled: true } }, /at '\/rbac\/pspEnabled': value must be false/],
  ['a rate limit that is not a number', { rateLimit: 'fast' }, /at '\/rateLimit'/],
  ['hostUsers as a string', { hostUsers: 'false' }, /at '\/hostUsers': got string, want null or boolean/],
  [
    'a PrometheusRule rule with neither alert nor record',
    { metrics: { prometheusRule: { groups: [{ name: 'g', rules: [{ expr: 'up == 0' }] }] } } },
    /at '\/metrics\/prometheusRule\/groups\/0\/rules\/0'/,
  ],
  [
    'a PrometheusRule group without a name',
    { metrics: { prometheusRule: { groups: [{ rules: [] }] } } },
    /at '\/metrics\/prometheusRule\/groups\/0'.*name/,
  ],
  [
    'a PrometheusRule "for" that is not a Prometheus duration',
    {
      metrics: {
        prometheusRule: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'up', for: 'ten minutes' }] }] },
      },
    },
    /at '\/metrics\/prometheusRule\/groups\/0\/rules\/0\/for'/,
  ],
  [
    'an unknown admission policy action',
    { admission: { policy: { validationActions: ['Reject'] } } },
    /at '\/admission\/policy\/validationActions\/0': value must be one of/,
  ],
  [
    'an empty list of admission policy actions',
    { admission: { policy: { validationActions: [] } } },
    /at '\/admission\/policy\/validationActions': minItems/,
  ],
  [
    'an admission failurePolicy other than Fail/Ignore',
    { admission: { policy: { failurePolicy: 'Deny' } } },
    /at '\/admission\/policy\/failurePolicy': value must be one of/,
  ],
  [
    'a key limit of zero',
    { admission: { policy: { maxKeys: 0 } } },
    /at '\/admission\/policy\/maxKeys': minimum/,
  ],
  [
    'a selector operator outside the label selector API',
    {
      admission: { policy: { namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Equals' }] } } },
    },
    /at '\/admission\/policy\/namespaceSelector\/matchExpressions\/0\/operator'/,
  ],
  [
    'a BYO key without its private key',
    { byoKey: { enabled: true, certificate: 'x' } },
    /at '\/byoKey\/privateKey'/,
  ],
];

describe('values.schema.json', () => {
  for (const [what, values, message] of REJECTED) {
    it(`rejects ${what} with a message naming the value`, () => {
      const result = helmTemplateResult({ values });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("values don't meet the specifications of the schema");
      expect(result.stderr.replace(/\n\s*/g, ' ')).toMatch(message);
    });
  }

  it('accepts numbers and numeric strings for the numeric flags, and "0" or 0 for the renewal period', () => {
    for (const values of [
      { rateLimit: 5, rateLimitBurst: '10', maxRetries: 0, kubeClientQPS: -1, keyrenewperiod: 0 },
      { rateLimit: '5', kubeClientQPS: '2.5', keyrenewperiod: '0' },
      { keyrenewperiod: '720h30m', keyttl: '87600h', keycutofftime: 'Tue, 01 Apr 2025 08:00:00 -0700' },
    ]) {
      const result = helmTemplateResult({ values });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    }
  });
});

describe('template checks', () => {
  it('refuses namespaced roles while the ClusterRole is on', () => {
    const r = helmTemplateResult({ values: { 'rbac.namespacedRoles': true, additionalNamespaces: ['a'] } });
    expect(r.stderr).toContain('rbac.namespacedRoles=true needs rbac.clusterRole=false');
  });

  it('refuses namespaced roles without namespaces to watch', () => {
    const r = helmTemplateResult({ values: { 'rbac.namespacedRoles': true, 'rbac.clusterRole': false } });
    expect(r.stderr).toContain('rbac.namespacedRoles=true needs additionalNamespaces');
    const own = helmTemplateResult({
      values: { 'rbac.namespacedRoles': true, 'rbac.clusterRole': false, args: ['--all-namespaces=false'] },
    });
    expect(own.status).toBe(0);
  });

  it('refuses an egress policy without the API server address', () => {
    const r = helmTemplateResult({ values: { networkPolicy: { enabled: true, egress: { enabled: true } } } });
    expect(r.stderr).toContain('networkPolicy.egress.enabled needs networkPolicy.egress.kubeapiCidr');
  });

  it('refuses Deny together with Warn, which the API server would refuse in the binding', () => {
    const r = helmTemplateResult({
      values: { admission: { policy: { enabled: true, validationActions: ['Deny', 'Warn'] } } },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('admission.policy.validationActions cannot hold both Deny and Warn');
  });

  it('refuses the admission policy below Kubernetes 1.30 (no admissionregistration.k8s.io/v1 policies)', () => {
    const args = [
      'template',
      'x',
      chartDir,
      '--kube-version',
      '1.29.9',
      '--set',
      'admission.policy.enabled=true',
    ];
    const r = runHelm(args);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('admission.policy.enabled needs Kubernetes >= 1.30');
    expect(r.stderr).toContain('the target is v1.29.9');
    expect(runHelm(args.slice(0, -2)).status).toBe(0);
  });

  it('refuses a BYO key that is not PEM', () => {
    const r = helmTemplateResult({
      values: {
        byoKey: { enabled: true, certificate: '-----BEGIN CERTIFICATE-----\nx', privateKey: 'not a key' },
      },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('byoKey/privateKey');
  });
});
