import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchCluster, type BenchCluster } from './lib/cluster.js';
import type { BenchContext } from './lib/context.js';
import { collectMachineInfo } from './lib/machine.js';
import {
  renderReport,
  SECTION_IDS,
  selectSections,
  type SectionId,
  type SectionResult,
} from './lib/report.js';
import { loadHarness, loadKubeFiles, repoRoot } from './lib/workspace.js';
import { admissionSection } from './sections/admission.js';
import { cliSection } from './sections/cli.js';
import { controllerSection } from './sections/controller.js';
import { cryptoSection } from './sections/crypto.js';
import { failoverSection } from './sections/failover.js';
import { memorySection } from './sections/memory.js';
import { scaleSection } from './sections/scale.js';
import { scalingSection } from './sections/scaling.js';
import { versusGoSection } from './sections/versus-go.js';
import { webSection } from './sections/web.js';

const SECTIONS: Record<
  SectionId,
  { title: string; run: (ctx: BenchContext) => Promise<Omit<SectionResult, 'durationMs'>> }
> = {
  crypto: { title: '1. Crypto ceiling', run: cryptoSection },
  cli: { title: '2. CLI latency', run: cliSection },
  controller: { title: '3. Controller throughput and latency', run: controllerSection },
  memory: { title: '4. Memory', run: memorySection },
  scaling: { title: '5. Scaling and where the time goes', run: scalingSection },
  web: { title: '6. Sealing page', run: webSection },
  admission: { title: '7. Admission policy', run: admissionSection },
  failover: { title: '8. Failover with three replicas', run: failoverSection },
  go: { title: '9. Side by side with the Go controller v0.40.0', run: versusGoSection },
  scale: { title: '10. Scale: time and memory as N grows', run: scaleSection },
};

const USAGE = `usage: pnpm bench [--quick] [--scale] [--only <${SECTION_IDS.join('|')}>[,...]] [--out <file>]
                  [--go-runs <cases>] [--scale-sizes <n,...>]
  --quick    small sizes and few runs (CI: checks the benchmark still works; timings are not asserted)
  --scale    also run the scale section (1 000, 5 000, 20 000 SealedSecrets over 200 namespaces; with --quick
             100, 200, 400 over 10); it never runs otherwise unless --only names it
  --only     run only these sections (the control plane starts only if one of them needs it)
  --out      where to write the report (default bench/RESULTS.md; bench/out/RESULTS.quick.md with --quick,
             bench/out/RESULTS.<sections>.md with --only); rewritten after each section, marked incomplete
             until the run ends
  --go-runs  the go section's cases, e.g. off:500,default:100 (client limit off or default : objects)
  --scale-sizes  the scale section's object counts, e.g. 1000,5000,10000`;

interface Flags {
  quick: boolean;
  scale: boolean;
  only: SectionId[];
  /** --only was given: the report goes to bench/out/, not over the committed one. */
  partial: boolean;
  out?: string;
  goRuns?: string;
  scaleSizes?: string;
}

function parseFlags(argv: string[]): Flags {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      out: { type: 'string' },
      'go-runs': { type: 'string' },
      'scale-sizes': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const requested = (values.only ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return {
    quick: values.quick,
    scale: values.scale,
    only: selectSections(requested, values.scale),
    partial: requested.length > 0,
    ...(values.out === undefined ? {} : { out: values.out }),
    ...(values['go-runs'] === undefined ? {} : { goRuns: values['go-runs'] }),
    ...(values['scale-sizes'] === undefined ? {} : { scaleSizes: values['scale-sizes'] }),
  };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const root = repoRoot();
  const started = performance.now();
  const machine = await collectMachineInfo(root, new Date());
  const { writeFileAtomicSync } = await loadKubeFiles();
  const outDir = join(root, 'bench', 'out');
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'ssts-bench-'));
  const log = (message: string): void => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[bench ${seconds}s] ${message}\n`);
  };
  let cluster: Promise<BenchCluster> | undefined;
  const ctx: BenchContext = {
    quick: flags.quick,
    ...(flags.goRuns === undefined ? {} : { goRuns: flags.goRuns }),
    ...(flags.scaleSizes === undefined ? {} : { scaleSizes: flags.scaleSizes }),
    root,
    cores: availableParallelism(),
    workDir,
    outDir,
    log,
    controllerRuns: [],
    versions: {},
    cluster: () => {
      cluster ??= (async () => {
        log('starting the local control plane (etcd + kube-apiserver)');
        const c = await startBenchCluster(await loadHarness(), log);
        ctx.versions['kube-apiserver'] = c.kubeVersion;
        log(`control plane up (${c.kubeVersion})`);
        return c;
      })();
      return cluster;
    },
  };
  log(
    `machine: ${machine.cpuModel}, ${machine.cores} cores, load ${machine.loadAverage.join(' ')}; sections: ${flags.only.join(', ')}${flags.quick ? ' (quick)' : ''}`,
  );

  const command = `pnpm bench${flags.quick ? ' --quick' : ''}${flags.scale ? ' --scale' : ''}${flags.partial ? ` --only ${flags.only.join(',')}` : ''}`;
  // Only a full run replaces the committed report; a quick or partial run writes beside it in bench/out/.
  const out =
    flags.out ??
    (flags.quick
      ? join(outDir, 'RESULTS.quick.md')
      : flags.partial
        ? join(outDir, `RESULTS.${flags.only.join('-')}.md`)
        : join(root, 'bench', 'RESULTS.md'));
  const sections: SectionResult[] = [];
  // Rewritten after every section (marked incomplete until the end), so a run that dies keeps what finished;
  // written whole or not at all, so a crash mid-write never leaves a truncated report.
  const writeReport = (pending?: readonly SectionId[]): void => {
    const markdown = renderReport({
      machine,
      quick: flags.quick,
      command,
      sections,
      totalMs: performance.now() - started,
      versions: ctx.versions,
      ...(pending === undefined ? {} : { incomplete: { pending } }),
    });
    writeFileAtomicSync(out, markdown, { mode: 0o644 });
  };
  let failed = 0;
  try {
    for (const id of flags.only) {
      if (id === 'scale' && cluster !== undefined) {
        // scale brings a fresh control plane per size; the shared one (holding every earlier section's objects)
        // would only compete for the cores. A later section would start a new one on first use.
        log('stopping the shared control plane before the scale section');
        const shared = cluster;
        cluster = undefined;
        await (await shared.catch(() => undefined))?.stop();
      }
      const t0 = performance.now();
      log(`section ${id}`);
      try {
        const result = await SECTIONS[id].run(ctx);
        // run.ts owns the numbering: one title per section, whatever the section module says
        sections.push({ ...result, title: SECTIONS[id].title, durationMs: performance.now() - t0 });
        if (result.error !== undefined) failed++;
      } catch (error) {
        failed++;
        const message = error instanceof Error ? error.message : String(error);
        log(`section ${id} failed: ${message}`);
        sections.push({
          id,
          title: SECTIONS[id].title,
          tables: [],
          notes: [],
          targets: [],
          error: message,
          durationMs: performance.now() - t0,
        });
      }
      const pending = flags.only.slice(flags.only.indexOf(id) + 1);
      if (pending.length > 0) {
        try {
          writeReport(pending);
        } catch (error) {
          log(
            `could not write the partial report: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      }
    }
  } finally {
    if (cluster !== undefined) {
      log('stopping the control plane');
      await (await cluster.catch(() => undefined))?.stop();
    }
    rmSync(workDir, { recursive: true, force: true });
  }
  writeReport();

  log(`wrote ${out}${failed > 0 ? ` (${failed} section(s) failed)` : ''}`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
