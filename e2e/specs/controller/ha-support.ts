import { readFileSync } from 'node:fs';
import { bearerToken, KubeClient } from '@ssts/kube';
import { onTestFinished } from 'vitest';
import { parseCertificatePem, sealSecret } from '@ssts/core';
import { e2eCluster, kubeEndpoint, kubeRequest, waitFor } from '../../helpers/index.js';
import {
  metricValue,
  plainSecret,
  startController,
  type RunningController,
  type SealedSecret,
  type StartOptions,
} from './support.js';

/** The default Lease name (`--leader-elect-resource-name`). */
export const LEASE_NAME = 'sealed-secrets-controller';

export interface Lease {
  metadata: { name: string; uid: string; resourceVersion: string };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** One controller process of a leader-elected set; its identity starts with `<name>_` (POD_NAME). */
export interface Replica extends RunningController {
  readonly name: string;
}

/**
 * Starts `count` controllers with --leader-elect in `namespace` (as a Deployment's pods: POD_NAME replica-<i>),
 * stopped when the test finishes; their output is printed when it failed. Returns once every one is ready, which
 * with leader election means "serves a key" (the leader creates it).
 */
export async function replicasForTest(
  namespace: string,
  count: number,
  args: readonly string[] = [],
  options: StartOptions = {},
): Promise<Replica[]> {
  const replicas = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const name = `replica-${i}`;
      const controller = await startController(namespace, ['--leader-elect', ...args], {
        ...options,
        env: { POD_NAME: name, ...options.env },
      });
      return { ...controller, name };
    }),
  );
  onTestFinished(async (ctx) => {
    const codes = await Promise.all(replicas.map((r) => r.stop()));
    if (ctx.task.result?.state === 'fail') {
      for (const [i, r] of replicas.entries()) {
        process.stderr.write(`--- ${r.name} output (exit ${codes[i]}) ---\n${r.output().slice(-30_000)}\n`);
      }
    }
  });
  return replicas;
}

export async function getLease(namespace: string, name = LEASE_NAME): Promise<Lease | undefined> {
  const res = await kubeRequest(
    kubeEndpoint(),
    'GET',
    `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${name}`,
  );
  return res.status === 404 ? undefined : (JSON.parse(res.body) as Lease);
}

export function holderOf(lease: Lease | undefined, replicas: readonly Replica[]): Replica | undefined {
  const holder = lease?.spec.holderIdentity ?? '';
  return replicas.find((r) => holder.startsWith(`${r.name}_`));
}

/** Waits until one of `candidates` holds the Lease; returns it and the Lease. */
export async function waitForLeader(
  namespace: string,
  candidates: readonly Replica[],
  timeoutMs = 60_000,
): Promise<{ leader: Replica; lease: Lease }> {
  return waitFor(
    async () => {
      const lease = await getLease(namespace);
      const leader = holderOf(lease, candidates);
      return leader !== undefined && lease !== undefined && { leader, lease };
    },
    { timeoutMs, intervalMs: 50, description: 'a replica to hold the leader Lease' },
  );
}

export async function leaderGauge(replica: Replica): Promise<number | undefined> {
  return metricValue(replica, 'sealed_secrets_controller_leader');
}

/** `count` SealedSecrets `<prefix>-<i>` with one value `v-<i>`, sealed (strict) for the replicas' certificate. */
export async function sealMany(
  replica: Replica,
  namespace: string,
  prefix: string,
  count: number,
): Promise<SealedSecret[]> {
  const pem = await (await fetch(`${replica.url}/v1/cert.pem`)).text();
  const { publicKey } = parseCertificatePem(pem);
  return Array.from({ length: count }, (_, i) => ({
    ...sealSecret(plainSecret(namespace, `${prefix}-${i}`, { v: `v-${i}` }), { publicKey }),
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
  }));
}

/** A @ssts/kube client of the e2e admin with keep-alive connections, for bulk creates and watches. */
export async function adminClient(): Promise<KubeClient> {
  const cluster = e2eCluster();
  return KubeClient.create(
    {
      server: new URL(cluster.server),
      tls: { ca: readFileSync(cluster.caPath) },
      credentials: bearerToken(cluster.token),
      impersonation: {},
      proxyUrl: undefined,
      source: 'kubeconfig',
    },
    { timeoutMs: 60_000 },
  );
}

/** Creates the objects with `concurrency` requests in flight; `onCreated` runs after each one. */
export async function createAll(
  client: KubeClient,
  objects: readonly SealedSecret[],
  concurrency: number,
  onCreated: (created: number) => void | Promise<void> = () => undefined,
): Promise<void> {
  const queue = [...objects];
  let created = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let ss = queue.shift(); ss !== undefined; ss = queue.shift()) {
        const path = `/apis/bitnami.com/v1alpha1/namespaces/${ss.metadata.namespace ?? ''}/sealedsecrets`;
        await client.json('POST', path, { body: ss });
        await onCreated(++created);
      }
    }),
  );
}

export interface WatchedEvent {
  readonly type: string;
  readonly name: string;
  readonly resourceVersion: string;
  /** Local time the test saw it. */
  readonly at: number;
}

/**
 * Records every watch event of a namespaced collection from now on (list, then watch from its resourceVersion),
 * until `stop()`. Shows each write as the API server committed it: an object written twice has two events.
 */
export async function recordWatch(
  client: KubeClient,
  collectionPath: string,
): Promise<{ events: WatchedEvent[]; stop(): Promise<void> }> {
  const list = await client.json<{ metadata: { resourceVersion: string } }>('GET', collectionPath, {
    query: { limit: '1' },
  });
  const events: WatchedEvent[] = [];
  const abort = new AbortController();
  let resourceVersion = list.metadata.resourceVersion;
  const running = (async () => {
    while (!abort.signal.aborted) {
      await client
        .watch(
          collectionPath,
          { query: { resourceVersion }, signal: abort.signal, idleTimeoutMs: 600_000 },
          (event) => {
            const metadata = (event.object as { metadata?: { name?: string; resourceVersion?: string } })
              .metadata;
            resourceVersion = metadata?.resourceVersion ?? resourceVersion;
            events.push({
              type: event.type,
              name: metadata?.name ?? '',
              resourceVersion,
              at: Date.now(),
            });
          },
        )
        .catch((error: unknown) => {
          if (!abort.signal.aborted) throw error;
        });
    }
  })();
  return {
    events,
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}

/** Counts `events` of `type` per object name. */
export function countByName(events: readonly WatchedEvent[], type: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) if (e.type === type) counts.set(e.name, (counts.get(e.name) ?? 0) + 1);
  return counts;
}
