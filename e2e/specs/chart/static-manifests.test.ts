import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HELM_BUILD_TIMEOUT_MS,
  controllerContainer,
  findObject,
  helmBin,
  helmTemplate,
  parseObjects,
  repoRoot,
} from './helm.js';

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

const read = (file: string): string => readFileSync(join(repoRoot, file), 'utf8');

describe('deploy/*.yaml', () => {
  it('is exactly what scripts/render-manifests.mjs renders from the chart today', () => {
    // --check renders afresh and compares bytes; it exits non-zero and names the stale file otherwise.
    const out = execFileSync(process.execPath, [join(repoRoot, 'scripts/render-manifests.mjs'), '--check'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toBe('');
  });

  it('matches kubeseal defaults: kube-system, Service sealed-secrets-controller with an http port', () => {
    const objects = parseObjects(read('deploy/controller.yaml'));
    expect(objects.map((o) => o.kind)).toEqual([
      'CustomResourceDefinition',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Role',
      'Role',
      'RoleBinding',
      'RoleBinding',
      'Service',
      'Service',
      'Deployment',
    ]);
    for (const o of objects.filter(
      (x) => !/^(CustomResourceDefinition|ClusterRole|ClusterRoleBinding)$/.test(x.kind),
    )) {
      expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('kube-system');
    }
    const svc = findObject(objects, 'Service', 'sealed-secrets-controller');
    expect((svc['spec'] as { ports: { name: string }[] }).ports[0]?.name).toBe('http');
    expect(findObject(objects, 'Deployment').metadata.name).toBe('sealed-secrets-controller');
    expect(findObject(objects, 'ServiceAccount').metadata.name).toBe('sealed-secrets-controller');
    expect(findObject(objects, 'CustomResourceDefinition').metadata.name).toBe('sealedsecrets.bitnami.com');
    expect(controllerContainer(objects).args).toContain('--update-status');
  });

  it('carries no Helm release metadata', () => {
    for (const file of [
      'deploy/controller.yaml',
      'deploy/controller-norbac.yaml',
      'deploy/admission-policy.yaml',
    ]) {
      const text = read(file);
      expect(text).not.toMatch(/helm\.sh\/chart|managed-by: Helm|# Source:|\{\{/);
    }
  });

  it('controller-norbac.yaml has the controller but no ServiceAccount and no RBAC', () => {
    const objects = parseObjects(read('deploy/controller-norbac.yaml'));
    expect(objects.filter((o) => /Role|ServiceAccount/.test(o.kind))).toEqual([]);
    const deployment = findObject(objects, 'Deployment');
    expect(deployment['spec']).toMatchObject({
      template: { spec: { serviceAccountName: 'sealed-secrets-controller' } },
    });
  });

  it('admission-policy.yaml holds only the policy and its Deny binding, cluster-scoped, as the chart renders them', () => {
    const objects = parseObjects(read('deploy/admission-policy.yaml'));
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ValidatingAdmissionPolicy/sealed-secrets-controller-policy',
      'ValidatingAdmissionPolicyBinding/sealed-secrets-controller-policy',
    ]);
    expect(objects.map((o) => o.metadata.namespace)).toEqual([undefined, undefined]);
    expect(findObject(objects, 'ValidatingAdmissionPolicyBinding')['spec']).toEqual({
      policyName: 'sealed-secrets-controller-policy',
      validationActions: ['Deny'],
    });
    // prettier reformats the file; the CEL must survive it unchanged.
    const chart = parseObjects(
      helmTemplate({
        release: 'sealed-secrets-controller',
        namespace: 'kube-system',
        values: { fullnameOverride: 'sealed-secrets-controller', 'admission.policy.enabled': true },
      }),
    );
    expect(objects[0]?.['spec']).toEqual(findObject(chart, 'ValidatingAdmissionPolicy')['spec']);
  });
});
