import type { BenchCluster } from './cluster.js';
import type { ControllerRun } from './context.js';
import {
  readCpuSeconds,
  startController,
  type ClientLimit,
  type ControllerStartOptions,
  type RunningController,
} from './controller-process.js';
import { keySecretManifest, type BenchKey } from './keys.js';
import { createObjects, objectNames, sealObjects } from './sealed-objects.js';
import { NamespaceTracker } from './tracker.js';
import type { Core } from './workspace.js';

export interface ScenarioOptions {
  readonly core: Core;
  readonly cluster: BenchCluster;
  readonly namespace: string;
  readonly scenario: ControllerRun['scenario'];
  readonly objects: number;
  readonly valuesPerObject: number;
  /** Key Secrets the controller loads; the objects are sealed with `sealingKey`. */
  readonly registry: readonly BenchKey[];
  readonly sealingKey: BenchKey;
  readonly logDir: string;
  /** How long to wait after the sync before the "steady" RSS reading. */
  readonly settleMs: number;
  readonly cpuProfileDir?: string;
  /** Which controller runs and with which client limit (default: ours, limit off). */
  readonly launch?: LaunchChoice;
  readonly log: (message: string) => void;
  /** Problems that do not invalidate the measurement (e.g. an unclean shutdown). */
  readonly onProblem: (message: string) => void;
}

export interface LaunchChoice {
  /** Starts the controller (default: ours, `startController`). */
  readonly start?: (options: ControllerStartOptions) => RunningController;
  readonly clientLimit?: ClientLimit;
}

/** A fresh controller in a fresh namespace, started and stopped around `body`. */
export async function withController<T>(
  cluster: BenchCluster,
  namespace: string,
  logDir: string,
  body: (controller: RunningController) => Promise<T>,
  onProblem: (message: string) => void,
  cpuProfileDir?: string,
  launch: LaunchChoice = {},
): Promise<T> {
  const [apiPort, metricsPort] = (await cluster.harness.freePorts(2)) as [number, number];
  const controller = (launch.start ?? startController)({
    kubeconfigPath: cluster.kubeconfigPath,
    namespace,
    logDir,
    apiPort,
    metricsPort,
    ...(launch.clientLimit === undefined ? {} : { clientLimit: launch.clientLimit }),
    ...(cpuProfileDir === undefined ? {} : { cpuProfileDir }),
  });
  let result: T;
  try {
    result = await body(controller);
  } catch (error) {
    await controller.stop();
    throw error;
  }
  const code = await controller.stop();
  // A failed shutdown does not invalidate what was measured before it; it is reported beside the numbers.
  if (code !== 0 && code !== null)
    onProblem(`the controller exited with ${code} on SIGTERM (${oneLine(controller.logTail(40))})`);
  return result;
}

/** The first error-looking line of a log tail, for a one-line report. */
function oneLine(log: string): string {
  const lines = log
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const error =
    lines.find((l) => /error|Error|ERR/.test(l) && !l.startsWith('at ')) ?? lines[lines.length - 1] ?? '';
  return error.length > 200 ? `${error.slice(0, 200)}…` : error;
}

export async function prepareNamespace(
  cluster: BenchCluster,
  namespace: string,
  registry: readonly BenchKey[],
): Promise<void> {
  await cluster.createNamespace(namespace);
  for (const [index, key] of registry.entries()) {
    await cluster.client.json('POST', `/api/v1/namespaces/${namespace}/secrets`, {
      body: keySecretManifest(key, index),
    });
  }
}

/**
 * "apply": the controller is running and idle, then N SealedSecrets are created; the clock runs from the first
 * create to the last Secret with Synced=True. "startup": the N SealedSecrets exist first, then the controller
 * starts; the clock runs from its spawn.
 */
export async function runScenario(options: ScenarioOptions): Promise<ControllerRun & { healthyMs: number }> {
  const { cluster, namespace, objects } = options;
  await prepareNamespace(cluster, namespace, options.registry);
  const names = objectNames('ss', objects);
  const sealed = sealObjects(
    options.core,
    options.sealingKey.publicKey,
    namespace,
    names,
    options.valuesPerObject,
  );
  const tracker = await NamespaceTracker.start(cluster.client, namespace);
  // Bounded: generous for a loaded 2-core machine (10 objects/s at worst: the Go controller managed 16 at load 14
  // with 5 000 objects, where 40/s timed it out; or 1.6 at the default client limit, where upstream makes three
  // rate-limited calls per object on one client at 5 qps) plus start-up.
  const perObjectMs = options.launch?.clientLimit === 'default' ? 1_500 : 100;
  const timeoutMs = 60_000 + objects * perObjectMs * Math.max(1, options.registry.length / 2);
  try {
    if (options.scenario === 'startup') {
      options.log(`  creating ${objects} SealedSecrets (controller not running)`);
      const createMs = await createObjects(cluster.client, namespace, sealed);
      options.log(`  starting the controller`);
      const controlPlaneAtSpawn = controlPlaneCpu(cluster);
      return await withController(
        cluster,
        namespace,
        options.logDir,
        async (controller) => {
          const healthyMs = await controller.waitHealthy(60_000);
          const done = await tracker.waitForAll(names, timeoutMs);
          const syncMs = done - controller.spawnedAt;
          const run = await finish(options, controller, objects, syncMs, createMs, controlPlaneAtSpawn);
          return { ...run, healthyMs };
        },
        options.onProblem,
        options.cpuProfileDir,
        options.launch,
      );
    }
    return await withController(
      cluster,
      namespace,
      options.logDir,
      async (controller) => {
        const healthyMs = await controller.waitHealthy(60_000);
        // Let start-up work (informer lists, key loading, JIT) finish before the idle reading and the clock.
        await new Promise((r) => setTimeout(r, options.settleMs));
        const idleRssBytes = controller.rss.sample()?.rssBytes;
        controller.rss.start();
        options.log(`  applying ${objects} SealedSecrets`);
        const started = performance.now();
        const controlPlaneAtStart = controlPlaneCpu(cluster);
        const allDone = tracker.waitForAll(names, timeoutMs);
        const createMs = await createObjects(cluster.client, namespace, sealed);
        const syncMs = (await allDone) - started;
        const run = await finish(options, controller, objects, syncMs, createMs, controlPlaneAtStart);
        return { ...run, ...(idleRssBytes === undefined ? {} : { idleRssBytes }), healthyMs };
      },
      options.onProblem,
      options.cpuProfileDir,
      options.launch,
    );
  } finally {
    tracker.stop();
  }
}

async function finish(
  options: ScenarioOptions,
  controller: RunningController,
  objects: number,
  syncMs: number,
  createMs: number,
  controlPlaneBefore: number | undefined,
): Promise<ControllerRun> {
  // CPU time up to the moment the last object was synced (the settle time after it is idle anyway).
  const cpuSeconds = controller.cpuSeconds();
  const controlPlaneAfter = controlPlaneCpu(options.cluster);
  const controlPlaneCpuSeconds =
    controlPlaneBefore === undefined || controlPlaneAfter === undefined
      ? undefined
      : controlPlaneAfter - controlPlaneBefore;
  await new Promise((r) => setTimeout(r, options.settleMs));
  const steadyRssBytes = controller.rss.sample()?.rssBytes;
  // The sampler kept running through the settle time, so the peak covers the sync and what followed it.
  const peakRssBytes = controller.rss.peakBytes;
  return {
    scenario: options.scenario,
    objects,
    valuesPerObject: options.valuesPerObject,
    registryKeys: options.registry.length,
    syncMs,
    objectsPerSec: (objects * 1000) / syncMs,
    createMs,
    peakRssBytes,
    ...(steadyRssBytes === undefined ? {} : { steadyRssBytes }),
    ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
    ...(controlPlaneCpuSeconds === undefined ? {} : { controlPlaneCpuSeconds }),
  };
}

/** CPU seconds kube-apiserver and etcd have used so far (/proc/<pid>/stat); undefined when either cannot be read. */
function controlPlaneCpu(cluster: BenchCluster): number | undefined {
  const { etcd, kubeApiserver } = cluster.controlPlane.pids;
  const a = readCpuSeconds(kubeApiserver);
  const e = readCpuSeconds(etcd);
  return a === undefined || e === undefined ? undefined : a + e;
}
