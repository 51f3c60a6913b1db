import { readFileSync } from 'node:fs';
import { parseCertificatePem } from '@ssts/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestNamespace, e2eCluster, waitFor } from '../../helpers/index.js';
import { startApiProxy, writeProxyKubeconfig } from './api-proxy.js';
import { getLease, replicasForTest, waitForLeader, type Replica } from './ha-support.js';
import { listSecrets, type Secret } from './support.js';

// Issue 13, key discipline: with several replicas no renewal period ever gets a second key, even when two
// replicas both believe they lead (SSTS_TEST_ASSUME_LEADER, a test-only fault) or the leader dies around a renewal.

const KEY_SELECTOR = 'sealedsecrets.bitnami.com/sealed-secrets-key=active';

async function keys(ns: string): Promise<Secret[]> {
  const list = await listSecrets(ns, KEY_SELECTOR);
  return list.sort((a, b) => notBefore(a) - notBefore(b));
}

function notBefore(secret: Secret): number {
  const pem = Buffer.from(secret.data?.['tls.crt'] ?? '', 'base64').toString();
  return parseCertificatePem(pem).notBefore.getTime();
}

async function servedCerts(replicas: readonly Replica[]): Promise<string[]> {
  return Promise.all(replicas.map(async (r) => (await fetch(`${r.url}/v1/cert.pem`)).text()));
}

describe('key discipline with several replicas', () => {
  it(
    'two replicas that both believe they lead, their key creations held until both are sent: one first key, one key per renewal',
    { timeout: 180_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ha-keys-race-' });
      const cluster = e2eCluster();
      const proxy = await startApiProxy(cluster.server, readFileSync(cluster.caPath));
      onTestFinished(() => proxy.close());
      const kubeconfig = writeProxyKubeconfig(proxy, cluster, ns);
      const keyCreate = new RegExp(`^POST /api/v1/namespaces/${ns}/secrets$`);

      // Phase 1: no key yet; both replicas list, find none, and send their create before either is answered.
      const first = proxy.hold(keyCreate);
      const replicas = await replicasForTest(
        ns,
        2,
        ['--kubeconfig', kubeconfig, '--key-renew-period', '20s'],
        { env: { SSTS_TEST_ASSUME_LEADER: '1' }, waitFor: 'healthz' },
      );
      await waitFor(() => first.held() === 2, { timeoutMs: 60_000, description: 'both key creations' });
      first.release();
      await waitFor(
        async () => new Set(await servedCerts(replicas)).size === 1 && (await keys(ns)).length > 0,
        {
          timeoutMs: 30_000,
          description: 'both replicas to serve the one first key',
        },
      );
      expect(await keys(ns)).toHaveLength(1);

      // Phase 2: 20 s later both renewal timers fire; again both creations are in flight at once.
      const second = proxy.hold(keyCreate);
      await waitFor(() => second.held() === 2, { timeoutMs: 60_000, description: 'both renewals' });
      second.release();
      await waitFor(async () => (await keys(ns)).length === 2, {
        timeoutMs: 30_000,
        description: 'the renewal',
      });
      await waitFor(async () => new Set(await servedCerts(replicas)).size === 1, {
        timeoutMs: 30_000,
        description: 'both replicas to serve the renewed key',
      });
      const [, latest] = await keys(ns);
      expect((await servedCerts(replicas))[0]).toBe(
        Buffer.from(latest?.data?.['tls.crt'] ?? '', 'base64').toString(),
      );
      const logs = (): string => replicas.map((r) => r.output()).join('\n');
      const lostRaces = (): number => logs().match(/Another replica created this key first/g)?.length ?? 0;
      expect(logs()).toContain('acting as the leader WITHOUT the Lease');
      // Each race had a loser that found the winner's key under the same name instead of adding its own. The loser
      // may serve the winner's key (from its watch) before its own create's 409 is answered and logged: wait for it.
      await waitFor(() => lostRaces() >= 2, {
        timeoutMs: 30_000,
        description: 'both losers to log their lost race',
      });
      expect(lostRaces()).toBe(2);
      expect(await getLease(ns)).toBeUndefined();
      expect(await keys(ns)).toHaveLength(2);
    },
  );

  it(
    'the leader dies right after a renewal: the new leader adds no key until the next period is due',
    { timeout: 240_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ha-keys-failover-' });
      const period = 20_000;
      const replicas = await replicasForTest(ns, 2, ['--key-renew-period', '20s']);
      const { leader } = await waitForLeader(ns, replicas);
      await waitFor(async () => (await keys(ns)).length === 2, {
        timeoutMs: 60_000,
        intervalMs: 100,
        description: 'the first renewal',
      });
      leader.process.kill('SIGKILL');
      const { leader: next } = await waitForLeader(
        ns,
        replicas.filter((r) => r !== leader),
        60_000,
      );
      // The new leader took over ~15 s into the renewed key's period: it renews only once that period is over.
      await waitFor(async () => (await keys(ns)).length === 3, {
        timeoutMs: 60_000,
        description: 'the renewal by the new leader',
      });
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      const all = await keys(ns);
      expect(all).toHaveLength(3);
      const gaps = all.slice(1).map((k, i) => notBefore(k) - notBefore(all[i] as Secret));
      process.stderr.write(`[ha keys] NotBefore gaps across the failover: ${gaps.join(', ')} ms\n`);
      // Certificate times have second precision: a full period, less at most a second or two.
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(period - 2_000);
      expect(next.output()).toContain('Creating a sealing key');
    },
  );
});
