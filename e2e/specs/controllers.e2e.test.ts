import { describe, expect, it } from 'vitest';
import { coreApi, createTestNamespace, kubeEndpoint, kubeRequest, waitFor } from '../helpers/index.js';

describe('kube-controller-manager in the e2e control plane', () => {
  it('creates the default ServiceAccount in a new namespace', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-sa-' });
    const sa = await waitFor(
      () =>
        coreApi()
          .readNamespacedServiceAccount({ name: 'default', namespace })
          .catch(() => undefined),
      { timeoutMs: 30_000, description: `ServiceAccount ${namespace}/default` },
    );
    expect(sa.metadata?.name).toBe('default');
  });

  it('deletes a namespace with content (namespace controller)', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-nsdel-', deleteAfterTest: false });
    await coreApi().createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'content' }, data: { a: 'b' } },
    });
    await coreApi().deleteNamespace({ name: namespace });

    const gone = await waitFor(
      async () =>
        (await kubeRequest(kubeEndpoint(), 'GET', `/api/v1/namespaces/${namespace}`)).status === 404,
      { timeoutMs: 45_000, description: `namespace ${namespace} to disappear` },
    );
    expect(gone).toBe(true);
  });

  it('garbage-collects a Secret whose owner ConfigMap is deleted', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-gc-' });
    const owner = await coreApi().createNamespacedConfigMap({
      namespace,
      body: { metadata: { name: 'owner' } },
    });
    const uid = owner.metadata?.uid;
    expect(uid).toBeTruthy();
    await coreApi().createNamespacedSecret({
      namespace,
      body: {
        metadata: {
          name: 'owned',
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: uid as string }],
        },
        stringData: { k: 'v' },
      },
    });
    await coreApi().deleteNamespacedConfigMap({ name: 'owner', namespace });

    const gone = await waitFor(
      async () =>
        (await kubeRequest(kubeEndpoint(), 'GET', `/api/v1/namespaces/${namespace}/secrets/owned`)).status ===
        404,
      { timeoutMs: 45_000, description: 'the owned Secret to be garbage-collected' },
    );
    expect(gone).toBe(true);
  });
});
