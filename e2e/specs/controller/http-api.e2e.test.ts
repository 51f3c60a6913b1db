import { performance } from 'node:perf_hooks';
import { parseCertificatePem, sealSecret } from '@ssts/core';
import { describe, expect, it } from 'vitest';
import { createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  listSealedSecrets,
  plainSecret,
  sealWith,
  type SealedSecret,
} from './support.js';

describe('/v1/verify rate limiting over HTTP (compat §5.3)', () => {
  it('allows burst+1 requests per X-Forwarded-For, then 429 with Retry-After and X-RateLimit-* headers', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-ratelimit-' });
    const controller = await controllerForTest(ns);
    const body = JSON.stringify(await sealWith(controller, plainSecret(ns, 'verify', { foo: 'bar' })));
    const verify = (client: string) =>
      fetch(`${controller.url}/v1/verify`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
        body,
      });

    // Defaults: 2 requests/s, burst 2 → 3 back to back. Sent together so timing cannot refill the bucket.
    const responses = await Promise.all(Array.from({ length: 5 }, () => verify('10.1.2.3')));
    const allowed = responses.filter((r) => r.status === 200);
    const denied = responses.filter((r) => r.status === 429);
    expect(allowed).toHaveLength(3);
    expect(denied).toHaveLength(2);
    for (const response of responses) expect(response.headers.get('x-ratelimit-limit')).toBe('3');
    expect(allowed.map((r) => r.headers.get('x-ratelimit-remaining')).sort()).toEqual(['0', '1', '2']);
    for (const response of denied) {
      expect(response.headers.get('x-ratelimit-remaining')).toBe('0');
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
      expect(await response.text()).toBe('limit exceeded\n');
    }
    for (const response of allowed) expect(await response.text()).toBe('');

    // Another client has its own bucket; the first one is let in again after Retry-After.
    expect((await verify('10.9.9.9')).status).toBe(200);
    const retryAfter = Number(denied[0]?.headers.get('retry-after'));
    await new Promise((r) => setTimeout(r, retryAfter * 1000 + 100));
    expect((await verify('10.1.2.3')).status).toBe(200);
    // /healthz and /v1/cert.pem are not rate limited.
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${controller.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${controller.url}/v1/cert.pem`)).status).toBe(200);
    }
  });
});

const COUNT = 300;
const LIMIT_MS = 500;

describe('HTTP responsiveness under load', () => {
  it(
    `/healthz and /v1/cert.pem answer within ${LIMIT_MS} ms while ${COUNT} SealedSecrets (3 RSA-2048 items each) are unsealed`,
    { timeout: 300_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-load-' });
      // A client rate limit high enough that the controller, not the client-side limiter, is the bottleneck.
      const controller = await controllerForTest(ns, [
        '--kubeclient-qps',
        '500',
        '--kubeclient-burst',
        '1000',
      ]);
      const pem = await (await fetch(`${controller.url}/v1/cert.pem`)).text();
      const { publicKey } = parseCertificatePem(pem);
      const objects: SealedSecret[] = Array.from({ length: COUNT }, (_, i) => ({
        ...sealSecret(plainSecret(ns, `load-${i}`, { a: `a${i}`, b: `b${i}`, c: 'c'.repeat(200) }), {
          publicKey,
        }),
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
      }));

      const latencies: Record<string, number[]> = { '/healthz': [], '/v1/cert.pem': [] };
      let probing = true;
      const probe = (async () => {
        while (probing) {
          for (const [path, list] of Object.entries(latencies)) {
            const started = performance.now();
            const response = await fetch(`${controller.url}${path}`);
            await response.text();
            list.push(performance.now() - started);
            if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
          }
          await new Promise((r) => setTimeout(r, 20));
        }
      })();

      const started = performance.now();
      const queue = [...objects];
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let ss = queue.shift(); ss !== undefined; ss = queue.shift()) await createSealedSecret(ss);
        }),
      );
      await waitFor(
        async () =>
          (await listSealedSecrets(ns)).filter((ss) =>
            ss.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True'),
          ).length === COUNT,
        { timeoutMs: 240_000, intervalMs: 500, description: `${COUNT} SealedSecrets to be Synced` },
      );
      const elapsed = performance.now() - started;
      probing = false;
      await probe;

      const summary = Object.entries(latencies).map(([path, list]) => {
        const sorted = [...list].sort((a, b) => a - b);
        const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
        return `${path}: n=${sorted.length} p50=${at(0.5).toFixed(1)}ms p99=${at(0.99).toFixed(1)}ms max=${at(1).toFixed(1)}ms`;
      });
      process.stderr.write(
        `[load] ${COUNT} SealedSecrets synced in ${Math.round(elapsed)} ms; ${summary.join('; ')}\n`,
      );
      for (const list of Object.values(latencies)) {
        // Enough probes to have overlapped the whole unsealing, each one answered in time.
        expect(list.length).toBeGreaterThan(10);
        expect(Math.max(...list)).toBeLessThan(LIMIT_MS);
      }
    },
  );
});
