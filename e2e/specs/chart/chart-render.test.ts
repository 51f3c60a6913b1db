import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { RENDER_CASES, testKeyPair } from './cases.js';
import {
  HELM_BUILD_TIMEOUT_MS,
  chartDir,
  controllerContainer,
  findObject,
  helmBin,
  helmTemplate,
  parseObjects,
  runHelm,
  type K8sObject,
} from './helm.js';

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

interface Rule {
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
  verbs: string[];
}

const rules = (o: K8sObject): Rule[] => o['rules'] as Rule[];
const render = (name: keyof typeof RENDER_CASES): K8sObject[] =>
  parseObjects(helmTemplate(RENDER_CASES[name]));
const containerArgs = (objects: K8sObject[]): string[] => controllerContainer(objects).args ?? [];

describe('helm lint', () => {
  it('passes with the default values and with every optional resource enabled', () => {
    const plain = runHelm(['lint', chartDir, '--strict']);
    expect(plain.stderr).toBe('');
    expect(plain.stdout).toContain('0 chart(s) failed');
    const full = runHelm([
      'lint',
      chartDir,
      '--strict',
      ...['--set', 'metrics.serviceMonitor.enabled=true,metrics.dashboards.create=true,pdb.create=true'],
      ...[
        '--set',
        'networkPolicy.enabled=true,ingress.enabled=true,ingress.tls=true,ingress.selfSigned=true',
      ],
    ]);
    expect(full.status).toBe(0);
    expect(full.stdout).toContain('0 chart(s) failed');
  });
});

describe('helm template goldens', () => {
  for (const name of Object.keys(RENDER_CASES)) {
    // Without the CRD: it has an owner of its own, and deploy/controller.yaml's freshness test covers it.
    it(`renders ${name} as in golden/${name}.yaml`, async () => {
      const rendered = helmTemplate(RENDER_CASES[name]);
      await expect(rendered).toMatchFileSnapshot(`golden/${name}.yaml`);
    });
  }
});

describe('values → controller flags', () => {
  it('passes by default only --update-status, the key prefix and the listen addresses', () => {
    const c = controllerContainer(render('default'));
    expect(c.command).toEqual(['node', '/app/bin/sealed-secrets-controller.js']);
    expect(c.args).toEqual([
      '--update-status',
      '--key-prefix',
      'sealed-secrets-key',
      '--listen-addr',
      ':8080',
      '--listen-metrics-addr',
      ':8081',
    ]);
  });

  it('maps every controller value, booleans only when true', () => {
    const c = controllerContainer(render('controller-flags'));
    expect(c.args).toEqual([
      '--skip-recreate',
      '--key-renew-period',
      '0',
      '--key-ttl',
      '8760h',
      '--key-cutoff-time',
      'Mon, 14 Oct 2024 21:45:30 +0200',
      '--rate-limit',
      '5',
      '--rate-limit-burst',
      '10',
      '--key-prefix',
      'sealed-secrets-key',
      '--privatekey-annotations',
      'owner=ops',
      '--privatekey-labels',
      'env=prod,team=platform',
      '--log-info-stdout',
      '--log-level',
      'DEBUG',
      '--log-format',
      'json',
      '--max-unseal-retries',
      '3',
      '--watch-for-secrets',
      '--kubeclient-qps',
      '7.5',
      '--kubeclient-burst',
      '20',
      '--listen-addr',
      ':9090',
      '--listen-metrics-addr',
      ':9091',
    ]);
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 9090 },
      { name: 'metrics', containerPort: 9091 },
    ]);
  });

  it('joins additionalNamespaces with commas', () => {
    const c = controllerContainer(render('namespaced-rbac'));
    const i = c.args?.indexOf('--additional-namespaces') ?? -1;
    expect(i).toBeGreaterThan(-1);
    expect(c.args?.[i + 1]).toBe('team-a,team-b');
  });

  it('uses args and command verbatim when set', () => {
    const c = controllerContainer(
      parseObjects(
        helmTemplate({
          values: { command: ['/bin/ctl'], args: ['--update-status=false', '--all-namespaces=false'] },
        }),
      ),
    );
    expect(c.command).toEqual(['/bin/ctl']);
    expect(c.args).toEqual(['--update-status=false', '--all-namespaces=false']);
  });
});

describe('Deployment hardening', () => {
  it('runs non-root with a read-only root filesystem, no privilege escalation, no capabilities', () => {
    const objects = render('default');
    const c = controllerContainer(objects);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const pod = (findObject(objects, 'Deployment')['spec'] as { template: { spec: Record<string, unknown> } })
      .template.spec;
    expect(pod['securityContext']).toEqual({ fsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod['volumes']).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(c['volumeMounts']).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(c['livenessProbe']).toMatchObject({ httpGet: { path: '/healthz', port: 'http' } });
    expect(c['readinessProbe']).toMatchObject({ httpGet: { path: '/readyz', port: 'http' } });
    expect(pod).not.toHaveProperty('hostUsers');
  });

  const podSpec = (values: Record<string, unknown>): Record<string, unknown> =>
    (
      findObject(parseObjects(helmTemplate({ values })), 'Deployment')['spec'] as {
        template: { spec: Record<string, unknown> };
      }
    ).template.spec;

  it('keeps the seccomp profile when only fsGroup is overridden; null removes it (Helm merges values)', () => {
    expect(podSpec({ 'podSecurityContext.fsGroup': 2000 })['securityContext']).toEqual({
      fsGroup: 2000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(podSpec({ 'podSecurityContext.seccompProfile': null })['securityContext']).toEqual({
      fsGroup: 65534,
    });
  });

  it('renders hostUsers only when it is a boolean (upstream chart 2.19.2+)', () => {
    expect(podSpec({ hostUsers: false })['hostUsers']).toBe(false);
    expect(podSpec({ hostUsers: true })['hostUsers']).toBe(true);
    expect(podSpec({ hostUsers: null })).not.toHaveProperty('hostUsers');
    // Upstream silently ignores a string; our schema refuses it (chart-schema.test.ts).
  });
});

describe('PrometheusRule (upstream chart 2.19.0+, addendum §4.1; bundled rules ours)', () => {
  type Group = { name: string; rules: Record<string, unknown>[] };
  const groupsOf = (values: Record<string, unknown>): Group[] =>
    (findObject(parseObjects(helmTemplate({ values })), 'PrometheusRule')['spec'] as { groups: Group[] })
      .groups;
  const bundled = (
    parse(readFileSync(join(chartDir, 'prometheus/rules.yaml'), 'utf8')) as { groups: Group[] }
  ).groups;

  it('adds exactly one object when enabled: the upstream group first, unchanged, then the bundled groups', async () => {
    const base = parseObjects(helmTemplate(RENDER_CASES['prometheus-rule'] ?? {}));
    const without = parseObjects(helmTemplate({ values: { commonLabels: { team: 'platform' } } }));
    expect(base.map((o) => o.kind).sort()).toEqual([...without.map((o) => o.kind), 'PrometheusRule'].sort());
    const rule = findObject(base, 'PrometheusRule');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(rule.metadata.name).toBe('sealed-secrets');
    expect(rule.metadata.namespace).toBe('sealed-secrets');
    expect(rule.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'sealed-secrets',
      'app.kubernetes.io/instance': 'sealed-secrets',
      release: 'prometheus',
      team: 'platform',
    });
    expect(rule.metadata.annotations).toEqual({ owner: 'ops' });
    const groups = (rule['spec'] as { groups: Group[] }).groups;
    expect(groups.map((g) => g.name)).toEqual(['sealed-secrets-controller.rules', 'sealed-secrets']);
    expect(groups[0]?.rules).toHaveLength(1);
    const alert = groups[0]?.rules[0] ?? {};
    expect({ ...alert, expr: String(alert['expr']).trim(), annotations: undefined }).toEqual({
      alert: 'SealedSecretsControllerNotReady',
      expr: 'sealed_secrets_controller_condition_info != 1',
      for: '10m',
      labels: { severity: 'critical' },
      annotations: undefined,
    });
    const annotations = alert['annotations'] as Record<string, string>;
    expect(annotations['summary']).toBe('Sealed Secrets controller is not Synced');
    // Prometheus, not Helm, expands these: they must reach the object untouched.
    expect(annotations['description']).toContain('{{ $labels.namespace }}/{{ $labels.name }}');
    // The bundled groups are prometheus/rules.yaml as it is, Prometheus templates included.
    expect(groups.slice(1)).toEqual(bundled);
    expect(groups[1]?.rules.map((r) => r['alert'])).toEqual([
      'SealedSecretsUnsealErrorHigh',
      'SealedSecretsDecryptErrorRateHigh',
      'SealedSecretsSealingKeyTooOld',
      'SealedSecretsOldKeyStillInUse',
    ]);
  });

  it('renders no PrometheusRule by default, and no empty annotations when none are set', () => {
    expect(render('default').map((o) => o.kind)).not.toContain('PrometheusRule');
    const rule = findObject(
      parseObjects(helmTemplate({ values: { 'metrics.prometheusRule.enabled': true } })),
      'PrometheusRule',
    );
    expect(rule.metadata).not.toHaveProperty('annotations');
  });

  const custom = [
    {
      name: 'custom',
      interval: '1m',
      rules: [
        {
          record: 'namespace:sealed_secrets_unseal_errors:rate5m',
          expr: 'sum by (namespace) (rate(x[5m]))',
        },
        { alert: 'UnsealErrors', expr: 'namespace:sealed_secrets_unseal_errors:rate5m > 0', for: '5m' },
      ],
    },
  ];

  it('renders user groups verbatim, recording rules included, in the chosen namespace, before the bundled ones', () => {
    const rule = findObject(
      parseObjects(
        helmTemplate({
          values: { metrics: { prometheusRule: { enabled: true, namespace: 'monitoring', groups: custom } } },
        }),
      ),
      'PrometheusRule',
    );
    expect(rule.metadata.namespace).toBe('monitoring');
    expect((rule['spec'] as { groups: unknown })['groups']).toEqual([...custom, ...bundled]);
  });

  it('bundledRules: false renders exactly `groups`, as upstream does', () => {
    expect(
      groupsOf({ metrics: { prometheusRule: { enabled: true, bundledRules: false, groups: custom } } }),
    ).toEqual(custom);
    const upstreamDefault = groupsOf({ metrics: { prometheusRule: { enabled: true, bundledRules: false } } });
    expect(upstreamDefault.map((g) => g.name)).toEqual(['sealed-secrets-controller.rules']);
  });

  it('a group in `groups` named like a bundled group replaces it (tune thresholds without dropping the rest)', () => {
    const tuned = {
      name: 'sealed-secrets',
      rules: [{ alert: 'SealedSecretsUnsealErrorHigh', expr: 'sum(rate(x[5m])) > 1', for: '30m' }],
    };
    const groups = groupsOf({ metrics: { prometheusRule: { enabled: true, groups: [tuned] } } });
    expect(groups).toEqual([tuned]);
    expect(groups.filter((g) => g.name === 'sealed-secrets')).toHaveLength(1);
  });

  it('the schema refuses a non-boolean bundledRules', () => {
    const res = runHelm([
      'template',
      chartDir,
      '--set',
      'metrics.prometheusRule.enabled=true',
      '--set-string',
      'metrics.prometheusRule.bundledRules=yes',
    ]);
    expect(res.status).not.toBe(0);
    expect(res.stderr).toContain('bundledRules');
  });
});

describe('Services', () => {
  it('names the first port of <fullname> "http" so kubeseal\'s proxy path http:<name>:http resolves', () => {
    const objects = render('kube-system');
    const svc = findObject(objects, 'Service', 'sealed-secrets-controller');
    const ports = (svc['spec'] as { ports: { name: string; port: number; targetPort: string }[] }).ports;
    expect(ports[0]).toEqual({ name: 'http', port: 8080, targetPort: 'http' });
    const metrics = findObject(objects, 'Service', 'sealed-secrets-controller-metrics');
    expect(metrics.metadata.labels?.['app.kubernetes.io/component']).toBe('metrics');
  });
});

describe('RBAC', () => {
  it('grants cluster-wide unsealing through secrets-unsealer and key management in the controller namespace', () => {
    const objects = render('default');
    const cr = findObject(objects, 'ClusterRole', 'secrets-unsealer');
    expect(rules(cr)).toContainEqual({
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get', 'list', 'create', 'update', 'delete', 'watch'],
    });
    expect(rules(cr).some((r) => r.resources.includes('namespaces'))).toBe(false);
    const keyAdmin = findObject(objects, 'Role', 'sealed-secrets-key-admin');
    expect(keyAdmin.metadata.namespace).toBe('sealed-secrets');
    expect(rules(keyAdmin)).toEqual([
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['sealed-secrets-key'], verbs: ['get'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'list'] },
    ]);
  });

  it('lets every authenticated user reach the controller through the service proxy', () => {
    const objects = render('kube-system');
    const proxier = findObject(objects, 'Role', 'sealed-secrets-controller-service-proxier');
    expect(rules(proxier)).toEqual([
      {
        apiGroups: [''],
        resources: ['services'],
        resourceNames: ['sealed-secrets-controller'],
        verbs: ['get'],
      },
      {
        apiGroups: [''],
        resources: ['services/proxy'],
        resourceNames: [
          'http:sealed-secrets-controller:',
          'http:sealed-secrets-controller:http',
          'sealed-secrets-controller',
        ],
        verbs: ['create', 'get'],
      },
    ]);
    const binding = findObject(objects, 'RoleBinding', 'sealed-secrets-controller-service-proxier');
    expect(binding['subjects']).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' },
    ]);
  });

  it('namespaced mode: an unsealer Role + RoleBinding per watched namespace and no cluster-wide grant', () => {
    const objects = render('namespaced-rbac');
    expect(objects.filter((o) => o.kind.startsWith('Cluster'))).toEqual([]);
    const roles = objects.filter((o) => o.kind === 'Role' && o.metadata.name === 'secrets-unsealer');
    expect(roles.map((r) => r.metadata.namespace)).toEqual(['ssts-controller', 'team-a', 'team-b']);
    const teamA = roles[1] as K8sObject;
    expect(rules(teamA).find((r) => r.resources.includes('namespaces'))?.resourceNames).toEqual(['team-a']);
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' && o.metadata.name === 'sealed-secrets');
    expect(bindings.map((b) => b.metadata.namespace)).toEqual(['ssts-controller', 'team-a', 'team-b']);
    expect(bindings[2]?.['subjects']).toEqual([
      { kind: 'ServiceAccount', name: 'sealed-secrets', namespace: 'ssts-controller' },
    ]);
  });

  it('restricts the namespaces rule of the ClusterRole to additionalNamespaces', () => {
    const cr = findObject(
      parseObjects(helmTemplate({ values: { additionalNamespaces: ['a', 'b'] } })),
      'ClusterRole',
      'secrets-unsealer',
    );
    expect(rules(cr).find((r) => r.resources.includes('namespaces'))).toEqual({
      apiGroups: [''],
      resources: ['namespaces'],
      resourceNames: ['a', 'b'],
      verbs: ['get'],
    });
  });

  it('renders no RBAC at all with rbac.create=false', () => {
    const objects = parseObjects(helmTemplate({ values: { 'rbac.create': false } }));
    expect(objects.filter((o) => /Role/.test(o.kind))).toEqual([]);
  });
});

describe('bring your own key', () => {
  it('renders an active kubernetes.io/tls key Secret that survives helm uninstall', () => {
    const secret = findObject(render('byo-key'), 'Secret', 'sealed-secrets-key-byo');
    expect(secret['type']).toBe('kubernetes.io/tls');
    expect(secret.metadata.labels?.['sealedsecrets.bitnami.com/sealed-secrets-key']).toBe('active');
    expect(secret.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const data = secret['data'] as Record<string, string>;
    expect(Buffer.from(data['tls.crt'] ?? '', 'base64').toString()).toBe(testKeyPair.certificate);
    expect(Buffer.from(data['tls.key'] ?? '', 'base64').toString()).toBe(testKeyPair.privateKey);
  });

  it('renders no key Secret by default', () => {
    expect(render('default').filter((o) => o.kind === 'Secret')).toEqual([]);
  });
});

describe('optional resources', () => {
  it('renders ServiceMonitor, NetworkPolicy, PDB, Ingress and the dashboard ConfigMap when enabled', () => {
    const objects = render('metrics-and-exposure');
    const sm = findObject(objects, 'ServiceMonitor');
    expect(sm['spec']).toMatchObject({
      endpoints: [{ port: 'metrics', interval: '30s', honorLabels: true }],
    });
    const np = findObject(objects, 'NetworkPolicy');
    expect(np['spec']).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    expect(findObject(objects, 'PodDisruptionBudget')['spec']).toMatchObject({ minAvailable: 1 });
    const ing = findObject(objects, 'Ingress');
    expect(ing['spec']).toMatchObject({
      ingressClassName: 'nginx',
      rules: [
        {
          host: 'sealed-secrets.local',
          // The main path, then the sealing page's (webUi.enabled, the default; see web-ui.test.ts).
          http: { paths: [{ path: '/v1/cert.pem' }, { path: '/' }, { path: '/ui/' }] },
        },
      ],
      tls: [{ hosts: ['sealed-secrets.local'], secretName: 'sealed-secrets.local-tls' }],
    });
    const cm = findObject(objects, 'ConfigMap', 'sealed-secrets-dashboards');
    const dashboard = JSON.parse(
      (cm['data'] as Record<string, string>)['sealed-secrets-controller.json'] ?? '',
    ) as {
      panels: { targets?: { expr: string }[] }[];
    };
    expect(dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n')).toContain(
      'sealed_secrets_controller_unseal_errors_total',
    );
  });

  it('renders none of them by default', () => {
    const kinds = render('default').map((o) => o.kind);
    for (const kind of [
      'ServiceMonitor',
      'PrometheusRule',
      'NetworkPolicy',
      'PodDisruptionBudget',
      'Ingress',
      'ConfigMap',
    ]) {
      expect(kinds).not.toContain(kind);
    }
  });
});

describe('admission policy (docs/admission.md)', () => {
  const POLICY_KINDS = ['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'];

  it('is off by default; enabled, it adds exactly a policy and its binding, named after the release', () => {
    expect(render('default').filter((o) => POLICY_KINDS.includes(o.kind))).toEqual([]);
    const objects = render('admission-policy');
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [...render('kube-system').map((o) => o.kind), ...POLICY_KINDS].sort(),
    );
    const policy = findObject(objects, 'ValidatingAdmissionPolicy');
    const binding = findObject(objects, 'ValidatingAdmissionPolicyBinding');
    expect(policy.metadata.name).toBe('sealed-secrets-controller-policy');
    expect(policy.metadata.namespace).toBeUndefined();
    expect(binding.metadata.name).toBe('sealed-secrets-controller-policy');
    expect(binding['spec']).toEqual({
      policyName: 'sealed-secrets-controller-policy',
      validationActions: ['Deny'],
    });
    expect(policy['spec']).toMatchObject({
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: ['bitnami.com'],
            apiVersions: ['v1alpha1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['sealedsecrets'],
          },
        ],
      },
    });
  });

  it('passes the actions, the failure policy and both selectors through', () => {
    const objects = render('admission-policy-warn');
    expect(findObject(objects, 'ValidatingAdmissionPolicy')['spec']).toMatchObject({
      failurePolicy: 'Ignore',
    });
    expect(findObject(objects, 'ValidatingAdmissionPolicyBinding')['spec']).toEqual({
      policyName: 'sealed-secrets-policy',
      validationActions: ['Warn', 'Audit'],
      matchResources: {
        namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] },
        objectSelector: { matchLabels: { 'sealedsecrets.example.com/validate': 'true' } },
      },
    });
  });
});

describe('admission webhook (docs/admission.md, section 2)', () => {
  const WEBHOOK_KINDS = [
    'Service',
    'ValidatingWebhookConfiguration',
    'Role',
    'RoleBinding',
    'ClusterRole',
    'ClusterRoleBinding',
  ];

  it('is off by default; enabled, it adds a Service, the configuration and RBAC for its two objects only', () => {
    expect(render('default').map((o) => o.kind)).not.toContain('ValidatingWebhookConfiguration');
    const objects = render('admission-webhook');
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [...render('kube-system').map((o) => o.kind), ...WEBHOOK_KINDS].sort(),
    );
    const configuration = findObject(objects, 'ValidatingWebhookConfiguration');
    expect(configuration.metadata.name).toBe('sealed-secrets-controller-webhook');
    const webhooks = configuration['webhooks'] as Record<string, unknown>[];
    expect(webhooks).toHaveLength(1);
    expect(webhooks[0]).toMatchObject({
      name: 'validate.sealedsecrets.bitnami.com',
      sideEffects: 'None',
      failurePolicy: 'Ignore',
      timeoutSeconds: 5,
      clientConfig: {
        service: {
          name: 'sealed-secrets-controller-webhook',
          namespace: 'kube-system',
          path: '/validate-sealedsecrets',
          port: 443,
        },
      },
      namespaceSelector: {
        matchExpressions: [
          {
            key: 'kubernetes.io/metadata.name',
            operator: 'NotIn',
            values: ['kube-system', 'kube-public', 'kube-node-lease'],
          },
        ],
      },
    });
    // No caBundle on a first install: the controller writes it.
    expect((webhooks[0]?.['clientConfig'] as Record<string, unknown>)['caBundle']).toBeUndefined();
    const rules = objects
      .filter((o) => o.metadata.name === 'sealed-secrets-controller-webhook' && o.kind.endsWith('Role'))
      .flatMap((o) => o['rules'] as Record<string, unknown>[]);
    expect(rules).toHaveLength(3);
    expect(rules).toEqual(
      expect.arrayContaining([
        {
          apiGroups: [''],
          resources: ['secrets'],
          resourceNames: ['sealed-secrets-controller-webhook-ca'],
          verbs: ['get', 'update'],
        },
        { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['validatingwebhookconfigurations'],
          resourceNames: ['sealed-secrets-controller-webhook'],
          verbs: ['get', 'patch'],
        },
      ]),
    );
    const args = containerArgs(objects);
    expect(args.slice(args.indexOf('--webhook-listen-addr'))).toEqual([
      '--webhook-listen-addr',
      ':9443',
      '--webhook-hosts',
      'sealed-secrets-controller-webhook.kube-system.svc,sealed-secrets-controller-webhook.kube-system.svc.cluster.local',
      '--webhook-configuration',
      'sealed-secrets-controller-webhook',
      '--webhook-ca-secret',
      'sealed-secrets-controller-webhook-ca',
      '--webhook-timeout',
      '3s',
      '--webhook-rate-limit',
      '5',
      '--webhook-rate-limit-burst',
      '20',
      '--webhook-max-in-flight',
      '16',
      '--webhook-skip-namespaces',
      'kube-system,kube-public,kube-node-lease',
      '--webhook-cert-validity',
      '720h',
      '--webhook-ca-validity',
      '43800h',
    ]);
  });

  it('passes every option through; the release namespace is always skipped; the network policy opens the port', () => {
    const objects = render('admission-webhook-options');
    const webhook = (
      findObject(objects, 'ValidatingWebhookConfiguration')['webhooks'] as Record<string, unknown>[]
    )[0];
    expect(webhook).toMatchObject({
      failurePolicy: 'Fail',
      timeoutSeconds: 10,
      namespaceSelector: {
        matchLabels: { 'sealedsecrets.example.com/validate': 'true' },
        matchExpressions: [
          {
            key: 'kubernetes.io/metadata.name',
            operator: 'NotIn',
            values: ['ssts-controller', 'kube-system', 'flux-system'],
          },
          { key: 'team', operator: 'In', values: ['a', 'b'] },
        ],
      },
      objectSelector: { matchLabels: { app: 'web' } },
    });
    const args = containerArgs(objects);
    expect(args).toContain('my-webhook-ca');
    expect(args.slice(args.indexOf('--webhook-timeout'), args.indexOf('--webhook-timeout') + 2)).toEqual([
      '--webhook-timeout',
      '8s',
    ]);
    const policy = findObject(objects, 'NetworkPolicy')['spec'] as {
      ingress: { ports: { port: number }[] }[];
    };
    expect(policy.ingress[0]?.ports.map((p) => p.port)).toContain(8443);
    const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'sealed-secrets-webhook');
    expect(service?.['spec']).toMatchObject({
      ports: [{ name: 'webhook', port: 443, targetPort: 'webhook' }],
    });
  });
});

describe('documentation and schema cover every value', () => {
  const valuesText = readFileSync(join(chartDir, 'values.yaml'), 'utf8');
  const params = [...valuesText.matchAll(/^\s*## @param (\S+) /gm)].map((m) => m[1] as string);
  const defaults = parse(valuesText) as Record<string, unknown>;

  const leaves = (value: unknown, prefix: string): string[] =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0
      ? Object.entries(value).flatMap(([k, v]) => leaves(v, prefix === '' ? k : `${prefix}.${k}`))
      : [prefix];

  it('documents every leaf of values.yaml with an @param comment', () => {
    expect(params.length).toBeGreaterThan(100);
    const undocumented = leaves(defaults, '').filter(
      (leaf) => !params.some((p) => leaf === p || leaf.startsWith(`${p}.`)),
    );
    expect(undocumented).toEqual([]);
  });

  it('lists every @param in the README values table', () => {
    const readme = readFileSync(join(chartDir, 'README.md'), 'utf8');
    const rows = new Set([...readme.matchAll(/^\|\s*`([^`]+)`\s*\|/gm)].map((m) => m[1]));
    expect(params.filter((p) => !rows.has(p))).toEqual([]);
  });

  it('declares every @param in values.schema.json', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as SchemaNode;
    const missing = params.filter((p) => {
      let node: SchemaNode | undefined = schema;
      for (const part of p.split('.')) node = node?.properties?.[part];
      return node === undefined;
    });
    expect(missing).toEqual([]);
  });
});

interface SchemaNode {
  properties?: Record<string, SchemaNode>;
}

describe('common values', () => {
  it('adds commonLabels/commonAnnotations everywhere without overriding the standard labels', () => {
    const objects = parseObjects(
      helmTemplate({
        values: {
          commonLabels: { team: 'platform', 'app.kubernetes.io/name': 'hijack' },
          commonAnnotations: { owner: 'ops' },
        },
      }),
    );
    for (const o of objects) {
      expect(o.metadata.labels?.['team'], `${o.kind}/${o.metadata.name}`).toBe('platform');
      expect(o.metadata.labels?.['app.kubernetes.io/name'], `${o.kind}/${o.metadata.name}`).toBe(
        'sealed-secrets',
      );
      expect(o.metadata.annotations?.['owner'], `${o.kind}/${o.metadata.name}`).toBe('ops');
    }
  });

  it('renders extraDeploy objects, templating strings', () => {
    const objects = parseObjects(
      helmTemplate({
        values: {
          extraDeploy: [
            { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' } },
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "sealed-secrets.fullname" . }}-extra',
          ],
        },
      }),
    );
    expect(objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)).toEqual([
      'plain',
      'sealed-secrets-extra',
    ]);
  });
});
