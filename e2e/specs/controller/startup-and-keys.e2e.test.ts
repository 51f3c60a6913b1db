import { readFileSync } from 'node:fs';
import { parseCertificatePem } from '@ssts/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestNamespace, e2eCluster, waitFor } from '../../helpers/index.js';
import { startApiProxy, writeProxyKubeconfig } from './api-proxy.js';
import {
  controllerForTest,
  createSealedSecret,
  listSecrets,
  plainSecret,
  sealWith,
  waitForSynced,
} from './support.js';

const get = async (url: string): Promise<{ status: number; text: string }> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
};

describe('start-up order and /readyz (addendum §3.1, §8 item 7)', () => {
  it(
    'HTTP answers while additional namespaces are looked up: /readyz 503 "not ready", then 200; entries trimmed, empty and duplicate ones dropped',
    { timeout: 120_000 },
    async () => {
      const own = await createTestNamespace({ prefix: 'ctl-boot-own-' });
      const extra = await createTestNamespace({ prefix: 'ctl-boot-extra-' });
      const cluster = e2eCluster();
      const proxy = await startApiProxy(cluster.server, readFileSync(cluster.caPath));
      onTestFinished(() => proxy.close());
      // Every namespace GET waits until the test has seen the not-ready answer.
      const gate = proxy.hold(/^GET \/api\/v1\/namespaces\/[^/]+$/);
      const missing = `ctl-boot-missing-${own.slice(-5)}`;

      const controller = await controllerForTest(
        own,
        [
          '--kubeconfig',
          writeProxyKubeconfig(proxy, cluster, own),
          `--additional-namespaces= ${extra}, ,${missing},${extra} ,,${own}`,
        ],
        { waitFor: 'healthz' },
      );
      expect(await get(`${controller.url}/healthz`)).toEqual({ status: 200, text: 'ok\n' });
      await waitFor(() => gate.held() === 2, { description: 'the two namespace look-ups to be held' });
      const notReady = await get(`${controller.url}/readyz`);
      expect(notReady).toEqual({ status: 503, text: 'not ready\n' });
      // The main instance already works while the bootstrap is pending.
      const inOwn = await sealWith(controller, plainSecret(own, 'early', { k: 'v' }));
      await createSealedSecret(inOwn);
      await waitForSynced(own, 'early', (c) => c.status === 'True');
      expect((await get(`${controller.url}/readyz`)).status).toBe(503);

      gate.release();
      await waitFor(async () => (await get(`${controller.url}/readyz`)).status === 200, {
        description: '/readyz to turn 200',
      });
      expect(await get(`${controller.url}/readyz`)).toEqual({ status: 200, text: 'ok\n' });

      // ` extra` and `extra ` became one watched namespace; the missing one was logged and skipped.
      const ssLists = proxy.requests.filter(
        (r) => r === `GET /apis/bitnami.com/v1alpha1/namespaces/${extra}/sealedsecrets`,
      );
      expect(ssLists).toHaveLength(1);
      const lookups = (name: string) => proxy.requests.filter((r) => r === `GET /api/v1/namespaces/${name}`);
      expect([lookups(extra), lookups(missing), lookups(own)].map((l) => l.length)).toEqual([1, 1, 0]);
      expect(controller.output()).toContain("namespace doesn't exist");
      const inExtra = await sealWith(controller, plainSecret(extra, 'late', { k: 'v' }));
      await createSealedSecret(inExtra);
      await waitForSynced(extra, 'late', (c) => c.status === 'True');
    },
  );
});

describe('key registration is atomic (addendum §3.2)', () => {
  it(
    '/v1/cert.pem answers exactly one valid certificate while SIGUSR1 generates keys, then the newest',
    { timeout: 120_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-keystress-' });
      const controller = await controllerForTest(ns);
      const keySecrets = () => listSecrets(ns, 'sealedsecrets.bitnami.com/sealed-secrets-key=active');
      expect(await keySecrets()).toHaveLength(1);

      let hammering = true;
      let answers = 0;
      const problems: string[] = [];
      const hammer = async (): Promise<void> => {
        while (hammering) {
          const { status, text } = await get(`${controller.url}/v1/cert.pem`);
          answers++;
          const blocks = text.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
          if (status !== 200 || blocks !== 1) problems.push(`${status}: ${blocks} blocks`);
          else {
            try {
              parseCertificatePem(text);
            } catch (error) {
              problems.push(String(error));
            }
          }
        }
      };
      const hammers = Array.from({ length: 4 }, hammer);
      const GENERATIONS = 4;
      try {
        for (let i = 0; i < GENERATIONS; i++) {
          controller.process.kill('SIGUSR1');
          await new Promise((r) => setTimeout(r, 150));
        }
        await waitFor(async () => (await keySecrets()).length === GENERATIONS + 1, {
          timeoutMs: 60_000,
          description: 'every requested key to be written',
        });
        // The first key was generated at start-up.
        await waitFor(
          () => controller.output().split('Certificate generated').length - 1 === GENERATIONS + 1,
          {
            description: 'every key to be registered',
          },
        );
      } finally {
        hammering = false;
        await Promise.all(hammers);
      }
      expect(problems).toEqual([]);
      expect(answers).toBeGreaterThan(GENERATIONS);
      // The last key generated is the one served.
      const generated = controller
        .output()
        .split('\n')
        .filter((line) => line.includes('"Certificate generated"'))
        .map((line) => (JSON.parse(line) as { certificate: string }).certificate);
      expect(generated).toHaveLength(GENERATIONS + 1);
      expect((await get(`${controller.url}/v1/cert.pem`)).text).toBe(generated.at(-1));
      const stored = (await keySecrets()).map((s) =>
        Buffer.from(s.data?.['tls.crt'] ?? '', 'base64').toString(),
      );
      expect(stored).toContain(generated.at(-1));
    },
  );
});
