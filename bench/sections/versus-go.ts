import type { BenchCluster } from '../lib/cluster.js';
import type { BenchContext, ControllerRun } from '../lib/context.js';
import type { ClientLimit } from '../lib/controller-process.js';
import { goControllerFlags, startGoController, upstreamBinaries } from '../lib/go-controller.js';
import { generateBenchKeys, type BenchKey } from '../lib/keys.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { runScenario } from '../lib/scenario.js';
import { fmt, fmtMiB, fmtMs, median } from '../lib/stats.js';
import { loadCore, loadHarness } from '../lib/workspace.js';

const VALUES = 3;
const MIB = 1024 * 1024;

type Implementation = 'ours' | 'go';

export interface SideBySideCase {
  readonly clientLimit: ClientLimit;
  readonly objects: number;
}

/**
 * The cases of a run: `--go-runs off:500,default:100` when given; else 500 and 5 000 objects with the client limit
 * off and 100 at the default limit (issue 12), or 100 with the limit off in quick mode.
 */
export function sideBySideCases(quick: boolean, spec?: string): SideBySideCase[] {
  if (spec !== undefined) {
    return spec.split(',').map((item) => {
      const [limit, count] = item.trim().split(':');
      const objects = Number(count);
      if ((limit !== 'off' && limit !== 'default') || !Number.isInteger(objects) || objects <= 0)
        throw new Error(`--go-runs: "${item}" is not off:<objects> or default:<objects>`);
      return { clientLimit: limit, objects };
    });
  }
  return quick
    ? [{ clientLimit: 'off', objects: 100 }]
    : [
        { clientLimit: 'off', objects: 500 },
        { clientLimit: 'off', objects: 5_000 },
        { clientLimit: 'default', objects: 100 },
      ];
}

interface Measured extends ControllerRun {
  readonly implementation: Implementation;
  readonly clientLimit: ClientLimit;
  readonly healthyMs: number;
  /** API calls the controller made for the objects of its namespace (kube-apiserver's request counter). */
  readonly apiCalls?: number;
}

/**
 * Section 8: our controller and the Go controller v0.40.0 (the interop oracle) on the same API server, with the
 * same key and the same kind of objects, alternating run by run.
 */
export async function versusGoSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const core = await loadCore();
  const cluster = await ctx.cluster();
  const cases = sideBySideCases(ctx.quick, ctx.goRuns);
  const reps = ctx.quick ? 1 : 2;
  const binary = (await upstreamBinaries()).controller;
  const harness = await loadHarness();
  ctx.log('versus-go: generating an RSA-4096 key');
  const [key] = (await generateBenchKeys(core, 1, 4096, new Date())) as [BenchKey];
  const problems = new Set<string>();
  const runs: Measured[] = [];
  let failure: string | undefined;
  try {
    for (const c of cases) {
      for (const scenario of ['apply', 'startup'] as const) {
        for (let rep = 0; rep < reps; rep++) {
          // Alternate who goes first, so a drift in the machine's load does not favour one side.
          const order: Implementation[] =
            (rep + (scenario === 'apply' ? 0 : 1)) % 2 === 0 ? ['ours', 'go'] : ['go', 'ours'];
          for (const implementation of order) {
            const namespace = `vs-${implementation}-${scenario}-${c.objects}-${c.clientLimit}-${rep}`;
            const label = `${implementation} ${scenario} ${c.objects} (limit ${c.clientLimit}, run ${rep + 1})`;
            ctx.log(`versus-go: ${label}`);
            const before = await controllerCalls(cluster);
            const run = await runScenario({
              core,
              cluster,
              namespace,
              scenario,
              objects: c.objects,
              valuesPerObject: VALUES,
              registry: [key],
              sealingKey: key,
              logDir: ctx.workDir,
              settleMs: ctx.quick ? 500 : 2_000,
              launch: {
                clientLimit: c.clientLimit,
                ...(implementation === 'go' && {
                  start: (options) => startGoController(harness, binary, cluster.controlPlane, options),
                }),
              },
              log: ctx.log,
              onProblem: (message) => problems.add(`${label}: ${message}`),
            });
            const after = await controllerCalls(cluster);
            const apiCalls = before !== undefined && after !== undefined ? after - before : undefined;
            ctx.log(
              `versus-go: ${label}: ${fmt(run.objectsPerSec)} objects/s, peak ${fmtMiB(run.peakRssBytes ?? 0)}, ` +
                `${fmt(run.cpuSeconds ?? Number.NaN)} CPU s, ${apiCalls ?? '?'} calls`,
            );
            runs.push({
              ...run,
              implementation,
              clientLimit: c.clientLimit,
              ...(apiCalls !== undefined && { apiCalls }),
            });
          }
        }
      }
    }
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  return report(cases, reps, runs, problems, failure, ctx.cores);
}

/**
 * What controllers asked of the API server so far: kube-apiserver's `apiserver_request_total` for Secrets, Events
 * and SealedSecret status writes, without LIST and WATCH (informers) and without the benchmark's own requests
 * (it creates SealedSecrets and watches; it never touches Secrets or Events of a run's namespace, apart from the
 * key Secret created before the controller starts, which is counted before the run). Runs are sequential, so the
 * difference around one run is that controller's.
 */
async function controllerCalls(cluster: BenchCluster): Promise<number | undefined> {
  let text: string;
  try {
    const response = await cluster.client.request('GET', '/metrics', { maxBodyBytes: 256 * MIB });
    if (response.status !== 200) return undefined;
    text = response.text();
  } catch {
    return undefined;
  }
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    if (labels['verb'] === 'LIST' || labels['verb'] === 'WATCH') continue;
    const ours =
      labels['resource'] === 'secrets' ||
      labels['resource'] === 'events' ||
      (labels['resource'] === 'sealedsecrets' && labels['subresource'] === 'status');
    if (ours) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

function report(
  cases: readonly SideBySideCase[],
  reps: number,
  runs: readonly Measured[],
  problems: ReadonlySet<string>,
  failure: string | undefined,
  cores: number,
): Omit<SectionResult, 'durationMs'> {
  const pick = (implementation: Implementation, c: SideBySideCase, scenario: ControllerRun['scenario']) =>
    runs.filter(
      (r) =>
        r.implementation === implementation &&
        r.clientLimit === c.clientLimit &&
        r.objects === c.objects &&
        r.scenario === scenario,
    );
  const med = (rs: readonly Measured[], f: (r: Measured) => number | undefined): number | undefined => {
    const values = rs.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return values.length === 0 ? undefined : median(values);
  };
  const show = (v: number | undefined, unit: (n: number) => string) => (v === undefined ? '' : unit(v));
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || b === 0 ? undefined : a / b;
  const rows: string[][] = [];
  const ratios: {
    c: SideBySideCase;
    scenario: string;
    speed?: number;
    rss?: number;
    oursPeak?: number;
    /** CPU ms per object: our controller, and kube-apiserver + etcd during its runs. */
    oursCpuMs?: number;
    controlPlaneMs?: number;
    goRate?: number;
  }[] = [];
  const cpuRows: string[][] = [];
  for (const c of cases) {
    for (const scenario of ['apply', 'startup'] as const) {
      const ours = pick('ours', c, scenario);
      const go = pick('go', c, scenario);
      if (ours.length === 0 && go.length === 0) continue;
      const side = (rs: readonly Measured[]) => {
        const time = med(rs, (r) => r.syncMs);
        const rate = med(rs, (r) => r.objectsPerSec);
        const peak = med(rs, (r) => r.peakRssBytes);
        const cpu = med(rs, (r) => r.cpuSeconds);
        const calls = med(rs, (r) => (r.apiCalls === undefined ? undefined : r.apiCalls / r.objects));
        const cpuMs = med(rs, (r) =>
          r.cpuSeconds === undefined ? undefined : (1000 * r.cpuSeconds) / r.objects,
        );
        const controlPlaneMs = med(rs, (r) =>
          r.controlPlaneCpuSeconds === undefined ? undefined : (1000 * r.controlPlaneCpuSeconds) / r.objects,
        );
        return { time, rate, peak, cpu, calls, cpuMs, controlPlaneMs };
      };
      const o = side(ours);
      const g = side(go);
      const speed = ratio(o.rate, g.rate);
      const rss = ratio(o.peak, g.peak);
      ratios.push({
        c,
        scenario,
        ...(speed !== undefined && { speed }),
        ...(rss !== undefined && { rss }),
        ...(o.peak !== undefined && { oursPeak: o.peak }),
        ...(o.cpuMs !== undefined && { oursCpuMs: o.cpuMs }),
        ...(o.controlPlaneMs !== undefined && { controlPlaneMs: o.controlPlaneMs }),
        ...(g.rate !== undefined && { goRate: g.rate }),
      });
      const ms = (v: number | undefined) => show(v, (n) => `${fmt(n)} ms`);
      const sum = (a: number | undefined, b: number | undefined) =>
        a === undefined || b === undefined ? undefined : a + b;
      cpuRows.push([
        `${scenario} ${c.objects}`,
        c.clientLimit,
        ms(o.cpuMs),
        ms(o.controlPlaneMs),
        ms(sum(o.cpuMs, o.controlPlaneMs)),
        ms(g.cpuMs),
        ms(g.controlPlaneMs),
        ms(sum(g.cpuMs, g.controlPlaneMs)),
      ]);
      const cell = (s: typeof o) =>
        s.time === undefined
          ? ''
          : `${fmtMs(s.time)}, ${fmt(s.rate ?? Number.NaN)} obj/s, ${show(s.peak, fmtMiB)}, ${show(s.cpu, (n) => `${fmt(n)} CPU s`)}`;
      rows.push([
        `${scenario} ${c.objects}`,
        c.clientLimit === 'off' ? 'off (`--kubeclient-qps=-1`)' : 'default (5 qps, burst 10)',
        cell(o),
        cell(g),
        show(speed, (n) => `${fmt(n)}×`),
        show(rss, (n) => `${fmt(n)}×`),
        show(ratio(o.cpu, g.cpu), (n) => `${fmt(n)}×`),
        `${show(o.calls, (n) => fmt(n))} / ${show(g.calls, (n) => fmt(n))}`,
      ]);
    }
  }
  const tables: Table[] = [
    {
      caption: `Our controller and the Go controller v0.40.0, same API server, key and objects (${VALUES} values, RSA-4096; median of ${reps}): time, objects/s, peak RSS, CPU seconds`,
      header: [
        'run',
        'client limit',
        'ours',
        'Go v0.40.0',
        'ours/Go objects/s',
        'ours/Go peak RSS',
        'ours/Go CPU',
        'API calls per object (ours / Go)',
      ],
      rows,
    },
  ];
  tables.push({
    caption:
      'CPU per object (medians): each controller, and kube-apiserver + etcd over the same window (in "apply" the ' +
      "control plane's share includes the benchmark's own creates)",
    header: [
      'run',
      'client limit',
      'ours',
      'control plane (ours)',
      'sum (ours)',
      'Go v0.40.0',
      'control plane (Go)',
      'sum (Go)',
    ],
    rows: cpuRows,
  });
  const idle = (implementation: Implementation) => {
    const rs = runs.filter((r) => r.implementation === implementation);
    return {
      rss: med(rs, (r) => r.idleRssBytes),
      healthy: med(rs, (r) => r.healthyMs),
    };
  };
  const oi = idle('ours');
  const gi = idle('go');
  tables.push({
    caption:
      'Before any object: idle RSS (apply runs) and /healthz answering after spawn (all runs), medians',
    header: ['', 'ours', 'Go v0.40.0'],
    rows: [
      ['idle RSS', show(oi.rss, fmtMiB), show(gi.rss, fmtMiB)],
      ['/healthz after spawn', show(oi.healthy, fmtMs), show(gi.healthy, fmtMs)],
    ],
  });
  const notes = [
    'Both controllers run as their own process against the same kube-apiserver, one at a time, each in a fresh ' +
      'namespace with the same pre-created RSA-4096 key Secret; the order alternates run by run. The Go controller ' +
      'uses its in-cluster configuration (a private mount namespace holds the service-account files, the API server ' +
      'is reached on 127.0.0.1). "apply" and "startup" are timed as in section 3.',
    `Flags, ours: the controller section's (plus the client limit); Go: \`${goControllerFlags({
      kubeconfigPath: '',
      namespace: '<ns>',
      logDir: '',
      apiPort: 0,
      metricsPort: 0,
    })
      .join(' ')
      .replace(
        /127\.0\.0\.1:0/g,
        '127.0.0.1:<port>',
      )}\`, \`POD_NAMESPACE=<ns>\`; the default-limit rows drop ` + '`--kubeclient-qps=-1` from both.',
    'Peak RSS is sampled every 200 ms over the whole run (whole process, all threads); CPU seconds are user + system ' +
      'time of the process from its spawn to the last object synced (/proc/<pid>/stat). API calls per object: ' +
      "kube-apiserver's `apiserver_request_total` for Secrets, Events and SealedSecret status writes (LIST and WATCH " +
      'left out) around the run, divided by the objects. Upstream makes five per new object: the Secret GET, the ' +
      'create, an UPDATE right after it (its empty-template-type quirk, see the controller README) and the event on ' +
      'its core client, the status write on its SealedSecret client. Ours makes three: the create (no GET when the ' +
      'informer cache says the Secret is absent) on one limiter, the event and the status write on the second, so ' +
      'at the default limit only the create waits on the first. Events are sent off the reconcile path (as ' +
      "client-go's broadcaster does); the few still queued when the run's controller is stopped are flushed for up " +
      'to 5 s, which is why a default-limit row can count a little under three.',
    `Our controller runs on Node ${process.version} with OpenSSL ${process.versions.openssl ?? 'unknown'}, the ` +
      "runtime of the bench (`pnpm bench` runs on the controller image's pinned Node 24; `--node` picks another). " +
      'The runtime matters: on a CPU with AVX-512 IFMA, OpenSSL 3.5 (Node 24) decrypts RSA-4096 about 2.4× as fast ' +
      'as OpenSSL 3.0 (Node 20), see bench/README.md. The Go controller does its RSA in Go, whatever Node runs.',
  ];
  if (failure !== undefined) notes.push(`The section stopped early: ${failure}`);
  for (const problem of problems) notes.push(`Problem seen (numbers above are still valid): ${problem}`);

  const targets: TargetResult[] = [];
  const find = (limit: ClientLimit, objects: number, scenario: string) =>
    ratios.find((r) => r.c.clientLimit === limit && r.c.objects === objects && r.scenario === scenario);
  for (const scenario of ['apply', 'startup']) {
    const full = find('off', 5_000, scenario);
    if (full !== undefined) {
      targets.push({
        name: `Objects/s vs Go v0.40.0, ${scenario} 5 000, client limit off`,
        target: '≥ 3× the Go controller',
        measured: full.speed === undefined ? 'no ratio' : `${fmt(full.speed)}×`,
        status: targetStatus(full.speed, 3, (m, l) => m >= l),
        ...(full.speed !== undefined && full.speed < 3 && { note: cpuBoundNote(full, cores) }),
      });
      targets.push({
        name: `Peak RSS vs Go v0.40.0, ${scenario} 5 000`,
        target: '≤ 1.5× the Go controller and < 100 MiB',
        measured: `${full.rss === undefined ? 'no ratio' : `${fmt(full.rss)}×`}, ${full.oursPeak === undefined ? '' : fmtMiB(full.oursPeak)}`,
        status:
          full.oursPeak === undefined
            ? 'not measured'
            : full.oursPeak >= 100 * MIB
              ? 'missed'
              : targetStatus(full.rss, 1.5, (m, l) => m <= l),
      });
    }
    const limited = ratios.find((r) => r.c.clientLimit === 'default' && r.scenario === scenario);
    if (limited !== undefined) {
      targets.push({
        name: `Objects/s vs Go v0.40.0, ${scenario} ${limited.c.objects}, default client limit`,
        target: '≥ 1.3× the Go controller',
        measured: limited.speed === undefined ? 'no ratio' : `${fmt(limited.speed)}×`,
        status: targetStatus(limited.speed, 1.3, (m, l) => m >= l),
      });
    }
  }
  return {
    id: 'go',
    title: '9. Side by side with the Go controller v0.40.0',
    tables,
    notes,
    targets,
    ...(failure !== undefined && { error: failure }),
  };
}

/**
 * Why a side-by-side speed target was missed, from the CPU the run used: on cores shared with the control plane the
 * objects/s cannot pass cores ÷ (controller + control-plane CPU per object).
 */
export function cpuBoundNote(
  r: { readonly oursCpuMs?: number; readonly controlPlaneMs?: number; readonly goRate?: number },
  cores: number,
): string {
  if (r.oursCpuMs === undefined || r.controlPlaneMs === undefined || r.goRate === undefined)
    return 'The CPU split of the runs could not be read from /proc.';
  const perObject = r.oursCpuMs + r.controlPlaneMs;
  const ceiling = (1000 * cores) / perObject;
  const needed = (1000 * cores) / (3 * r.goRate);
  return (
    `Per object our controller used ${fmt(r.oursCpuMs)} ms of CPU and kube-apiserver + etcd ${fmt(r.controlPlaneMs)} ms ` +
    `over the same window: with both on the same ${cores} cores the run cannot pass ${fmt(ceiling)} objects/s ` +
    `(${fmt(ceiling / r.goRate)}× Go's ${fmt(r.goRate)} here). 3× Go needs at most ${fmt(needed)} ms of CPU per ` +
    'object for the controller and the control plane together.'
  );
}
