import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, type TemplateOptions } from './helm.js';

const vectorDir = join(repoRoot, 'packages/test-utils/fixtures/vectors/sealedsecret-4096');

/** The TEST key pair of the known-answer vectors (never used in a cluster outside the tests). */
export const testKeyPair = {
  certificate: readFileSync(join(vectorDir, 'tls.crt'), 'utf8'),
  privateKey: readFileSync(join(vectorDir, 'tls.key'), 'utf8'),
};

/** Value combinations rendered as goldens and server-side dry-run against the local control plane. */
export const RENDER_CASES: Record<string, TemplateOptions> = {
  default: {},
  'kube-system': {
    release: 'sealed-secrets-controller',
    namespace: 'kube-system',
    values: { fullnameOverride: 'sealed-secrets-controller' },
  },
  'namespaced-rbac': {
    namespace: 'ssts-controller',
    values: {
      'rbac.clusterRole': false,
      'rbac.namespacedRoles': true,
      additionalNamespaces: ['team-a', 'team-b'],
    },
  },
  'metrics-and-exposure': {
    values: {
      metrics: {
        serviceMonitor: { enabled: true, interval: '30s', labels: { release: 'prometheus' } },
        dashboards: { create: true, labels: { grafana_dashboard: '1' } },
      },
      networkPolicy: {
        enabled: true,
        egress: { enabled: true, kubeapiCidr: '10.0.0.1/32', kubeapiPort: 6443 },
      },
      pdb: { create: true },
      ingress: { enabled: true, ingressClassName: 'nginx', tls: true },
    },
  },
  'controller-flags': {
    values: {
      updateStatus: false,
      skipRecreate: true,
      keyrenewperiod: '0',
      keyttl: '8760h',
      keycutofftime: 'Mon, 14 Oct 2024 21:45:30 +0200',
      rateLimit: 5,
      rateLimitBurst: '10',
      privateKeyLabels: { team: 'platform', env: 'prod' },
      privateKeyAnnotations: { owner: 'ops' },
      logInfoStdout: true,
      logLevel: 'DEBUG',
      logFormat: 'json',
      maxRetries: 3,
      watchForSecrets: true,
      kubeClientQPS: '7.5',
      kubeClientBurst: 20,
      containerPorts: { http: 9090, metrics: 9091 },
      resources: { limits: { memory: '256Mi' }, requests: { cpu: '50m', memory: '128Mi' } },
    },
  },
  'byo-key': {
    values: { byoKey: { enabled: true, ...testKeyPair } },
  },
  // Chart 2.19.x values (addendum §4): the PrometheusRule with its default group, and hostUsers.
  'prometheus-rule': {
    values: {
      commonLabels: { team: 'platform' },
      metrics: {
        prometheusRule: { enabled: true, labels: { release: 'prometheus' }, annotations: { owner: 'ops' } },
      },
    },
  },
  'host-users': {
    values: { hostUsers: false },
  },
  // Issue 13: three replicas turn leader election on (flags, POD_NAME, the Lease and its RBAC, PDB, anti-affinity).
  'high-availability': {
    namespace: 'kube-system',
    values: { fullnameOverride: 'sealed-secrets-controller', replicaCount: 3 },
  },
  // The ValidatingAdmissionPolicy and its binding (docs/admission.md): default actions, and Warn + Audit with both
  // selectors.
  'admission-policy': {
    release: 'sealed-secrets-controller',
    namespace: 'kube-system',
    values: { fullnameOverride: 'sealed-secrets-controller', 'admission.policy.enabled': true },
  },
  'admission-policy-warn': {
    values: {
      admission: {
        policy: {
          enabled: true,
          validationActions: ['Warn', 'Audit'],
          failurePolicy: 'Ignore',
          namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }] },
          objectSelector: { matchLabels: { 'sealedsecrets.example.com/validate': 'true' } },
        },
      },
    },
  },
  // The validating webhook (docs/admission.md, section 2): defaults, and every option with a network policy.
  'admission-webhook': {
    release: 'sealed-secrets-controller',
    namespace: 'kube-system',
    values: { fullnameOverride: 'sealed-secrets-controller', 'admission.webhook.enabled': true },
  },
  'admission-webhook-options': {
    namespace: 'ssts-controller',
    values: {
      networkPolicy: { enabled: true },
      admission: {
        webhook: {
          enabled: true,
          failurePolicy: 'Fail',
          timeoutSeconds: 10,
          decisionTimeout: '8s',
          containerPort: 8443,
          rateLimit: 2.5,
          rateLimitBurst: 5,
          maxInFlight: 4,
          skipNamespaces: ['kube-system', 'ssts-controller', 'flux-system'],
          namespaceSelector: {
            matchLabels: { 'sealedsecrets.example.com/validate': 'true' },
            matchExpressions: [{ key: 'team', operator: 'In', values: ['a', 'b'] }],
          },
          objectSelector: { matchLabels: { app: 'web' } },
          caSecretName: 'my-webhook-ca',
          certValidity: '168h',
          caValidity: '8760h',
        },
      },
    },
  },
};

/** Kinds whose CRD the local control plane does not have (the Prometheus Operator's), by render case. */
export const NEEDS_FOREIGN_CRD: Record<string, readonly string[]> = {
  'metrics-and-exposure': ['ServiceMonitor'],
  'prometheus-rule': ['PrometheusRule'],
};
