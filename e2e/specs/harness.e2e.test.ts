import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startControlPlane } from '../harness/control-plane.js';
import { pidAlive } from '../harness/processes.js';
import { E2E_USERS } from '../harness/users.js';
import { e2eCluster, kubeEndpoint, kubeJson, kubeRequest } from '../helpers/index.js';

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve({ server, port: address.port });
    });
  });
}

describe('startControlPlane', () => {
  it('retries with fresh ports when a port is taken; stop() ends every component and removes its dir', async () => {
    const blocker = await listen();
    const messages: string[] = [];
    const cp = await startControlPlane({
      controllerManager: false,
      crdFiles: [],
      ports: { etcd: blocker.port },
      log: (message) => messages.push(message),
    });
    try {
      expect(messages.join('\n')).toMatch(/retrying once with new ports/);
      const readyz = await kubeRequest({ server: cp.server, ca: cp.endpoint.ca }, 'GET', '/readyz');
      expect(readyz.status).toBe(200);
      expect(cp.pids.kubeControllerManager).toBeUndefined();
      expect(existsSync(cp.kubeconfigPath)).toBe(true);
    } finally {
      await cp.stop();
      blocker.server.close();
    }
    expect(pidAlive(cp.pids.etcd)).toBe(false);
    expect(pidAlive(cp.pids.kubeApiserver)).toBe(false);
    expect(existsSync(cp.dir)).toBe(false);
  });
});

describe('the e2e globalSetup', () => {
  it('exposes the admin kubeconfig through inject() and KUBECONFIG', async () => {
    const cluster = e2eCluster();
    expect(process.env['KUBECONFIG']).toBe(cluster.kubeconfigPath);
    expect(existsSync(cluster.kubeconfigPath)).toBe(true);
    const version = await kubeJson<{ gitVersion: string }>(kubeEndpoint(), 'GET', '/version');
    expect(version.gitVersion).toMatch(/^v1\.34\.\d+$/);
  });
});

describe('static-token users of the e2e cluster', () => {
  it.each(E2E_USERS.map((u) => [u.user, u.groups ?? []] as const))(
    'authenticates %s',
    async (user, groups) => {
      const review = await kubeJson<{ status: { userInfo: { username: string; groups: string[] } } }>(
        kubeEndpoint(user),
        'POST',
        '/apis/authentication.k8s.io/v1/selfsubjectreviews',
        { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
      );
      expect(review.status.userInfo.username).toBe(user);
      expect(review.status.userInfo.groups).toEqual(
        expect.arrayContaining([...groups, 'system:authenticated']),
      );
    },
  );

  it('denies a static user without RBAC bindings', async () => {
    const res = await kubeRequest(kubeEndpoint('e2e-user'), 'GET', '/api/v1/namespaces/default/secrets');
    expect(res.status).toBe(403);
  });
});
