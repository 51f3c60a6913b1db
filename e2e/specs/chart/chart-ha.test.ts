import { beforeAll, describe, expect, it } from 'vitest';
import {
  HELM_BUILD_TIMEOUT_MS,
  controllerContainer,
  findObject,
  helmBin,
  helmTemplate,
  helmTemplateResult,
  parseObjects,
  type K8sObject,
} from './helm.js';

// Issue 13: replicaCount > 1 turns leader election on, with its Lease, RBAC, PDB and anti-affinity.

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

const render = (values: Record<string, unknown>): K8sObject[] =>
  parseObjects(helmTemplate({ release: 'r', namespace: 'ns', values }));
const kinds = (objects: readonly K8sObject[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`);
const podSpec = (objects: readonly K8sObject[]) =>
  (
    findObject(objects, 'Deployment') as unknown as {
      spec: { replicas: number; template: { spec: Record<string, unknown> } };
    }
  ).spec;
const LE_FLAGS = ['--leader-elect', '--leader-elect-resource-name', 'r-sealed-secrets'];

describe('high availability values', () => {
  it('one replica (default): no leader election, no Lease, no PDB, no affinity — as upstream', () => {
    const objects = render({});
    expect(podSpec(objects).replicas).toBe(1);
    expect(controllerContainer(objects).args?.some((a) => a.startsWith('--leader-elect'))).toBe(false);
    expect(kinds(objects).filter((k) => /Lease|leader-election|PodDisruptionBudget/.test(k))).toEqual([]);
    expect(podSpec(objects).template.spec['affinity']).toBeUndefined();
  });

  it('three replicas: leader election flags and POD_NAME, the Lease, its RBAC by name, a PDB, soft anti-affinity', () => {
    const objects = render({ replicaCount: 3 });
    const spec = podSpec(objects);
    expect(spec.replicas).toBe(3);
    const container = controllerContainer(objects);
    expect(container.args?.slice(-3)).toEqual(LE_FLAGS);
    expect(container['env']).toContainEqual({
      name: 'POD_NAME',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
    });
    const lease = findObject(objects, 'Lease', 'r-sealed-secrets');
    expect(lease.metadata.namespace).toBe('ns');
    expect(lease['spec']).toBeUndefined();
    const role = findObject(objects, 'Role', 'r-sealed-secrets-leader-election');
    expect(role['rules']).toEqual([
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['r-sealed-secrets'],
        verbs: ['get', 'watch', 'update'],
      },
    ]);
    expect(findObject(objects, 'RoleBinding', 'r-sealed-secrets-leader-election')).toMatchObject({
      roleRef: { kind: 'Role', name: 'r-sealed-secrets-leader-election' },
      subjects: [{ kind: 'ServiceAccount', name: 'r-sealed-secrets', namespace: 'ns' }],
    });
    // No rule anywhere lets the controller create Leases.
    const leaseRules = objects
      .filter((o) => o.kind === 'Role' || o.kind === 'ClusterRole')
      .flatMap((o) => (o['rules'] as { resources: string[]; verbs: string[] }[]) ?? [])
      .filter((r) => r.resources.includes('leases'));
    expect(leaseRules.flatMap((r) => r.verbs)).not.toContain('create');
    expect(findObject(objects, 'PodDisruptionBudget')['spec']).toMatchObject({ minAvailable: 1 });
    expect(spec.template.spec['affinity']).toEqual({
      podAntiAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          {
            weight: 100,
            podAffinityTerm: {
              topologyKey: 'kubernetes.io/hostname',
              labelSelector: {
                matchLabels: {
                  'app.kubernetes.io/name': 'sealed-secrets',
                  'app.kubernetes.io/instance': 'r',
                },
              },
            },
          },
        ],
      },
    });
  });

  it('leaderElection.enabled turns it on for one replica; the Lease name and timings become flags', () => {
    const objects = render({
      leaderElection: {
        enabled: true,
        leaseName: 'ss-leader',
        leaseDuration: '30s',
        renewDeadline: '20s',
        retryPeriod: '4s',
      },
    });
    expect(podSpec(objects).replicas).toBe(1);
    expect(controllerContainer(objects).args?.slice(-9)).toEqual([
      '--leader-elect',
      '--leader-elect-resource-name',
      'ss-leader',
      '--leader-elect-lease-duration',
      '30s',
      '--leader-elect-renew-deadline',
      '20s',
      '--leader-elect-retry-period',
      '4s',
    ]);
    expect(findObject(objects, 'Lease').metadata.name).toBe('ss-leader');
    // One replica: no PDB (it would block every drain) and no anti-affinity.
    expect(kinds(objects).some((k) => k.startsWith('PodDisruptionBudget'))).toBe(false);
  });

  it('refuses several replicas with leader election explicitly off', () => {
    const result = helmTemplateResult({ values: { replicaCount: 2, leaderElection: { enabled: false } } });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('replicaCount > 1 needs leader election');
  });

  it('appends the leader-election flags to a custom args list (the Lease name must match the RBAC)', () => {
    const args = controllerContainer(render({ replicaCount: 2, args: ['--key-prefix', 'k'] })).args;
    expect(args).toEqual(['--key-prefix', 'k', ...LE_FLAGS]);
  });

  it('affinity wins over the preset; hard requires spreading; "" renders none; pdb.create=false is kept', () => {
    const custom = { nodeAffinity: { x: 1 } };
    expect(podSpec(render({ replicaCount: 3, affinity: custom })).template.spec['affinity']).toEqual(custom);
    expect(
      podSpec(render({ replicaCount: 3, podAntiAffinityPreset: 'hard' })).template.spec['affinity'],
    ).toEqual({
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          {
            topologyKey: 'kubernetes.io/hostname',
            labelSelector: {
              matchLabels: { 'app.kubernetes.io/name': 'sealed-secrets', 'app.kubernetes.io/instance': 'r' },
            },
          },
        ],
      },
    });
    expect(
      podSpec(render({ replicaCount: 3, podAntiAffinityPreset: '' })).template.spec['affinity'],
    ).toBeUndefined();
    expect(
      kinds(render({ replicaCount: 3, pdb: { create: false } })).some((k) =>
        k.startsWith('PodDisruptionBudget'),
      ),
    ).toBe(false);
  });

  it('the schema refuses a lease duration that is not whole seconds and an unknown preset', () => {
    const duration = helmTemplateResult({ values: { leaderElection: { leaseDuration: '1500ms' } } });
    expect(duration.status).not.toBe(0);
    expect(duration.stderr).toContain("at '/leaderElection/leaseDuration'");
    const preset = helmTemplateResult({ values: { podAntiAffinityPreset: 'always' } });
    expect(preset.status).not.toBe(0);
    expect(preset.stderr).toContain("at '/podAntiAffinityPreset'");
  });
});
