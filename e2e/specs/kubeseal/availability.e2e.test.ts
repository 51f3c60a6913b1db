import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { repoRoot } from '../../harness/paths.js';
import {
  createTestNamespace,
  e2eCluster,
  exposeReplicasViaServiceProxy,
  kubeEndpoint,
  waitFor,
} from '../../helpers/index.js';
import { getLease } from '../controller/ha-support.js';
import { expectOk, kubeseal, secretYaml, writeKubeconfigFile, type CliResult } from './support.js';

// Issue 13, availability: every replica serves /v1/cert.pem and /v1/verify, so kubeseal keeps working through the
// API server's service proxy while the leader is killed. The harness plays kubelet + endpoints controller: a dead
// replica leaves the Endpoints as soon as its process is gone; a request already routed to it may fail once.

const CONTROLLER_BIN = join(repoRoot(), 'packages/controller/bin/sealed-secrets-controller.js');
const SERVICE = 'sealed-secrets-controller';

interface Attempted {
  readonly what: string;
  readonly attempts: CliResult[];
}

/** Runs `run` once, and once more if it failed: the "at most one retry" of the issue. */
async function withOneRetry(what: string, run: () => Promise<CliResult>): Promise<Attempted> {
  const attempts = [await run()];
  if (attempts[0]?.code !== 0) attempts.push(await run());
  return { what, attempts };
}

describe('kubeseal through the service proxy while the leader dies', () => {
  it(
    '--fetch-cert and --validate keep answering (at most one retry) across a kill -9 of the leader',
    { timeout: 240_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ha-kubeseal-' });
      const exposed = await exposeReplicasViaServiceProxy({
        endpoint: kubeEndpoint(),
        namespace: ns,
        serviceName: SERVICE,
        replicas: 3,
        apiServerAccess: true,
        command: process.execPath,
        args: [
          CONTROLLER_BIN,
          '--kubeconfig',
          e2eCluster().kubeconfigPath,
          '--listen-addr',
          '{host}:{port}',
          '--listen-metrics-addr',
          '127.0.0.1:8081',
          '--all-namespaces=false',
          '--key-size',
          '2048',
          '--leader-elect',
          // Many CLI runs from one address in a short time: not what the rate limiter is tested with here.
          '--rate-limit',
          '100',
          '--rate-limit-burst',
          '100',
        ],
        env: { POD_NAMESPACE: ns },
        readyTimeoutMs: 60_000,
      });
      const dir = mkdtempSync(join(tmpdir(), 'ssts-ha-kubeseal-'));
      onTestFinished(async () => {
        await exposed.stop();
        rmSync(dir, { recursive: true, force: true });
      });
      // Every replica serves the leader's key (checked on each pod's own address, not through the Service).
      const cert = await waitFor(
        async () => {
          const certs = await Promise.all(
            exposed.replicas.map(async (r) => {
              const res = await fetch(`http://${r.podIp}:8080/v1/cert.pem`).catch(() => undefined);
              return res?.status === 200 ? res.text() : undefined;
            }),
          );
          return certs.every((c) => c !== undefined && c === certs[0]) && certs[0];
        },
        { timeoutMs: 60_000, description: 'every replica to serve the certificate' },
      );
      const lease = await waitFor(
        async () => {
          const current = await getLease(ns);
          return current?.spec.holderIdentity ? current : undefined;
        },
        { timeoutMs: 30_000, description: 'a leader' },
      );
      const leader = exposed.replicas.find((r) =>
        (lease.spec.holderIdentity ?? '').startsWith(`${r.podName}_`),
      );
      if (leader === undefined) throw new Error(`no replica holds the Lease: ${lease.spec.holderIdentity}`);

      const kubeconfig = writeKubeconfigFile(dir, 'kubeconfig', { namespace: ns });
      const ks = (args: string[], input?: string) =>
        kubeseal(['--kubeconfig', kubeconfig, '--controller-namespace', ns, ...args], {
          ...(input === undefined ? {} : { input }),
        });
      const sealed = expectOk(await ks([], secretYaml('ha-check', undefined, { a: 'b' })), 'kubeseal');
      const sealedFile = join(dir, 'sealed.json');
      writeFileSync(sealedFile, sealed);

      const results: (Attempted & { at: number })[] = [];
      let killedAt = 0;
      let takenOverAt = 0;
      const round = async (): Promise<void> => {
        const at = Date.now();
        const done = await Promise.all([
          withOneRetry('--fetch-cert', () => ks(['--fetch-cert'])),
          withOneRetry('--validate', () => ks(['--validate', '-f', sealedFile])),
        ]);
        results.push(...done.map((d) => ({ ...d, at })));
      };
      await round();
      await round();
      process.kill(leader.process.pid, 'SIGKILL');
      killedAt = Date.now();
      // Keep asking through the whole leaderless window and a little after the takeover.
      while (takenOverAt === 0 || Date.now() < takenOverAt + 3_000) {
        await round();
        const holder = (await getLease(ns))?.spec.holderIdentity ?? '';
        if (takenOverAt === 0 && holder !== '' && holder !== lease.spec.holderIdentity)
          takenOverAt = Date.now();
        if (Date.now() - killedAt > 120_000) throw new Error('no replica took over within 120 s');
      }

      const retried = results.filter((r) => r.attempts.length > 1);
      const failed = results.filter((r) => r.attempts.at(-1)?.code !== 0);
      process.stderr.write(
        `[ha kubeseal] ${results.length} kubeseal runs from ${killedAt - (results[0]?.at ?? killedAt)} ms before ` +
          `to ${Date.now() - killedAt} ms after the kill (takeover after ${takenOverAt - killedAt} ms); ` +
          `${retried.length} needed their one retry\n`,
      );
      expect(
        failed.map((f) => ({ what: f.what, attempts: f.attempts.map((a) => `${a.code}: ${a.stderr}`) })),
      ).toEqual([]);
      // The leaderless window was covered: runs started after the kill and before the takeover.
      expect(results.filter((r) => r.at > killedAt && r.at < takenOverAt).length).toBeGreaterThanOrEqual(4);
      for (const r of results.filter((x) => x.what === '--fetch-cert')) {
        expect(r.attempts.at(-1)?.stdout).toBe(cert);
      }
    },
  );
});
