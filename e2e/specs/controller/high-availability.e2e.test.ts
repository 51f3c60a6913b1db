import { describe, expect, it } from 'vitest';
import { createTestNamespace, kubeEndpoint, kubeJson, waitFor } from '../../helpers/index.js';
import {
  adminClient,
  countByName,
  createAll,
  getLease,
  holderOf,
  leaderGauge,
  LEASE_NAME,
  recordWatch,
  replicasForTest,
  sealMany,
  waitForLeader,
} from './ha-support.js';
import {
  listSecrets,
  listSealedSecrets,
  metricValue,
  waitForSynced,
  createSealedSecret,
  getSecret,
  decode,
  type EventObject,
  type SealedSecret,
  type Secret,
} from './support.js';

// Issue 13: several replicas, one leader (Lease), real processes on the local control plane. Client QPS is raised
// so the tests measure the controllers, not Go's default 5 qps limiter; keys are RSA-2048 (support.ts).

const COUNT = 1_000;
const KEY_SELECTOR = 'sealedsecrets.bitnami.com/sealed-secrets-key=active';
const FAST_CLIENT = ['--kubeclient-qps', '500', '--kubeclient-burst', '1000'];
const LEASE_DURATION_MS = 15_000;
const RETRY_PERIOD_MS = 2_000;

const ssPath = (ns: string) => `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets`;
const secretsPath = (ns: string) => `/api/v1/namespaces/${ns}/secrets`;

const isSynced = (ss: SealedSecret): boolean =>
  ss.status?.observedGeneration === ss.metadata.generation &&
  ss.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True') === true;

async function waitAllSynced(ns: string, count: number, timeoutMs = 600_000): Promise<SealedSecret[]> {
  return waitFor(
    async () => {
      const all = await listSealedSecrets(ns);
      return all.length === count && all.every(isSynced) && all;
    },
    { timeoutMs, intervalMs: 2_000, description: `${count} SealedSecrets to be Synced` },
  );
}

async function namespaceEvents(ns: string): Promise<EventObject[]> {
  return (await kubeJson<{ items: EventObject[] }>(kubeEndpoint(), 'GET', `/api/v1/namespaces/${ns}/events`))
    .items;
}

/** The SealedSecret-derived Secrets (not the key Secret) with their managers. */
async function unsealedSecrets(ns: string): Promise<Secret[]> {
  const list = await kubeJson<{ items: Secret[] }>(kubeEndpoint(), 'GET', secretsPath(ns));
  return list.items.filter((s) => s.type !== 'kubernetes.io/tls');
}

async function keyCount(ns: string): Promise<number> {
  return (await listSecrets(ns, KEY_SELECTOR)).length;
}

function expectEachWrittenOnce(
  names: readonly string[],
  secretEvents: Parameters<typeof countByName>[0],
  ssEvents: Parameters<typeof countByName>[0],
): void {
  const added = countByName(secretEvents, 'ADDED');
  const modified = countByName(secretEvents, 'MODIFIED');
  const deleted = countByName(secretEvents, 'DELETED');
  const statusWrites = countByName(ssEvents, 'MODIFIED');
  const wrong = names.filter(
    (n) =>
      added.get(n) !== 1 ||
      modified.has(n) ||
      deleted.has(n) ||
      // Exactly one write to each SealedSecret: its Synced status.
      statusWrites.get(n) !== 1,
  );
  expect(
    wrong.slice(0, 5).map((n) => ({
      name: n,
      secretAdded: added.get(n),
      secretModified: modified.get(n),
      statusWrites: statusWrites.get(n),
    })),
  ).toEqual([]);
}

describe('three replicas with leader election', () => {
  it(
    `exactly one holds the Lease; ${COUNT} SealedSecrets applied while all run are each unsealed once`,
    { timeout: 900_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ha-steady-' });
      const replicas = await replicasForTest(ns, 3, FAST_CLIENT);
      const { leader, lease } = await waitForLeader(ns, replicas);
      const followers = replicas.filter((r) => r !== leader);

      // One holder, seen the same way by the Lease, the metrics, the Lease's event; every replica serves the key.
      expect(lease.spec).toMatchObject({ leaseDurationSeconds: 15, leaseTransitions: 0 });
      expect(lease.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(await leaderGauge(leader)).toBe(1);
      for (const f of followers) expect(await leaderGauge(f)).toBe(0);
      const certs = await Promise.all(
        replicas.map(async (r) => (await fetch(`${r.url}/v1/cert.pem`)).text()),
      );
      expect(new Set(certs).size).toBe(1);
      expect(certs[0]).toContain('BEGIN CERTIFICATE');
      const leaseEvents = (await namespaceEvents(ns)).filter((e) => e.involvedObject.kind === 'Lease');
      expect(leaseEvents.map((e) => [e.reason, e.message])).toEqual([
        ['LeaderElection', `${lease.spec.holderIdentity} became leader`],
      ]);

      const client = await adminClient();
      const secretWatch = await recordWatch(client, secretsPath(ns));
      const ssWatch = await recordWatch(client, ssPath(ns));
      try {
        const objects = await sealMany(leader, ns, 'steady', COUNT);
        const started = Date.now();
        await createAll(client, objects, 8);
        await waitAllSynced(ns, COUNT);
        process.stderr.write(`[ha steady] ${COUNT} SealedSecrets Synced in ${Date.now() - started} ms\n`);
        // Let the watches deliver the last writes.
        await new Promise((resolve) => setTimeout(resolve, 3_000));
      } finally {
        await Promise.all([secretWatch.stop(), ssWatch.stop()]);
        client.close();
      }

      const names = Array.from({ length: COUNT }, (_, i) => `steady-${i}`);
      // No conflicting writes: each Secret created once and never updated, each SealedSecret's status written once.
      expectEachWrittenOnce(names, secretEvents(secretWatch.events), ssWatch.events);
      const secrets = await unsealedSecrets(ns);
      expect(secrets).toHaveLength(COUNT);
      const managers = new Set(
        secrets.flatMap((s) =>
          (
            (s.metadata as { managedFields?: { manager: string; operation: string }[] }).managedFields ?? []
          ).map((m) => `${m.manager}/${m.operation}`),
        ),
      );
      expect([...managers]).toEqual(['sealed-secrets-controller/Update']);
      for (const s of secrets) {
        expect((s.metadata as { managedFields?: unknown[] }).managedFields).toHaveLength(1);
      }
      // No duplicate events: one Unsealed event per SealedSecret, never repeated, no warnings.
      const events = (await namespaceEvents(ns)).filter((e) => e.involvedObject.kind === 'SealedSecret');
      expect(events.filter((e) => e.type !== 'Normal').map((e) => e.message)).toEqual([]);
      const unsealed = countByName(
        events.map((e) => ({ type: e.reason, name: e.involvedObject.name, resourceVersion: '', at: 0 })),
        'Unsealed',
      );
      expect(names.filter((n) => unsealed.get(n) !== 1)).toEqual([]);
      expect(events.filter((e) => (e.count ?? 1) !== 1)).toEqual([]);
      // Followers reconciled nothing; the leader never changed.
      for (const f of followers)
        expect(await metricValue(f, 'sealed_secrets_controller_unseal_requests_total')).toBe(0);
      expect(await metricValue(leader, 'sealed_secrets_controller_unseal_requests_total')).toBe(COUNT);
      const after = await getLease(ns);
      expect(holderOf(after, replicas)).toBe(leader);
      expect(after?.spec.leaseTransitions).toBe(0);
      expect(await keyCount(ns)).toBe(1);
    },
  );

  it(
    `kill -9 of the leader in the middle of ${COUNT} applies: a follower takes over within lease duration + retry period, nothing is lost`,
    { timeout: 900_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ha-failover-' });
      const replicas = await replicasForTest(ns, 3, FAST_CLIENT);
      const { leader: first } = await waitForLeader(ns, replicas);
      const client = await adminClient();
      const secretWatch = await recordWatch(client, secretsPath(ns));
      const ssWatch = await recordWatch(client, ssPath(ns));
      let killedAt = 0;
      let frozen: { secrets: Secret[]; sealed: SealedSecret[] } | undefined;
      try {
        const objects = await sealMany(first, ns, 'failover', COUNT);
        let killing: Promise<void> | undefined;
        await createAll(client, objects, 4, async (created) => {
          if (created !== COUNT / 2) return;
          // Mid-way, and only once the leader is busy writing (so reconciles are in flight).
          killing = (async () => {
            await waitFor(async () => (await unsealedSecrets(ns)).length >= COUNT / 4, {
              timeoutMs: 300_000,
              intervalMs: 200,
              description: 'the leader to have written a quarter of the Secrets',
            });
            first.process.kill('SIGKILL');
            killedAt = Date.now();
            // No replica leads until the Lease expires: this is exactly what the dead leader left behind.
            frozen = { secrets: await unsealedSecrets(ns), sealed: await listSealedSecrets(ns) };
          })();
          await killing;
        });
        await killing;
        const survivors = replicas.filter((r) => r !== first);
        const { leader: second, lease } = await waitForLeader(ns, survivors, 60_000);
        const takeoverMs = Date.parse(lease.spec.acquireTime ?? '') - killedAt;
        await waitAllSynced(ns, COUNT);
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        const firstWrite = secretEvents(secretWatch.events).find(
          (e) => e.type === 'ADDED' && e.at > killedAt + 1_000,
        );
        const inFlight = (frozen?.sealed ?? []).filter(
          (ss) => !isSynced(ss) && frozen?.secrets.some((s) => s.metadata.name === ss.metadata.name),
        );
        process.stderr.write(
          `[ha failover] ${second.name} took over ${takeoverMs} ms after kill -9 (Lease acquireTime); ` +
            `first Secret written by it ${firstWrite === undefined ? '?' : firstWrite.at - killedAt} ms after the kill; ` +
            `at the kill: ${frozen?.secrets.length} Secrets written, ${inFlight.length} of them without Synced status ` +
            `(${inFlight.map((s) => s.metadata.name).join(', ')}), ${(frozen?.sealed.length ?? 0) - (frozen?.secrets.length ?? 0)} SealedSecrets without a Secret\n`,
        );
        expect(takeoverMs).toBeGreaterThan(0);
        expect(takeoverMs).toBeLessThanOrEqual(LEASE_DURATION_MS + RETRY_PERIOD_MS);
        expect(lease.spec.leaseTransitions).toBe(1);

        // Objects whose reconcile was cut short keep the Secret the dead leader wrote (same uid, never rewritten)
        // and get their status from the new leader.
        for (const ss of inFlight) {
          const before = frozen?.secrets.find((s) => s.metadata.name === ss.metadata.name);
          const now = await getSecret(ns, ss.metadata.name ?? '');
          expect(now?.metadata.uid).toBe(before?.metadata.uid);
          expect(now?.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
        }
      } finally {
        await Promise.all([secretWatch.stop(), ssWatch.stop()]);
        client.close();
      }

      // None lost, none written twice, every value right.
      const names = Array.from({ length: COUNT }, (_, i) => `failover-${i}`);
      const added = countByName(secretEvents(secretWatch.events), 'ADDED');
      expect(names.filter((n) => added.get(n) !== 1)).toEqual([]);
      expect(secretEvents(secretWatch.events).filter((e) => e.type !== 'ADDED')).toEqual([]);
      const secrets = await unsealedSecrets(ns);
      expect(secrets).toHaveLength(COUNT);
      const wrongValue = secrets.filter(
        (s) => decode(s.data)['v'] !== `v-${(s.metadata.name ?? '').slice(9)}`,
      );
      expect(wrongValue.map((s) => s.metadata.name)).toEqual([]);
      // Status writes: at most one per object and leader (the new leader rewrites none that was already Synced).
      const statusWrites = countByName(ssWatch.events, 'MODIFIED');
      expect(names.filter((n) => (statusWrites.get(n) ?? 0) !== 1)).toEqual([]);
      // No second key during the failover.
      expect(await keyCount(ns)).toBe(1);
    },
  );

  it(
    'SIGTERM on the leader hands over in under 3 s; the new leader unseals',
    { timeout: 180_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ha-handover-' });
      const replicas = await replicasForTest(ns, 3, FAST_CLIENT);
      const { leader, lease: before } = await waitForLeader(ns, replicas);
      const signalledAt = Date.now();
      const stopped = leader.stop();
      const { leader: next, lease } = await waitForLeader(
        ns,
        replicas.filter((r) => r !== leader),
        30_000,
      );
      const handoverMs = Date.parse(lease.spec.acquireTime ?? '') - signalledAt;
      process.stderr.write(`[ha handover] ${leader.name} → ${next.name} in ${handoverMs} ms after SIGTERM\n`);
      expect(await stopped).toBe(0);
      expect(handoverMs).toBeLessThan(3_000);
      expect(lease.spec.leaseTransitions).toBe((before.spec.leaseTransitions ?? 0) + 1);
      expect(leader.output()).toContain('Released the leader Lease');
      await waitFor(async () => (await leaderGauge(next)) === 1, { timeoutMs: 10_000 });

      const [ss] = await sealMany(next, ns, 'after-handover', 1);
      if (ss === undefined) throw new Error('nothing sealed');
      await createSealedSecret(ss);
      await waitForSynced(ns, 'after-handover-0', (c) => c.status === 'True');
      expect(decode((await getSecret(ns, 'after-handover-0'))?.data)).toEqual({ v: 'v-0' });
      const leaseEvents = (await namespaceEvents(ns))
        .filter((e) => e.involvedObject.kind === 'Lease' && e.involvedObject.name === LEASE_NAME)
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
        .map((e) => e.message);
      expect(leaseEvents).toEqual(
        expect.arrayContaining([
          `${before.spec.holderIdentity} became leader`,
          `${before.spec.holderIdentity} stopped leading`,
          `${lease.spec.holderIdentity} became leader`,
        ]),
      );
    },
  );
});

/** Watch events of the unsealed Secrets only (the key Secret is created before the watch starts anyway). */
function secretEvents(events: readonly Parameters<typeof countByName>[0][number][]) {
  return events.filter((e) => !e.name.startsWith('sealed-secrets-key'));
}
