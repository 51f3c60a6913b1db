import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestNamespace, e2eCluster, kubeEndpoint, kubeJson, kubeRequest } from '../../helpers/index.js';
import { testKeyPair } from './cases.js';
import { HELM_BUILD_TIMEOUT_MS, chartDir, helmBin, runHelm, type HelmResult } from './helm.js';

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

interface DeploymentObject {
  spec: { template: { spec: { containers: { name: string; args?: string[] }[] } } };
}

const status = async (path: string): Promise<number> =>
  (await kubeRequest(kubeEndpoint(), 'GET', path)).status;

describe('helm install / upgrade / uninstall against the local control plane', () => {
  it('installs every resource, upgrades flags, refuses bad values, and keeps the BYO key on uninstall', async () => {
    const ns = await createTestNamespace({ prefix: 'chart-helm-' });
    const release = ns;
    const fullname = `${release}-sealed-secrets`;
    const clusterRole = `secrets-unsealer-${ns}`;
    const dir = mkdtempSync(join(tmpdir(), 'ssts-chart-helm-'));
    writeFileSync(join(dir, 'tls.crt'), testKeyPair.certificate);
    writeFileSync(join(dir, 'tls.key'), testKeyPair.privateKey);
    const helm = (...args: string[]): HelmResult =>
      runHelm([...args, '--namespace', ns, '--kubeconfig', e2eCluster().kubeconfigPath]);
    onTestFinished(async () => {
      helm('uninstall', release);
      await kubeRequest(
        kubeEndpoint(),
        'DELETE',
        `/apis/rbac.authorization.k8s.io/v1/clusterroles/${clusterRole}`,
      );
    });

    const install = helm(
      'install',
      release,
      chartDir,
      ...['--set', `rbac.clusterRoleName=${clusterRole}`, '--set', 'byoKey.enabled=true'],
      ...['--set-file', `byoKey.certificate=${join(dir, 'tls.crt')}`],
      ...['--set-file', `byoKey.privateKey=${join(dir, 'tls.key')}`],
    );
    expect(install.stderr).not.toMatch(/Error/);
    expect(install.status).toBe(0);
    expect(install.stdout).toContain(`kubeseal --controller-name=${fullname} --controller-namespace=${ns}`);

    for (const path of [
      `/apis/apps/v1/namespaces/${ns}/deployments/${fullname}`,
      `/api/v1/namespaces/${ns}/services/${fullname}`,
      `/api/v1/namespaces/${ns}/services/${fullname}-metrics`,
      `/api/v1/namespaces/${ns}/serviceaccounts/${fullname}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterroles/${clusterRole}`,
      `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${fullname}`,
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${fullname}-key-admin`,
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${fullname}-service-proxier`,
      `/api/v1/namespaces/${ns}/secrets/sealed-secrets-key-byo`,
    ]) {
      expect(await status(path), path).toBe(200);
    }
    const keys = await kubeJson<{ items: { metadata: { name: string } }[] }>(
      kubeEndpoint(),
      'GET',
      `/api/v1/namespaces/${ns}/secrets?labelSelector=${encodeURIComponent('sealedsecrets.bitnami.com/sealed-secrets-key=active')}`,
    );
    expect(keys.items.map((s) => s.metadata.name)).toEqual(['sealed-secrets-key-byo']);

    const upgrade = helm('upgrade', release, chartDir, '--reuse-values', '--set', 'logLevel=DEBUG');
    expect(upgrade.status).toBe(0);
    const deployment = await kubeJson<DeploymentObject>(
      kubeEndpoint(),
      'GET',
      `/apis/apps/v1/namespaces/${ns}/deployments/${fullname}`,
    );
    expect(deployment.spec.template.spec.containers[0]?.args).toEqual(
      expect.arrayContaining(['--log-level', 'DEBUG']),
    );

    const refused = helm('upgrade', release, chartDir, '--reuse-values', '--set', 'keyrenewperiod=30d');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain("at '/keyrenewperiod'");
    expect(helm('history', release, '--max', '10').stdout.trim().split('\n')).toHaveLength(3); // header + 2 revisions

    const uninstall = helm('uninstall', release);
    expect(uninstall.status).toBe(0);
    expect(uninstall.stdout).toContain('sealed-secrets-key-byo'); // "These resources were kept due to the resource policy"
    expect(await status(`/apis/apps/v1/namespaces/${ns}/deployments/${fullname}`)).toBe(404);
    expect(await status(`/apis/rbac.authorization.k8s.io/v1/clusterroles/${clusterRole}`)).toBe(404);
    expect(await status(`/api/v1/namespaces/${ns}/secrets/sealed-secrets-key-byo`)).toBe(200);
  });
});

interface HaDeployment {
  spec: {
    replicas: number;
    template: {
      spec: {
        affinity?: unknown;
        containers: { name: string; args?: string[]; env?: { name: string }[] }[];
      };
    };
  };
}

describe('helm upgrade from one replica to three (issue 13)', () => {
  it('turns on leader election with its Lease, RBAC and PDB, keeps the Lease spec across upgrades, and goes back', async () => {
    const ns = await createTestNamespace({ prefix: 'chart-ha-' });
    const release = ns;
    const fullname = `${release}-sealed-secrets`;
    const clusterRole = `secrets-unsealer-${ns}`;
    const helm = (...args: string[]): HelmResult =>
      runHelm([...args, '--namespace', ns, '--kubeconfig', e2eCluster().kubeconfigPath]);
    onTestFinished(async () => {
      helm('uninstall', release);
      await kubeRequest(
        kubeEndpoint(),
        'DELETE',
        `/apis/rbac.authorization.k8s.io/v1/clusterroles/${clusterRole}`,
      );
    });
    const deploymentPath = `/apis/apps/v1/namespaces/${ns}/deployments/${fullname}`;
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${fullname}`;
    const rolePath = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${fullname}-leader-election`;
    const pdbPath = `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${fullname}`;
    const deployment = () => kubeJson<HaDeployment>(kubeEndpoint(), 'GET', deploymentPath);

    expect(helm('install', release, chartDir, '--set', `rbac.clusterRoleName=${clusterRole}`).status).toBe(0);
    expect((await deployment()).spec.replicas).toBe(1);
    for (const path of [leasePath, rolePath, pdbPath]) expect(await status(path), path).toBe(404);

    // The server-side dry run of the upgrade is admitted first, then the upgrade itself.
    const dryRun = helm(
      'upgrade',
      release,
      chartDir,
      '--reuse-values',
      '--set',
      'replicaCount=3',
      '--dry-run=server',
    );
    expect(dryRun.stderr).toBe('');
    expect(dryRun.status).toBe(0);
    expect(dryRun.stdout).toContain('kind: Lease');
    expect(await status(leasePath)).toBe(404);
    const upgrade = helm('upgrade', release, chartDir, '--reuse-values', '--set', 'replicaCount=3');
    expect(upgrade.stderr).toBe('');
    expect(upgrade.status).toBe(0);
    expect(upgrade.stdout).toContain(
      `Leader election is on (3 replica(s)): the holder of Lease ${fullname} writes`,
    );
    const ha = await deployment();
    expect(ha.spec.replicas).toBe(3);
    const container = ha.spec.template.spec.containers[0];
    expect(container?.args).toEqual(
      expect.arrayContaining(['--leader-elect', '--leader-elect-resource-name', fullname]),
    );
    expect(container?.env?.map((e) => e.name)).toContain('POD_NAME');
    expect(ha.spec.template.spec.affinity).toBeDefined();
    for (const path of [leasePath, rolePath, pdbPath]) expect(await status(path), path).toBe(200);

    // A controller takes the Lease; a later upgrade (new values, new labels) leaves its spec alone.
    const lease = await kubeJson<{ metadata: Record<string, unknown>; spec?: Record<string, unknown> }>(
      kubeEndpoint(),
      'GET',
      leasePath,
    );
    const spec = {
      holderIdentity: `${fullname}-abc_1`,
      leaseDurationSeconds: 15,
      acquireTime: '2026-01-02T03:04:05.000000Z',
      renewTime: '2026-01-02T03:04:05.000000Z',
      leaseTransitions: 0,
    };
    await kubeJson(kubeEndpoint(), 'PUT', leasePath, { body: { ...lease, spec } });
    expect(helm('upgrade', release, chartDir, '--reuse-values', '--set', 'logLevel=DEBUG').status).toBe(0);
    const kept = await kubeJson<{ spec?: Record<string, unknown> }>(kubeEndpoint(), 'GET', leasePath);
    expect(kept.spec).toEqual(spec);

    // Back to one replica: upstream's single controller again, without the leader-election objects.
    expect(helm('upgrade', release, chartDir, '--reuse-values', '--set', 'replicaCount=1').status).toBe(0);
    const single = await deployment();
    expect(single.spec.replicas).toBe(1);
    expect(single.spec.template.spec.containers[0]?.args?.some((a) => a.startsWith('--leader-elect'))).toBe(
      false,
    );
    for (const path of [leasePath, rolePath, pdbPath]) expect(await status(path), path).toBe(404);
  });
});
