import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { BenchContext, ControllerRun, CryptoCeiling } from '../lib/context.js';
import { controllerFlags } from '../lib/controller-process.js';
import { runCryptoLoad } from '../lib/crypto-load.js';
import { generateBenchKeys, type BenchKey } from '../lib/keys.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { prepareNamespace, runScenario, withController } from '../lib/scenario.js';
import { objectNames, sealObjects } from '../lib/sealed-objects.js';
import { fmt, fmtMs, summarize } from '../lib/stats.js';
import { NamespaceTracker } from '../lib/tracker.js';
import { builtFile, loadCore, type Core } from '../lib/workspace.js';

const VALUES = 3;

/** Sizes of the throughput runs. */
export function controllerSizes(quick: boolean): number[] {
  return quick ? [50] : [100, 1_000, 5_000];
}

/** Section 3: throughput and latency of the controller on the local control plane. */
export async function controllerSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const core = await loadCore();
  const cluster = await ctx.cluster();
  const keyCount = ctx.quick ? 2 : 5;
  ctx.log(`controller: generating ${keyCount} RSA-4096 keys`);
  const keys = await generateBenchKeys(core, keyCount, 4096, new Date());
  const oldest = keys[0] as BenchKey;
  const settleMs = ctx.quick ? 500 : 5_000;
  const sizes = controllerSizes(ctx.quick);
  const notes: string[] = [];
  const problems = new Set<string>();
  const onProblem = (message: string): void => {
    problems.add(message);
  };
  const runs: (ControllerRun & { healthyMs: number; label: string })[] = [];
  let failure: string | undefined;

  const scenario = async (
    label: string,
    options: Pick<ControllerRun, 'scenario' | 'objects'> & { registry: readonly BenchKey[] },
  ) => {
    const namespace = `bench-${options.scenario}-${options.objects}-k${options.registry.length}`;
    ctx.log(`controller: ${label}`);
    const run = await runScenario({
      core,
      cluster,
      namespace,
      scenario: options.scenario,
      objects: options.objects,
      valuesPerObject: VALUES,
      registry: options.registry,
      sealingKey: oldest,
      logDir: ctx.workDir,
      settleMs,
      log: ctx.log,
      onProblem,
    });
    ctx.log(`controller: ${label}: ${fmt(run.objectsPerSec)} objects/s in ${fmtMs(run.syncMs)}`);
    runs.push({ ...run, label });
    ctx.controllerRuns.push(run);
  };

  let latency: { p50: number; p99: number; count: number; max: number } | undefined;
  try {
    for (const n of sizes)
      await scenario(`apply ${n}`, { scenario: 'apply', objects: n, registry: [oldest] });
    for (const n of sizes)
      await scenario(`startup ${n}`, { scenario: 'startup', objects: n, registry: [oldest] });
    // Key order matters most at start-up: the pool has not yet learnt which key opens which object.
    const multiN = ctx.quick ? 50 : 1_000;
    await scenario(`startup ${multiN}, ${keyCount} keys, sealing key oldest`, {
      scenario: 'startup',
      objects: multiN,
      registry: keys,
    });
    latency = await singleApplyLatency(ctx, core, oldest, ctx.quick ? 10 : 200, onProblem);
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }

  const ceiling = await ensureCeiling(ctx);
  const cryptoMs = (objects: number, values: number) =>
    (objects * values * 1000) / ceiling.unsealAllCoresOpsPerSec;
  const table: Table = {
    caption: `Time to all Secrets present with Synced=True (${VALUES} values per SealedSecret, RSA-4096)`,
    header: [
      'run',
      'objects',
      'keys in registry',
      'time',
      'objects/s',
      'pure crypto on all cores',
      'time / crypto',
      'API create time',
      'controller healthy after',
    ],
    rows: runs.map((r) => [
      r.label,
      String(r.objects),
      String(r.registryKeys),
      fmtMs(r.syncMs),
      fmt(r.objectsPerSec),
      fmtMs(cryptoMs(r.objects, r.valuesPerObject)),
      `${fmt(r.syncMs / cryptoMs(r.objects, r.valuesPerObject))}×`,
      fmtMs(r.createMs),
      fmtMs(r.healthyMs),
    ]),
  };
  const tables: Table[] = [table];
  if (latency !== undefined) {
    tables.push({
      caption: `One apply while idle: from the create request to the Secret's watch event (${latency.count} sequential applies)`,
      header: ['p50', 'p99', 'max'],
      rows: [[fmtMs(latency.p50), fmtMs(latency.p99), fmtMs(latency.max)]],
    });
  }
  notes.push(
    '"apply": the controller runs idle in a fresh namespace, then the SealedSecrets are created through the API ' +
      '(8 requests in flight, keep-alive); the clock runs from the first create until the last Secret exists and its ' +
      'SealedSecret reports Synced=True (both seen through watches). "startup": the SealedSecrets exist first, the ' +
      'clock runs from spawning the controller (Node start-up, key loading, informer list included).',
    `"pure crypto on all cores" = objects × values ÷ ${fmt(ceiling.unsealAllCoresOpsPerSec)} unseal ops/s (${ceiling.allCoresSource}). ` +
      '"API create time" is the client side of creating the objects; in "startup" runs it ' +
      'measures the API server alone (the controller is not running yet).',
    `Controller flags: \`${controllerFlags({
      kubeconfigPath: '<kubeconfig>',
      namespace: '<ns>',
      logDir: '',
      apiPort: 0,
      metricsPort: 0,
    })
      .slice(1)
      .join(' ')
      .replace(
        /127\.0\.0\.1:0/g,
        '127.0.0.1:<port>',
      )}\`, environment \`POD_NAMESPACE=<ns>\`; each run has its own ` +
      'namespace and controller process. kube-controller-manager is not running (no GC of owner references).',
    'A single apply is a direct POST of the SealedSecret, which is what `kubectl apply` sends for a new object; ' +
      "kubectl's own start-up (about 100-200 ms) is left out so the number is the controller's.",
  );
  if (failure !== undefined) notes.push(`The section stopped early: ${failure}`);
  for (const problem of problems) notes.push(`Problem seen (numbers above are still valid): ${problem}`);

  const startupFull = runs.find(
    (r) => r.scenario === 'startup' && r.registryKeys === 1 && r.objects === 5_000,
  );
  const startupBiggest =
    startupFull ?? [...runs].reverse().find((r) => r.scenario === 'startup' && r.registryKeys === 1);
  const targets: TargetResult[] = [];
  if (startupBiggest !== undefined) {
    const crypto = cryptoMs(startupBiggest.objects, startupBiggest.valuesPerObject);
    const ratio = startupBiggest.syncMs / crypto;
    const status = startupFull === undefined ? 'not measured' : targetStatus(ratio, 1.3, (m, l) => m <= l);
    targets.push({
      name: `Initial sync of 5 000 SealedSecrets × 3 values (${ctx.cores} cores)`,
      target: '≤ 1.3× the pure crypto time on all cores',
      measured: `${startupBiggest.objects} objects: ${fmtMs(startupBiggest.syncMs)} vs ${fmtMs(crypto)} (${fmt(ratio)}×)`,
      status,
      ...(status === 'met'
        ? {}
        : status === 'not measured'
          ? { note: 'quick mode or an earlier failure: the 5 000-object start-up run did not happen.' }
          : { note: syncMissNote(runs, ceiling, ctx.cores) }),
    });
  } else {
    targets.push({
      name: 'Initial sync of 5 000 SealedSecrets × 3 values',
      target: '≤ 1.3× the pure crypto time on all cores',
      measured: 'not run',
      status: 'not measured',
      note: failure ?? 'no start-up run',
    });
  }
  return {
    id: 'controller',
    title: '3. Controller throughput and latency',
    tables,
    notes,
    targets,
    ...(failure === undefined ? {} : { error: failure }),
  };
}

export function syncMissNote(runs: readonly ControllerRun[], ceiling: CryptoCeiling, cores: number): string {
  const startup = runs.filter((r) => r.scenario === 'startup' && r.registryKeys === 1);
  const biggest = startup[startup.length - 1];
  if (biggest === undefined) return 'no start-up run';
  const { objects, valuesPerObject: values } = biggest;
  const decrypts = biggest.objectsPerSec * values;
  const cryptoS = (objects * values) / ceiling.unsealAllCoresOpsPerSec;
  const reached =
    `The controller reached ${fmt(biggest.objectsPerSec)} objects/s, i.e. ${fmt(decrypts)} RSA decryptions/s: ` +
    `${fmt((100 * decrypts) / ceiling.unsealAllCoresOpsPerSec)}% of the all-core ceiling of section 1 ` +
    `(${fmt(ceiling.unsealAllCoresOpsPerSec)}/s on ${cores} cores). `;
  const { cpuSeconds, controlPlaneCpuSeconds } = biggest;
  if (cpuSeconds === undefined || controlPlaneCpuSeconds === undefined)
    return `${reached}The CPU split of the run could not be read from /proc.`;
  const syncS = biggest.syncMs / 1000;
  const busy = (cpuSeconds + controlPlaneCpuSeconds) / (syncS * cores);
  const oursMs = (1000 * cpuSeconds) / objects;
  const controlPlaneMs = (1000 * controlPlaneCpuSeconds) / objects;
  const rsaMs = (1000 * values) / ceiling.unsealOneCoreOpsPerSec;
  const budgetMs = (1000 * 1.3 * cryptoS * cores) / objects;
  const floorS = ((rsaMs + controlPlaneMs) * objects) / 1000 / cores;
  return (
    reached +
    `The machine was CPU-bound: in the sync's ${fmt(syncS)} s the controller used ${fmt(cpuSeconds)} CPU-s and ` +
    `kube-apiserver + etcd ${fmt(controlPlaneCpuSeconds)} CPU-s, ${fmt(100 * busy)}% of the ${cores} cores. Per ` +
    `object: the controller ${fmt(oursMs)} ms of CPU (of it about ${fmt(rsaMs)} ms for its ${values} RSA ` +
    `decryptions at the one-thread rate), the control plane ${fmt(controlPlaneMs)} ms (the Secret create, the ` +
    'status write and the event, their watch events, etcd). Finishing within 1.3× the pure crypto time ' +
    `(${fmt(cryptoS)} s) leaves the whole machine ${fmt(budgetMs)} ms of CPU per object; the RSA and the control ` +
    `plane alone take ${fmt(rsaMs + controlPlaneMs)} ms, so even a controller doing nothing but RSA would need ` +
    `about ${fmt(floorS)} s (${fmt(floorS / cryptoS)}× the crypto time) while the control plane shares its cores. ` +
    'What would close it: the control plane on other cores (in a cluster the API server and etcd do not run on ' +
    "the controller's node), or fewer writes per object than upstream's semantics need (create, status, event)."
  );
}

/** The all-core unseal rate, measured briefly here if the crypto section did not run. */
async function ensureCeiling(ctx: BenchContext): Promise<CryptoCeiling> {
  if (ctx.ceiling !== undefined) return ctx.ceiling;
  ctx.log('controller: measuring the unseal ceiling (crypto section not run)');
  const core = await loadCore();
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 4096,
    publicExponent: 65537,
  });
  const label = 'ns/name';
  const job = {
    corePath: builtFile('packages/core/dist/index.js'),
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ciphertext: core.hybridEncrypt(publicKey, Buffer.from('value'), Buffer.from(label)),
    plaintext: Buffer.from('value'),
    label,
    sealedSecretJson: '{}',
    durationMs: 2_000,
  };
  const one = await runCryptoLoad({ ...job, mode: 'unseal' }, 1);
  const all = await runCryptoLoad({ ...job, mode: 'unseal' }, ctx.cores);
  ctx.ceiling = {
    unsealOneCoreOpsPerSec: one.opsPerSec,
    unsealAllCoresOpsPerSec: all.opsPerSec,
    allCoresSource: `measured briefly here with ${ctx.cores} threads; the crypto section did not run`,
  };
  return ctx.ceiling;
}

async function singleApplyLatency(
  ctx: BenchContext,
  core: Core,
  key: BenchKey,
  count: number,
  onProblem: (message: string) => void,
) {
  const cluster = await ctx.cluster();
  const namespace = 'bench-latency';
  ctx.log(`controller: ${count} single applies`);
  await prepareNamespace(cluster, namespace, [key]);
  const names = objectNames('one', count);
  const sealed = sealObjects(core, key.publicKey, namespace, names, VALUES);
  const tracker = await NamespaceTracker.start(cluster.client, namespace);
  try {
    return await withController(
      cluster,
      namespace,
      ctx.workDir,
      async (controller) => {
        await controller.waitHealthy(60_000);
        await new Promise((r) => setTimeout(r, ctx.quick ? 1_000 : 3_000));
        const latencies: number[] = [];
        for (const [i, object] of sealed.entries()) {
          const name = names[i] as string;
          const started = performance.now();
          await cluster.client.json(
            'POST',
            `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets`,
            {
              body: object,
            },
          );
          const seen = await tracker.waitForSecret(name, 30_000);
          latencies.push(seen - started);
          // Idle between applies: the status write of this one lands before the next create.
          await tracker.waitForAll([name], 30_000);
        }
        const s = summarize(latencies);
        return { p50: s.median, p99: s.p99, max: s.max, count };
      },
      onProblem,
    );
  } finally {
    tracker.stop();
  }
}
