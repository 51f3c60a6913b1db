import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  kubeRequest,
  startControlPlane,
  startProcess,
  stopPid,
  type ManagedProcess,
} from '../../harness/index.js';
import { createTestNamespace, e2eCluster, waitFor } from '../../helpers/index.js';
import { startApiProxy, writeProxyKubeconfig } from './api-proxy.js';
import {
  controllerForTest,
  createSealedSecret,
  decode,
  getSecret,
  plainSecret,
  sealWith,
  waitForSynced,
} from './support.js';

const status = async (url: string): Promise<{ code: number; text: string }> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { code: response.status, text: await response.text() };
};

describe('resilience', () => {
  it(
    'keeps working across a kube-apiserver restart: /readyz 503 while it is down, /healthz up, then unseals again',
    { timeout: 240_000 },
    async () => {
      // Its own control plane: restarting the shared API server would disturb the other test files.
      const plane = await startControlPlane({ controllerManager: false });
      const restarted: { apiserver?: ManagedProcess } = {};
      onTestFinished(async () => {
        await restarted.apiserver?.stop();
        await plane.stop();
      });
      const endpoint = plane.endpoint;
      const controller = await controllerForTest('default', ['--kubeconfig', plane.kubeconfigPath]);
      await createSealedSecret(
        await sealWith(controller, plainSecret('default', 'before', { foo: 'one' })),
        endpoint,
      );
      await waitFor(() => getSecret('default', 'before', endpoint), { description: 'the first Secret' });

      // Same binary, arguments and port as the harness used; SIGTERM is kube-apiserver's graceful shutdown.
      const pid = plane.pids.kubeApiserver;
      const [command = '', ...args] = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .filter(Boolean);
      await stopPid(pid);

      const down = await waitFor(
        async () => {
          const ready = await status(`${controller.url}/readyz`);
          return ready.code === 503 ? ready : undefined;
        },
        { timeoutMs: 60_000, description: '/readyz to report the lost watch' },
      );
      expect(down.text).toMatch(/^not ready: /);
      expect(await status(`${controller.url}/healthz`)).toEqual({ code: 200, text: 'ok\n' });
      // Keys are in memory: kubeseal can still fetch the certificate during the outage.
      expect((await status(`${controller.url}/v1/cert.pem`)).code).toBe(200);

      restarted.apiserver = startProcess({
        name: 'kube-apiserver',
        command,
        args,
        logPath: join(plane.dir, 'kube-apiserver-restarted.log'),
      });
      await waitFor(
        async () =>
          (await kubeRequest(endpoint, 'GET', '/readyz', { timeoutMs: 5_000 }).catch(() => undefined))
            ?.status === 200,
        { timeoutMs: 90_000, intervalMs: 250, description: 'the restarted kube-apiserver' },
      );
      await waitFor(async () => (await status(`${controller.url}/readyz`)).code === 200, {
        timeoutMs: 90_000,
        description: 'the controller to be ready again',
      });

      // Created after the restart: only a recovered watch can see it.
      await createSealedSecret(
        await sealWith(controller, plainSecret('default', 'after', { foo: 'two' })),
        endpoint,
      );
      const after = await waitFor(() => getSecret('default', 'after', endpoint), {
        timeoutMs: 30_000,
        description: 'the Secret of a SealedSecret created after the restart',
      });
      expect(decode(after.data)).toEqual({ foo: 'two' });
      expect(controller.process.exitCode).toBeNull();
    },
  );

  it('relists after a watch answered 410 Gone and keeps unsealing', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-gone-' });
    const cluster = e2eCluster();
    const proxy = await startApiProxy(cluster.server, readFileSync(cluster.caPath));
    onTestFinished(() => proxy.close());
    const kubeconfig = writeProxyKubeconfig(proxy, cluster, ns);
    const controller = await controllerForTest(ns, ['--kubeconfig', kubeconfig]);
    const ssList = `GET /apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets`;
    const lists = () => proxy.requests.filter((r) => r === ssList).length;
    await waitFor(() => proxy.requests.includes(`${ssList} watch`), { description: 'the first watch' });
    expect(lists()).toBe(1);

    proxy.expireWatches('sealedsecrets');
    await waitFor(() => lists() === 2, { description: 'a relist after 410' });
    expect(controller.output()).toContain('Watch expired, relisting');
    await waitFor(async () => (await status(`${controller.url}/readyz`)).code === 200);

    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'after-gone', { foo: 'bar' })));
    await waitForSynced(ns, 'after-gone', (c) => c.status === 'True');
    expect(decode((await getSecret(ns, 'after-gone'))?.data)).toEqual({ foo: 'bar' });
  });

  it('keeps unsealing after the reader of its stdout went away, and says so once on stderr', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-epipe-' });
    const controller = await controllerForTest(ns);
    // The info lines go to stdout (--log-info-stdout); its next one fails with EPIPE.
    controller.process.stdout?.destroy();
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'after-epipe', { foo: 'bar' })));
    await waitForSynced(ns, 'after-epipe', (c) => c.status === 'True');
    expect(decode((await getSecret(ns, 'after-epipe'))?.data)).toEqual({ foo: 'bar' });
    const warnings = await waitFor(() => {
      const lines = controller.output().split('\n');
      const found = lines.filter((l) => l.includes('Cannot write to stdout (EPIPE)'));
      return found.length > 0 && found;
    });
    expect(warnings).toHaveLength(1);
    expect(controller.process.exitCode).toBeNull();
    expect(await status(`${controller.url}/healthz`)).toEqual({ code: 200, text: 'ok\n' });
  });
});
