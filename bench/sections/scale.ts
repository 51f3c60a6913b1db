import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startBenchCluster, type BenchCluster } from '../lib/cluster.js';
import type { BenchContext } from '../lib/context.js';
import { controllerFlags, startController } from '../lib/controller-process.js';
import { generateBenchKeys, type BenchKey } from '../lib/keys.js';
import { mapBounded } from '../lib/kube-client.js';
import type { SectionResult } from '../lib/report.js';
import {
  linearity,
  linearityLines,
  linearityTarget,
  namespaceName,
  perObject,
  scalePlan,
  scaleTable,
  spreadObjects,
  type ScaleRun,
} from '../lib/scale.js';
import { prepareNamespace } from '../lib/scenario.js';
import { sealObjects } from '../lib/sealed-objects.js';
import { fmt, fmtMiB, fmtMs } from '../lib/stats.js';
import { NamespaceTracker } from '../lib/tracker.js';
import { loadCore, loadHarness, type Core } from '../lib/workspace.js';

const VALUES = 3;
/** The controller's own namespace (POD_NAMESPACE, key Secrets); the objects live in the spread namespaces. */
const CONTROLLER_NAMESPACE = 'sealed-secrets-bench';
const NAMESPACE_PREFIX = 'scale';
const CREATES_IN_FLIGHT = 16;

/**
 * Section "scale" (`--scale`): start-up sync of 1 000, 5 000 and 20 000 SealedSecrets spread over 200 namespaces,
 * by one controller watching all namespaces. Each size gets a fresh control plane: etcd starts empty (no growth
 * from one size to the next, nothing left from other sections for an all-namespace controller to resync), and
 * stopping it removes its data, which deleting namespaces could not do here (no kube-controller-manager runs, so
 * a deleted namespace would stay Terminating with its objects).
 */
export async function scaleSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const plan = scalePlan(ctx.quick, ctx.scaleSizes);
  const core = await loadCore();
  const [key] = await generateBenchKeys(core, 1, 4096, new Date());
  if (key === undefined) throw new Error('no key generated');
  const harness = await loadHarness();
  const notes: string[] = [];
  const runs: ScaleRun[] = [];
  let failure: string | undefined;
  for (const objects of plan.sizes) {
    ctx.log(`scale: ${objects} SealedSecrets over ${plan.namespaces} namespaces`);
    let cluster: BenchCluster | undefined;
    try {
      cluster = await startBenchCluster(harness, () => undefined);
      ctx.versions['kube-apiserver'] ??= cluster.kubeVersion;
      const run = await syncOnce(ctx, core, cluster, key, objects, plan.namespaces, notes);
      runs.push(run);
      // Kept after every size, so a run stopped during the 20 000 still leaves the smaller sizes on disk.
      writeFileSync(join(ctx.outDir, 'scale-runs.json'), `${JSON.stringify(runs, null, 2)}\n`);
      const p = perObject(run);
      ctx.log(
        `scale: ${objects}: ${fmtMs(run.syncMs)}, ${fmt(p.objectsPerSec)} objects/s, peak ${fmtMiB(run.peakRssBytes)}` +
          `, load ${run.loadAtEnd.toFixed(2)}`,
      );
    } catch (error) {
      failure = `${objects} objects: ${error instanceof Error ? error.message : String(error)}`;
      ctx.log(`scale: ${failure}`);
    } finally {
      await cluster?.stop();
    }
    // A size that failed says nothing about the larger ones, except that they would fail the same way.
    if (failure !== undefined) break;
  }
  const tables = runs.length === 0 ? [] : [scaleTable(runs, VALUES)];
  const line = linearity(runs);
  const preformatted = line === undefined ? [] : linearityLines(line);
  notes.unshift(
    `Start-up scenario only: the N SealedSecrets (${VALUES} values each, sealed with one RSA-4096 key, strict scope) ` +
      `are created round-robin over ${plan.namespaces} namespaces (${CREATES_IN_FLIGHT} creates in flight) before the ` +
      'controller starts; the clock runs from its spawn to the last Secret present with its SealedSecret ' +
      'Synced=True, both seen through cluster-wide watches. Every size uses the same namespaces, so only the ' +
      'objects per namespace change.',
    `The controller watches all namespaces, as it ships (no \`--all-namespaces\` flag): \`${controllerFlags({
      kubeconfigPath: '<kubeconfig>',
      namespace: CONTROLLER_NAMESPACE,
      allNamespaces: true,
      logDir: '',
      apiPort: 0,
      metricsPort: 0,
    })
      .slice(1)
      .join(' ')
      .replace(/127\.0\.0\.1:0/g, '127.0.0.1:<port>')}\`, \`POD_NAMESPACE=${CONTROLLER_NAMESPACE}\`.`,
    '"idle RSS": the same controller in the same fresh cluster before any SealedSecret exists, read a few seconds ' +
      'after it answered /healthz. "peak RSS": the highest of the readings every 200 ms from spawn to the end of ' +
      'the sync. "RSS per object above idle" = (peak − idle) ÷ N. CPU-s are user + system of the whole process ' +
      '(all threads) from spawn to the end of the sync, start-up included; "ms per object" is total time ÷ N, so ' +
      'the fixed start-up cost weighs more at the small sizes.',
    'Each size runs on a fresh etcd + kube-apiserver (stopped and deleted afterwards), so etcd never holds more ' +
      'than one size and an all-namespace controller sees no object from other sections. The per-run numbers are ' +
      'also in `bench/out/scale-runs.json`.',
  );
  if (failure !== undefined) notes.push(`The section stopped early: ${failure}`);
  return {
    id: 'scale',
    title: '10. Scale: time and memory as N grows',
    preformatted,
    tables,
    notes,
    targets: [linearityTarget(line)],
    ...(failure === undefined ? {} : { error: failure }),
  };
}

async function syncOnce(
  ctx: BenchContext,
  core: Core,
  cluster: BenchCluster,
  key: BenchKey,
  objects: number,
  namespaces: number,
  notes: string[],
): Promise<ScaleRun> {
  const onProblem = (message: string): void => {
    notes.push(`Problem seen (${objects} objects; the numbers are still valid): ${message}`);
  };
  await prepareNamespace(cluster, CONTROLLER_NAMESPACE, [key]);
  const start = async () => {
    const [apiPort, metricsPort] = (await cluster.harness.freePorts(2)) as [number, number];
    return startController({
      kubeconfigPath: cluster.kubeconfigPath,
      namespace: CONTROLLER_NAMESPACE,
      allNamespaces: true,
      logDir: ctx.workDir,
      apiPort,
      metricsPort,
    });
  };
  const stop = async (controller: Awaited<ReturnType<typeof start>>) => {
    const code = await controller.stop();
    if (code !== 0 && code !== null) onProblem(`the controller exited with ${code} on SIGTERM`);
  };

  // Idle: keys loaded, informers synced on an empty cluster.
  const idle = await start();
  let idleRssBytes: number | undefined;
  try {
    await idle.waitHealthy(60_000);
    await new Promise((r) => setTimeout(r, ctx.quick ? 1_000 : 3_000));
    idleRssBytes = idle.rss.sample()?.rssBytes;
  } finally {
    await stop(idle);
  }

  const places = spreadObjects(NAMESPACE_PREFIX, objects, namespaces);
  const used = Math.min(objects, namespaces);
  await mapBounded(
    Array.from({ length: used }, (_, i) => namespaceName(NAMESPACE_PREFIX, i)),
    CREATES_IN_FLIGHT,
    (ns) => cluster.createNamespace(ns),
  );
  const tracker = await NamespaceTracker.start(cluster.client, undefined);
  try {
    ctx.log(`scale: creating ${objects} SealedSecrets (controller not running)`);
    const created = performance.now();
    // Sealed one by one inside the bounded loop: at most CREATES_IN_FLIGHT objects exist in memory at once.
    await mapBounded(places, CREATES_IN_FLIGHT, ({ namespace, name }) =>
      cluster.client.json('POST', `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets`, {
        body: sealObjects(core, key.publicKey, namespace, [name], VALUES)[0],
      }),
    );
    const createMs = performance.now() - created;
    ctx.log(`scale: created in ${fmtMs(createMs)}; starting the controller`);

    const names = places.map((p) => `${p.namespace}/${p.name}`);
    // Generous for a loaded 2-core machine: 10 objects/s at worst, plus start-up.
    const timeoutMs = 120_000 + objects * 100;
    const loadAtStart = loadavg()[0] ?? 0;
    const controller = await start();
    const progress = setInterval(
      () => ctx.log(`scale: ${objects}: ${tracker.progress(names)}, load ${(loadavg()[0] ?? 0).toFixed(2)}`),
      ctx.quick ? 10_000 : 30_000,
    );
    try {
      await controller.waitHealthy(120_000);
      const done = await tracker.waitForAll(names, timeoutMs);
      const cpuSeconds = controller.cpuSeconds();
      return {
        objects,
        namespaces: used,
        syncMs: done - controller.spawnedAt,
        ...(idleRssBytes === undefined ? {} : { idleRssBytes }),
        peakRssBytes: controller.rss.peakBytes,
        ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
        createMs,
        loadAtStart,
        loadAtEnd: loadavg()[0] ?? 0,
      };
    } finally {
      clearInterval(progress);
      await stop(controller);
    }
  } finally {
    tracker.stop();
  }
}
