import type { BenchContext, ControllerRun } from '../lib/context.js';
import { generateBenchKeys } from '../lib/keys.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { runScenario } from '../lib/scenario.js';
import { fmtMiB } from '../lib/stats.js';
import { loadCore } from '../lib/workspace.js';

const LIMIT_BYTES = 150 * 1024 * 1024;

/** Section 4: controller RSS idle and after the largest run (peak while syncing, steady after). */
export async function memorySection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const target = ctx.quick ? 50 : 5_000;
  const notes: string[] = [];
  if (!ctx.controllerRuns.some((r) => r.objects === target)) {
    ctx.log(`memory: no ${target}-object run yet; running one`);
    const core = await loadCore();
    const [key] = await generateBenchKeys(core, 1, 4096, new Date());
    if (key === undefined) throw new Error('no key generated');
    const run = await runScenario({
      core,
      cluster: await ctx.cluster(),
      namespace: `bench-memory-${target}`,
      scenario: 'apply',
      objects: target,
      valuesPerObject: 3,
      registry: [key],
      sealingKey: key,
      logDir: ctx.workDir,
      settleMs: ctx.quick ? 1_000 : 5_000,
      log: ctx.log,
      onProblem: (message) => notes.push(`Problem seen: ${message}`),
    });
    ctx.controllerRuns.push(run);
  }
  const rows = ctx.controllerRuns.map((r: ControllerRun) => [
    `${r.scenario} ${r.objects}${r.registryKeys > 1 ? ` (${r.registryKeys} keys)` : ''}`,
    r.idleRssBytes === undefined ? '' : fmtMiB(r.idleRssBytes),
    r.peakRssBytes === undefined ? '' : fmtMiB(r.peakRssBytes),
    r.steadyRssBytes === undefined ? '' : fmtMiB(r.steadyRssBytes),
  ]);
  const table: Table = {
    caption: 'Controller resident set size (whole process: main thread and decrypt workers)',
    header: ['run', 'idle before applying', 'peak (sync and settle)', 'steady after sync'],
    rows,
  };
  notes.push(
    'RSS is read from /proc/<pid>/status every 200 ms; "steady" is one reading a few seconds after the last ' +
      'Secret appeared (5 s; 1 s in quick mode), without forcing a garbage collection. "startup" runs have no idle ' +
      'reading: the objects exist before the controller starts.',
  );
  const biggest = ctx.controllerRuns.filter((r) => r.objects === target);
  const steady = Math.max(...biggest.map((r) => r.steadyRssBytes ?? 0));
  const peak = Math.max(...biggest.map((r) => r.peakRssBytes ?? 0));
  const measured = steady > 0 && !ctx.quick ? steady : undefined;
  const status = targetStatus(measured, LIMIT_BYTES, (m, l) => m <= l);
  const targets: TargetResult[] = [
    {
      name: 'Controller RSS after 5 000 objects',
      target: '≤ 150 MiB',
      measured:
        steady > 0 ? `steady ${fmtMiB(steady)}, peak ${fmtMiB(peak)} (${target} objects)` : 'not measured',
      status,
      ...(status === 'missed'
        ? {
            note:
              'Each decrypt worker thread is a separate V8 isolate (about 10-20 MiB each) and the informer cache ' +
              'holds every SealedSecret and Secret as parsed JSON. Fewer workers, caching only what the reconcile ' +
              'needs (strip managedFields) and a lower --max-old-space-size would close it.',
          }
        : status === 'not measured'
          ? { note: ctx.quick ? 'quick mode runs 50 objects only.' : 'no 5 000-object run completed.' }
          : {}),
    },
  ];
  return { id: 'memory', title: '4. Memory', tables: [table], notes, targets };
}
