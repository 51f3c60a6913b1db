import type { BenchCluster } from '../lib/cluster.js';
import type { BenchContext } from '../lib/context.js';
import { startController, type RunningController } from '../lib/controller-process.js';
import { generateBenchKeys, type BenchKey } from '../lib/keys.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { prepareNamespace } from '../lib/scenario.js';
import { sealObjects } from '../lib/sealed-objects.js';
import { fmtMs, summarize } from '../lib/stats.js';
import { NamespaceTracker } from '../lib/tracker.js';
import { loadCore, type Core } from '../lib/workspace.js';

const NAMESPACE = 'bench-failover';
const LEASE = 'sealed-secrets-controller';
const REPLICAS = 3;
/** client-go's defaults, which the controller uses: lease duration + retry period bounds a takeover. */
const LEASE_DURATION_MS = 15_000;
const RETRY_PERIOD_MS = 2_000;
/** SealedSecrets created per second while a leader dies. */
const APPLY_RATE = 10;
/**
 * A Secret seen this long after the kill was written by the new leader: the dead process sends nothing more, and a
 * request it had already sent completes in milliseconds; no replica leads again before the Lease expires (~15 s).
 */
const DEAD_WRITES_SETTLE_MS = 1_000;

interface Lease {
  spec?: { holderIdentity?: string; acquireTime?: string; leaseTransitions?: number };
}

interface Round {
  readonly kind: 'kill -9' | 'SIGTERM';
  readonly from: string;
  readonly to: string;
  /** Signal → the new holder's Lease acquireTime (its wall clock; same host). */
  readonly takeoverMs: number;
  /** Signal → first Secret written by the new leader, as the watch saw it (kill -9 rounds only). */
  readonly firstSecretMs?: number;
  /** SealedSecrets created between the signal and that first Secret. */
  readonly appliedMeanwhile: number;
}

/**
 * Section 7: three replicas with leader election; a stream of applies; the leader is killed (kill -9) or stopped
 * (SIGTERM), then started again so the next round again has three replicas. Failover time = leader death → first
 * Secret written by the new leader.
 */
export async function failoverSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const kills = ctx.quick ? 1 : 5;
  const handovers = ctx.quick ? 1 : 5;
  const cluster = await ctx.cluster();
  const core = await loadCore();
  const [key] = await generateBenchKeys(core, 1, 2048, new Date());
  if (key === undefined) throw new Error('no key generated');
  await prepareNamespace(cluster, NAMESPACE, [key]);
  const tracker = await NamespaceTracker.start(cluster.client, NAMESPACE);
  const replicas = new Map<string, RunningController>();
  const problems: string[] = [];
  const rounds: Round[] = [];
  const start = async (name: string): Promise<void> => {
    const [apiPort, metricsPort] = (await cluster.harness.freePorts(2)) as [number, number];
    const controller = startController({
      kubeconfigPath: cluster.kubeconfigPath,
      namespace: NAMESPACE,
      logDir: ctx.workDir,
      apiPort,
      metricsPort,
      replica: name,
      extraArgs: ['--leader-elect'],
    });
    replicas.set(name, controller);
    await controller.waitHealthy(60_000);
  };
  const applier = new Applier(core, cluster, key);
  try {
    await Promise.all(Array.from({ length: REPLICAS }, (_, i) => start(`replica-${i}`)));
    for (let round = 0; round < kills + handovers; round++) {
      const kind = round < kills ? 'kill -9' : 'SIGTERM';
      const before = await leader(cluster, replicas);
      applier.start(`r${round}`);
      // Steady state: the leader is renewing and writing this round's Secrets.
      await waitUntil(
        () => applier.created.filter((c) => tracker.secretSeenAt.has(c.name)).length >= 10,
        30_000,
      );
      const victim = replicas.get(before.name);
      if (victim === undefined) throw new Error(`no replica ${before.name}`);
      const signalledWall = Date.now();
      const signalledAt = performance.now();
      if (kind === 'kill -9') process.kill(victim.pid, 'SIGKILL');
      const stopped = kind === 'SIGTERM' ? victim.stop() : undefined;
      const after = await leader(cluster, replicas, before.identity, 60_000);
      let firstSecretMs: number | undefined;
      if (kind === 'kill -9') {
        const firstAt = await waitUntil(() => {
          const seen = [...tracker.secretSeenAt.values()].filter(
            (t) => t > signalledAt + DEAD_WRITES_SETTLE_MS,
          );
          return seen.length > 0 ? Math.min(...seen) : undefined;
        }, 60_000);
        firstSecretMs = firstAt - signalledAt;
      }
      const createdUntil = signalledAt + (firstSecretMs ?? 0);
      const names = await applier.stop();
      await tracker.waitForAll(names, 120_000);
      rounds.push({
        kind,
        from: before.name,
        to: after.name,
        takeoverMs: Date.parse(after.lease.spec?.acquireTime ?? '') - signalledWall,
        ...(firstSecretMs === undefined ? {} : { firstSecretMs }),
        appliedMeanwhile: applier.createdBetween(signalledAt, createdUntil),
      });
      ctx.log(
        `failover: ${kind} ${before.name} → ${after.name}: takeover ${fmtMs(rounds.at(-1)?.takeoverMs ?? NaN)}` +
          (firstSecretMs === undefined ? '' : `, first Secret ${fmtMs(firstSecretMs)}`),
      );
      const code = kind === 'SIGTERM' ? await stopped : await victim.stop();
      if (kind === 'SIGTERM' && code !== 0) problems.push(`${before.name} exited with ${code} on SIGTERM`);
      await start(before.name);
    }
  } finally {
    applier.close();
    tracker.stop();
    await Promise.all([...replicas.values()].map((r) => r.stop()));
  }

  const killRounds = rounds.filter((r) => r.kind === 'kill -9');
  const termRounds = rounds.filter((r) => r.kind === 'SIGTERM');
  const failover = killRounds.map((r) => r.firstSecretMs ?? NaN);
  const takeover = killRounds.map((r) => r.takeoverMs);
  const handover = termRounds.map((r) => r.takeoverMs);
  const table: Table = {
    caption: `${REPLICAS} replicas, --leader-elect with client-go's 15 s / 10 s / 2 s, ${APPLY_RATE} SealedSecrets/s applied throughout`,
    header: [
      'round',
      'leader → new leader',
      'signal → Lease taken over',
      'signal → first Secret by the new leader',
      'applied meanwhile',
    ],
    rows: rounds.map((r, i) => [
      `${i + 1}: ${r.kind}`,
      `${r.from} → ${r.to}`,
      fmtMs(r.takeoverMs),
      r.firstSecretMs === undefined ? '—' : fmtMs(r.firstSecretMs),
      r.firstSecretMs === undefined ? '—' : String(r.appliedMeanwhile),
    ]),
  };
  const summaryRow = (label: string, values: number[]): string[] => {
    if (values.length === 0) return [label, '', '', ''];
    const s = summarize(values);
    return [label, String(s.count), fmtMs(s.median), fmtMs(s.max)];
  };
  const summary: Table = {
    header: ['measure', 'n', 'median', 'max'],
    rows: [
      summaryRow('failover: kill -9 → first Secret written by the new leader', failover),
      summaryRow('kill -9 → Lease taken over', takeover),
      summaryRow('handover: SIGTERM → Lease taken over', handover),
    ],
  };
  const maxFailover = failover.length > 0 ? Math.max(...failover) : undefined;
  const maxHandover = handover.length > 0 ? Math.max(...handover) : undefined;
  const targets: TargetResult[] = [
    {
      name: 'Failover (kill -9 of the leader)',
      target: `first Secret by the new leader ≤ lease duration + retry period (${fmtMs(LEASE_DURATION_MS + RETRY_PERIOD_MS)}), max of ${kills}`,
      measured: maxFailover === undefined ? 'not measured' : `max ${fmtMs(maxFailover)}`,
      status: targetStatus(maxFailover, LEASE_DURATION_MS + RETRY_PERIOD_MS, (m, l) => m <= l),
    },
    {
      name: 'Handover (SIGTERM of the leader)',
      target: `Lease taken over < 3 s, max of ${handovers}`,
      measured: maxHandover === undefined ? 'not measured' : `max ${fmtMs(maxHandover)}`,
      status: targetStatus(maxHandover, 3_000, (m, l) => m < l),
    },
  ];
  return {
    id: 'failover',
    title: '8. Failover with three replicas',
    tables: [summary, table],
    notes: [
      'Each round: three running replicas (the killed one was started again after the previous round), ' +
        `SealedSecrets created at ${APPLY_RATE}/s until the new leader wrote its first Secret. ` +
        `"First Secret by the new leader" is the first Secret the watch saw more than ${DEAD_WRITES_SETTLE_MS} ms ` +
        'after the kill: nothing writes between the kill and the takeover, and a request the dead process had already ' +
        'sent completes within milliseconds. It includes the watch delivery to the benchmark.',
      '"Lease taken over" is the new holder\'s acquireTime (its wall clock, microseconds) minus the signal time on the same host.',
      'A follower measures expiry from when it saw the last renewal (it watches the Lease), so a kill -9 takes ' +
        'about the lease duration after the last renewal: 13-15 s after the kill. A SIGTERM releases the Lease once ' +
        'in-flight work drained; the followers see the release through their watch and one takes it at once.',
      ...problems.map((p) => `Problem seen: ${p}`),
    ],
    targets,
  };
}

async function leader(
  cluster: BenchCluster,
  replicas: ReadonlyMap<string, RunningController>,
  not?: string,
  timeoutMs = 60_000,
): Promise<{ name: string; identity: string; lease: Lease }> {
  return waitUntil(async () => {
    const lease = await cluster.client
      .json<Lease>('GET', `/apis/coordination.k8s.io/v1/namespaces/${NAMESPACE}/leases/${LEASE}`)
      .catch(() => undefined);
    const identity = lease?.spec?.holderIdentity ?? '';
    const name = [...replicas.keys()].find((n) => identity.startsWith(`${n}_`));
    return name !== undefined && identity !== not && lease !== undefined
      ? { name, identity, lease }
      : undefined;
  }, timeoutMs);
}

async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`failover: condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Creates SealedSecrets at APPLY_RATE per second until stopped; remembers when each create was sent. */
class Applier {
  readonly created: { name: string; at: number }[] = [];
  #running: Promise<void> | undefined;
  #stopping = false;

  constructor(
    private readonly core: Core,
    private readonly cluster: BenchCluster,
    private readonly key: BenchKey,
  ) {}

  start(prefix: string): void {
    this.created.length = 0;
    this.#stopping = false;
    this.#running = (async () => {
      for (let i = 0; !this.#stopping; i++) {
        const [ss] = sealObjects(this.core, this.key.publicKey, NAMESPACE, [`${prefix}-${i}`], 1);
        const at = performance.now();
        await this.cluster.client.json(
          'POST',
          `/apis/bitnami.com/v1alpha1/namespaces/${NAMESPACE}/sealedsecrets`,
          {
            body: ss,
          },
        );
        this.created.push({ name: `${prefix}-${i}`, at });
        await new Promise((resolve) => setTimeout(resolve, 1000 / APPLY_RATE));
      }
    })();
  }

  /** Stops and returns the names created in this round. */
  async stop(): Promise<string[]> {
    this.#stopping = true;
    await this.#running;
    return this.created.map((c) => c.name);
  }

  createdBetween(from: number, to: number): number {
    return this.created.filter((c) => c.at >= from && c.at <= to).length;
  }

  close(): void {
    this.#stopping = true;
  }
}
