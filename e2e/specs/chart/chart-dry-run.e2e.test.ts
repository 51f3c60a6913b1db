import { beforeAll, describe, expect, it } from 'vitest';
import { applyManifest, createTestNamespace, kubeEndpoint, kubeRequest } from '../../helpers/index.js';
import { NEEDS_FOREIGN_CRD, RENDER_CASES } from './cases.js';
import {
  HELM_BUILD_TIMEOUT_MS,
  controllerContainer,
  findObject,
  helmBin,
  helmTemplate,
  parseObjects,
} from './helm.js';
import type { KubernetesObject } from '@kubernetes/client-node';

// The Prometheus Operator's CRDs are not part of this cluster (nor of most clusters without the operator), so the
// API server has no schema to dry-run a ServiceMonitor or PrometheusRule against; the goldens cover their shape.

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

describe('server-side dry run (dryRun=All) of the rendered chart', () => {
  for (const [name, options] of Object.entries(RENDER_CASES)) {
    it(`the API server admits every object of ${name}`, async () => {
      // Namespaced objects need an existing namespace; kube-system always exists.
      const namespace =
        options.namespace === 'kube-system'
          ? 'kube-system'
          : await createTestNamespace({ prefix: 'chart-dry-' });
      const values = { ...options.values };
      if (name === 'namespaced-rbac') {
        values['additionalNamespaces'] = [
          await createTestNamespace({ prefix: 'chart-dry-a-' }),
          await createTestNamespace({ prefix: 'chart-dry-b-' }),
        ];
      }
      const objects = parseObjects(helmTemplate({ ...options, namespace, values, includeCrds: true }));
      const foreign = NEEDS_FOREIGN_CRD[name] ?? [];
      const checkable = objects.filter((o) => !foreign.includes(o.kind));
      expect(objects.filter((o) => foreign.includes(o.kind)).map((o) => o.kind)).toEqual(foreign);

      const admitted = await applyManifest(checkable as unknown as KubernetesObject[], { dryRun: true });
      expect(admitted.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(
        checkable.map((o) => `${o.kind}/${o.metadata.name}`),
      );
      // dryRun=All persists nothing: the Deployment does not exist afterwards.
      const deployment = findObject(objects, 'Deployment');
      const after = await kubeRequest(
        kubeEndpoint(),
        'GET',
        `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment.metadata.name}`,
      );
      expect(after.status).toBe(404);
    });
  }
});

describe('Pod Security Standards', () => {
  async function dryRunPod(namespace: string, spec: unknown): Promise<{ status: number; body: string }> {
    return kubeRequest(kubeEndpoint(), 'POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, {
      body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sealed-secrets-pss' }, spec },
    });
  }

  it('the controller pod is admitted in a namespace that enforces "restricted"', async () => {
    const namespace = await createTestNamespace({
      prefix: 'chart-pss-',
      labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
    });
    const objects = parseObjects(helmTemplate({ namespace }));
    const template = (
      findObject(objects, 'Deployment')['spec'] as { template: { spec: Record<string, unknown> } }
    ).template.spec;

    const admitted = await dryRunPod(namespace, template);
    expect(admitted.body).not.toContain('violates PodSecurity');
    expect(admitted.status).toBe(201);
    // hostUsers: false (a user namespace) is allowed by "restricted" too.
    const userns = (
      findObject(parseObjects(helmTemplate({ namespace, values: { hostUsers: false } })), 'Deployment')[
        'spec'
      ] as { template: { spec: Record<string, unknown> } }
    ).template.spec;
    expect(userns['hostUsers']).toBe(false);
    const admittedUserns = await dryRunPod(namespace, userns);
    expect(admittedUserns.body).not.toContain('violates PodSecurity');
    expect(admittedUserns.status).toBe(201);

    // Control: the same pod without the container security context is refused, so enforcement is really on.
    const { securityContext: _dropped, ...bare } = controllerContainer(objects);
    const refused = await dryRunPod(namespace, { ...template, containers: [bare] });
    expect(refused.status).toBe(403);
    expect((JSON.parse(refused.body) as { message: string }).message).toContain(
      'violates PodSecurity "restricted:latest"',
    );
  });

  it("the rendered Deployment draws no PodSecurity warning under warn=restricted; upstream 2.18.x's contexts draw both", async () => {
    const namespace = await createTestNamespace({
      prefix: 'chart-pss-warn-',
      labels: { 'pod-security.kubernetes.io/warn': 'restricted' },
    });
    const dryRunDeployment = (values: Record<string, unknown>) =>
      kubeRequest(kubeEndpoint(), 'POST', `/apis/apps/v1/namespaces/${namespace}/deployments?dryRun=All`, {
        body: findObject(parseObjects(helmTemplate({ namespace, values })), 'Deployment'),
      });

    const defaults = await dryRunDeployment({});
    expect(defaults.status).toBe(201);
    expect(defaults.headers['warning']).toBeUndefined();

    // Control, so the check above can fail: the security contexts of upstream chart 2.18.x (no
    // allowPrivilegeEscalation: false, no seccomp profile) are admitted with a warning naming both.
    const old = await dryRunDeployment({
      'podSecurityContext.seccompProfile': null,
      'containerSecurityContext.seccompProfile': null,
      'containerSecurityContext.allowPrivilegeEscalation': null,
    });
    expect(old.status).toBe(201);
    // RFC 7234 warn-text: 299 - "<text with \" escapes>".
    const warning = String(old.headers['warning']).replaceAll('\\"', '"');
    expect(warning).toMatch(/^299 - "would violate PodSecurity "restricted:latest": /);
    expect(warning).toContain('allowPrivilegeEscalation != false');
    expect(warning).toContain('seccompProfile');
  });
});
