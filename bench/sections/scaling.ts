import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, ControllerRun } from '../lib/context.js';
import { addProfileDirectory, CATEGORIES, type Category, type ThreadTotals } from '../lib/cpu-profile.js';
import { generateBenchKeys } from '../lib/keys.js';
import type { SectionResult, Table } from '../lib/report.js';
import { runScenario } from '../lib/scenario.js';
import { fmt, fmtMs } from '../lib/stats.js';
import { loadCore } from '../lib/workspace.js';
import { controllerSizes } from './controller.js';

/** Section 5: objects/s as N grows, and a CPU profile of one start-up sync split by category. */
export async function scalingSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const notes: string[] = [];
  const core = await loadCore();
  const [key] = await generateBenchKeys(core, 1, 4096, new Date());
  if (key === undefined) throw new Error('no key generated');
  const cluster = await ctx.cluster();
  const single = (r: ControllerRun) => r.registryKeys === 1;
  if (!ctx.controllerRuns.some((r) => r.scenario === 'startup' && single(r))) {
    for (const n of controllerSizes(ctx.quick)) {
      ctx.log(`scaling: startup ${n}`);
      ctx.controllerRuns.push(
        await runScenario({
          core,
          cluster,
          namespace: `bench-scaling-${n}`,
          scenario: 'startup',
          objects: n,
          valuesPerObject: 3,
          registry: [key],
          sealingKey: key,
          logDir: ctx.workDir,
          settleMs: 1_000,
          log: ctx.log,
          onProblem: (message) => notes.push(`Problem seen: ${message}`),
        }),
      );
    }
  }
  const lines: string[] = [];
  for (const scenario of ['apply', 'startup'] as const) {
    const runs = ctx.controllerRuns
      .filter((r) => r.scenario === scenario && single(r))
      .sort((a, b) => a.objects - b.objects);
    for (const r of runs) {
      const apiRate = (r.objects * 1000) / r.createMs;
      lines.push(
        `${scenario.padEnd(7)} N=${String(r.objects).padStart(5)}: ${fmt(r.objectsPerSec).padStart(6)} objects/s ` +
          `(${fmtMs(r.syncMs)}; API server created ${fmt(apiRate)} objects/s)`,
      );
    }
  }

  // The profile: one start-up sync under --cpu-prof (profiling slows it; its time is not used elsewhere).
  const n = ctx.quick ? 50 : 1_000;
  const profileDir = join(ctx.outDir, 'profile');
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  ctx.log(`scaling: profiling a start-up sync of ${n} objects`);
  const run = await runScenario({
    core,
    cluster,
    namespace: `bench-profile-${n}`,
    scenario: 'startup',
    objects: n,
    valuesPerObject: 3,
    registry: [key],
    sealingKey: key,
    logDir: ctx.workDir,
    settleMs: 500,
    cpuProfileDir: profileDir,
    log: ctx.log,
    onProblem: (message) => notes.push(`Problem seen: ${message}`),
  });
  const { main, workers }: ThreadTotals = { main: new Map(), workers: new Map() };
  const profiles = addProfileDirectory(profileDir, { main, workers });
  const busy = (m: Map<Category, number>) =>
    [...m].filter(([c]) => c !== 'idle').reduce((a, [, v]) => a + v, 0);
  const mainBusy = busy(main);
  const workerBusy = busy(workers);
  const pct = (v: number, total: number) => (total > 0 ? `${fmt((100 * v) / total)}%` : '');
  const profileTable: Table = {
    caption: `CPU self time by category, start-up sync of ${n} SealedSecrets under --cpu-prof (${profiles} thread profiles, ${fmtMs(run.syncMs)})`,
    header: ['category', 'main thread', '% of main busy', 'worker threads', '% of workers busy'],
    rows: CATEGORIES.map((c) => [
      c,
      fmtMs(main.get(c) ?? 0),
      c === 'idle' ? '' : pct(main.get(c) ?? 0, mainBusy),
      fmtMs(workers.get(c) ?? 0),
      c === 'idle' ? '' : pct(workers.get(c) ?? 0, workerBusy),
    ]),
  };
  const ceiling = ctx.ceiling;
  if (ceiling !== undefined) {
    const cryptoFloor = (n * 3 * 1000) / ceiling.unsealAllCoresOpsPerSec;
    const apiRate = (run.objects * 1000) / run.createMs;
    notes.push(
      `For ${n} objects: pure crypto on all cores would take ${fmtMs(cryptoFloor)}; the API server alone created the ` +
        `${n} SealedSecrets in ${fmtMs(run.createMs)} (${fmt(apiRate)} objects/s), and the controller writes two objects ` +
        `per SealedSecret (the Secret and the status), about ${fmtMs((2 * n * 1000) / apiRate)} of API-server work that shares the same cores.`,
    );
  }
  const mainIdle = main.get('idle') ?? 0;
  const workerIdle = workers.get('idle') ?? 0;
  const share = (busyMs: number, idleMs: number) =>
    busyMs + idleMs > 0 ? `${fmt((100 * busyMs) / (busyMs + idleMs))}%` : 'n/a';
  const topMain = [...main]
    .filter(([c]) => c !== 'idle')
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([c, v]) => `${c} ${pct(v, mainBusy)}`)
    .join(', ');
  notes.push(
    `Where the time goes: the decrypt workers were busy ${share(workerBusy, workerIdle)} of their profiled time and ` +
      `the main thread ${share(mainBusy, mainIdle)}; the main thread's busy time was mostly ${topMain}. ` +
      (workerBusy < 0.7 * (workerBusy + workerIdle)
        ? 'Workers idle most of the time while the main thread is not saturated either means the sync is bound by ' +
          'waiting (API round trips of one reconcile at a time, and CPU taken by the API server, etcd and other ' +
          'processes), not by crypto.'
        : 'The workers are busy most of the time: the sync is bound by the RSA work itself.'),
    `Main thread busy ${fmtMs(mainBusy)}, worker threads busy ${fmtMs(workerBusy)} in total. Native work inside a ` +
      "JavaScript call (e.g. RSA inside privateDecrypt) counts as that function's self time. Profiles are kept in " +
      '`bench/out/profile/` (open them in Chrome DevTools).',
  );
  return {
    id: 'scaling',
    title: '5. Scaling and where the time goes',
    preformatted: ['objects/s as N grows (3 values per object, 1 key in the registry):', ...lines],
    tables: [profileTable],
    notes,
    targets: [],
  };
}
