import type { BenchContext, ControllerRun } from '../lib/context.js';
import { generateBenchKeys } from '../lib/keys.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { runScenario } from '../lib/scenario.js';
import { fmtMiB } from '../lib/stats.js';
import { loadCore } from '../lib/workspace.js';
import { referenceRss } from '../lib/reference-rss.js';

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
  const bare = await referenceRss(0);
  const withWorkers = await referenceRss(ctx.cores);
  if (bare !== undefined) rows.push(['reference: idle `node` process', fmtMiB(bare), '', '']);
  if (withWorkers !== undefined)
    rows.push([`reference: idle \`node\` + ${ctx.cores} idle worker threads`, fmtMiB(withWorkers), '', '']);
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
        ? { note: memoryMissNote(biggest, bare, withWorkers, ctx.cores) }
        : status === 'not measured'
          ? { note: ctx.quick ? 'quick mode runs 50 objects only.' : 'no 5 000-object run completed.' }
          : {}),
    },
  ];
  return { id: 'memory', title: '4. Memory', tables: [table], notes, targets };
}

/** Splits the steady RSS into Node's floor, the workers, the idle controller and what the objects added. */
function memoryMissNote(
  runs: readonly ControllerRun[],
  bare: number | undefined,
  withWorkers: number | undefined,
  cores: number,
): string {
  const idle = runs.find((r) => r.idleRssBytes !== undefined)?.idleRssBytes;
  const steady = Math.max(...runs.map((r) => r.steadyRssBytes ?? 0));
  const parts: string[] = [];
  if (bare !== undefined && withWorkers !== undefined) {
    parts.push(
      `An idle Node process takes ${fmtMiB(bare)} and ${cores} idle worker threads add ${fmtMiB(withWorkers - bare)}, ` +
        `so ${fmtMiB(withWorkers)} is spent before any controller code loads.`,
    );
  }
  if (idle !== undefined) {
    parts.push(
      `The idle controller (keys loaded, no objects) takes ${fmtMiB(idle)}` +
        (withWorkers === undefined
          ? ''
          : `, ${fmtMiB(idle - withWorkers)} above that floor (its modules and heap)`) +
        `, and the objects add ${fmtMiB(steady - idle)} (informer caches of SealedSecrets and Secrets, queue state).`,
    );
  }
  parts.push(
    'Closing it: fewer decrypt workers on small machines, loading only the modules the controller uses at run ' +
      'time, keeping only the fields the reconcile needs in the informer caches (no managedFields, no Secret data), ' +
      'and a heap limit (`--max-old-space-size`) so V8 collects earlier instead of growing.',
  );
  return parts.join(' ');
}
