import { readFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { BenchContext } from '../lib/context.js';
import { summarizeProfile, type Category, type CpuProfile } from '../lib/cpu-profile.js';
import { runCommand, type CommandResult } from '../lib/exec.js';
import { exposeController, type ExposedController } from '../lib/expose-controller.js';
import { upstreamBinaries } from '../lib/go-controller.js';
import { generateBenchKeys, keySecretManifest } from '../lib/keys.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { fmt, median, summarize, type Summary } from '../lib/stats.js';
import {
  builtFile,
  KUBESEAL_BIN,
  KUBESEAL_SEA_SCRIPT,
  loadCore,
  repoRoot,
  STARTUP_FLOOR_BUILD_SCRIPT,
} from '../lib/workspace.js';

/**
 * How kubeseal reaches a user: the npm package's bin run by `node`, the single executable, or the Go binary; and
 * 'minimal', Node's lower bound: single executables built the same way that do only a correct seal or `--raw`.
 */
type Delivery = 'npm' | 'sea' | 'go' | 'minimal';
type Mode = 'floor' | 'version' | 'seal' | 'raw' | 'recovery' | 'fetch' | 'online';

interface CliCase {
  readonly id: string;
  /** Which column: a Node floor belongs to the delivery that runs on that Node. */
  readonly delivery: Delivery;
  readonly mode: Mode;
  readonly command: string;
  readonly args: readonly string[];
  readonly input: string;
  readonly online: boolean;
  /** Checked on the first run: the command did what it should, not just exit 0. */
  readonly validate: (result: CommandResult) => string | undefined;
}

interface Environment {
  readonly id: 'clean' | 'caller';
  readonly label: string;
  readonly env: NodeJS.ProcessEnv;
}

/** The 3-key Secret the seal modes seal; packages/kubeseal/scripts/startup-time.mjs seals the same file. */
const SECRET_YAML = readFileSync(
  join(repoRoot(), 'packages/test-utils/fixtures/kubeseal/startup-secret.yaml'),
  'utf8',
);

const MODES: readonly { mode: Mode; label: string }[] = [
  { mode: 'floor', label: '`node -e ""` (the floor of the column)' },
  { mode: 'version', label: '`--version`' },
  { mode: 'seal', label: 'offline seal of a 3-key Secret (`--cert`, `-o yaml`)' },
  { mode: 'raw', label: '`--raw` (one value, strict scope)' },
  { mode: 'recovery', label: '`--recovery-unseal` of the sealed 3-key Secret' },
  { mode: 'fetch', label: "`--fetch-cert` through the API server's service proxy" },
  { mode: 'online', label: 'online seal (certificate through the service proxy, `-o yaml`)' },
];

const isSealedYaml = (r: CommandResult) =>
  /kind: SealedSecret/.test(r.stdout) && /password:/.test(r.stdout)
    ? undefined
    : 'output is not a SealedSecret';

/**
 * Section 2: kubeseal start-up. Every delivery and the Go kubeseal run in the same interleaved rounds, next to
 * `node -e ""` of the Node that runs them, in a clean environment and (when the caller sets it) with
 * NODE_EXTRA_CA_CERTS, which costs every Node process the loading of a CA file.
 */
export async function cliSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const runs = ctx.quick ? 3 : 20;
  const warmups = ctx.quick ? 1 : 2;
  const notes: string[] = [];
  const core = await loadCore();
  const kubeseal = builtFile(KUBESEAL_BIN);
  ctx.log('cli: generating an RSA-4096 key and certificate');
  const [key] = await generateBenchKeys(core, 1, 4096, new Date());
  if (key === undefined) throw new Error('no key generated');
  const certPath = join(ctx.workDir, 'cli-cert.pem');
  const keyPath = join(ctx.workDir, 'cli-key.pem');
  const sealedPath = join(ctx.workDir, 'cli-sealed.yaml');
  writeFileSync(certPath, key.certificatePem);
  writeFileSync(keyPath, key.privateKeyPem, { mode: 0o600 });
  // A kubeconfig pointing nowhere: offline modes must not read ~/.kube/config or reach a cluster.
  const offlineKubeconfig = join(ctx.workDir, 'offline-kubeconfig.yaml');
  writeFileSync(
    offlineKubeconfig,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: none\n  cluster:\n    server: https://127.0.0.1:1\n' +
      'users:\n- name: none\n  user: {}\ncontexts:\n- name: none\n  context: {cluster: none, user: none, namespace: bench-ns}\n' +
      'current-context: none\n',
  );
  const environments: Environment[] = [
    { id: 'clean', label: 'without NODE_EXTRA_CA_CERTS', env: withoutExtraCaCerts(process.env) },
  ];
  const extraCa = process.env['NODE_EXTRA_CA_CERTS'];
  if (extraCa !== undefined && extraCa !== '' && !ctx.quick)
    environments.push({ id: 'caller', label: `with NODE_EXTRA_CA_CERTS=${extraCa}`, env: process.env });

  // The sealed input of --recovery-unseal comes from one offline seal.
  const first = await runCommand(process.execPath, [kubeseal, '--cert', certPath, '-o', 'yaml'], {
    input: SECRET_YAML,
    env: { ...environments[0]?.env, KUBECONFIG: offlineKubeconfig },
    timeoutMs: 60_000,
  });
  if (first.code !== 0)
    throw new Error(`kubeseal --cert failed (exit ${first.code}): ${first.stderr.trim().slice(0, 300)}`);
  writeFileSync(sealedPath, first.stdout);

  const sea = await buildSingleExecutable(ctx).catch((error: unknown) => {
    notes.push(
      `The single executable was not measured: ${error instanceof Error ? error.message : String(error)}`,
    );
    return undefined;
  });
  const go = await goKubeseal().catch((error: unknown) => {
    notes.push(`The Go kubeseal was not measured: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  if (go !== undefined) ctx.versions['Go kubeseal'] = go.version;
  const minimal =
    sea === undefined
      ? undefined
      : await buildMinimalExecutables(ctx).catch((error: unknown) => {
          notes.push(
            `Node's lower bound was not measured: ${error instanceof Error ? error.message : String(error)}`,
          );
          return undefined;
        });

  const rawArgs = ['--cert', certPath, '--namespace', 'bench-ns', '--name', 'bench-secret'];
  const isOneBase64 = (r: CommandResult) =>
    /^[A-Za-z0-9+/]+=*$/.test(r.stdout.trim()) ? undefined : 'output is not one base64 value';
  const programs: { delivery: Delivery; command: string; prefix: readonly string[] }[] = [
    { delivery: 'npm', command: process.execPath, prefix: [kubeseal] },
    ...(sea ? [{ delivery: 'sea' as const, command: sea.executable, prefix: [] }] : []),
    ...(go ? [{ delivery: 'go' as const, command: go.path, prefix: [] }] : []),
  ];
  const cases: CliCase[] = [floorCase('npm', process.execPath), ...(sea ? [floorCase('sea', sea.node)] : [])];
  for (const p of programs) {
    const c = (
      mode: Mode,
      args: readonly string[],
      input: string,
      validate: CliCase['validate'],
    ): CliCase => ({
      id: `${p.delivery}:${mode}`,
      delivery: p.delivery,
      mode,
      command: p.command,
      args: [...p.prefix, ...args],
      input,
      online: false,
      validate,
    });
    cases.push(
      c('version', ['--version'], '', (r) => (/version/.test(r.stdout) ? undefined : 'no version printed')),
      c('seal', ['--cert', certPath, '-o', 'yaml'], SECRET_YAML, isSealedYaml),
      c('raw', ['--raw', ...rawArgs], 'correct-horse-battery-staple', isOneBase64),
      c(
        'recovery',
        ['--recovery-unseal', '--recovery-private-key', keyPath, '-o', 'yaml', '-f', sealedPath],
        '',
        (r) =>
          /kind: Secret/.test(r.stdout) && /password/.test(r.stdout) ? undefined : 'output is not the Secret',
      ),
    );
  }

  if (minimal !== undefined) {
    const base = { delivery: 'minimal', online: false } as const;
    cases.push(
      {
        ...base,
        id: 'minimal:seal',
        mode: 'seal',
        command: minimal.seal,
        args: ['--cert', certPath],
        input: SECRET_YAML,
        validate: isSealedYaml,
      },
      {
        ...base,
        id: 'minimal:raw',
        mode: 'raw',
        command: minimal.raw,
        args: rawArgs,
        input: 'correct-horse-battery-staple',
        validate: isOneBase64,
      },
    );
  }

  let exposed: ExposedController | undefined;
  let roundTripMs: number | undefined;
  try {
    try {
      exposed = await startFetchCertTarget(ctx, keySecretManifest(key, 0));
      const target = exposed;
      const kubeconfigPath = (await ctx.cluster()).kubeconfigPath;
      const cluster = ['--kubeconfig', kubeconfigPath, '--controller-namespace', target.namespace];
      cluster.push('--controller-name', target.serviceName);
      for (const p of programs) {
        const base = { delivery: p.delivery, command: p.command, online: true } as const;
        cases.push(
          {
            ...base,
            id: `${p.delivery}:fetch`,
            mode: 'fetch',
            args: [...p.prefix, '--fetch-cert', ...cluster],
            input: '',
            validate: (r) =>
              r.stdout.trim() === key.certificatePem.trim()
                ? undefined
                : 'output is not the controller certificate',
          },
          {
            ...base,
            id: `${p.delivery}:online`,
            mode: 'online',
            args: [...p.prefix, ...cluster, '-o', 'yaml'],
            input: SECRET_YAML,
            validate: isSealedYaml,
          },
        );
      }
      roundTripMs = await apiRoundTrip(ctx, target, runs);
    } catch (error) {
      notes.push(
        `The online modes were not measured: ${error instanceof Error ? error.message : String(error)}`,
      );
    }

    const samples = new Map<string, number[]>();
    const failures = new Map<string, string>();
    const key_ = (env: Environment, c: CliCase) => `${env.id}|${c.id}`;
    // Round-robin: each round runs every case once in every environment, so load drift spreads evenly.
    for (let round = 0; round < warmups + runs; round++) {
      for (const environment of environments) {
        for (const c of cases) {
          const id = key_(environment, c);
          if (failures.has(id)) continue;
          const env = c.online ? environment.env : { ...environment.env, KUBECONFIG: offlineKubeconfig };
          const result = await runCommand(c.command, c.args, { input: c.input, env, timeoutMs: 60_000 });
          const problem =
            result.code !== 0
              ? `exit ${result.code}: ${result.stderr.trim().slice(0, 200)}`
              : round === 0
                ? c.validate(result)
                : undefined;
          if (problem !== undefined) {
            failures.set(id, problem);
            continue;
          }
          if (round >= warmups) samples.set(id, [...(samples.get(id) ?? []), result.ms]);
        }
      }
      if (round === 0)
        ctx.log(
          `cli: ${runs} timed runs of ${cases.length} commands in ${environments.length} environment(s) (after ${warmups} warm-up rounds)`,
        );
    }

    const summary = (environment: Environment, delivery: Delivery, mode: Mode): Summary | undefined => {
      const values = samples.get(`${environment.id}|${delivery}:${mode}`);
      return values === undefined || values.length === 0 ? undefined : summarize(values);
    };
    const failure = (environment: Environment, delivery: Delivery, mode: Mode) =>
      failures.get(`${environment.id}|${delivery}:${mode}`);
    const nodeVersion = process.version;
    const tables: Table[] = environments.map((environment) => {
      const cell = (delivery: Delivery, mode: Mode): [string, string] => {
        const s = summary(environment, delivery, mode);
        // The minimal executables run on the single executable's Node: that is their floor.
        const floor = summary(environment, delivery === 'minimal' ? 'sea' : delivery, 'floor');
        if (s === undefined) {
          const why = failure(environment, delivery, mode);
          return [why === undefined ? '—' : `failed: ${why}`, ''];
        }
        return [`${fmt(s.median)} ms`, floor === undefined ? '' : `${fmt(s.median / floor.median)}×`];
      };
      return {
        caption: `kubeseal wall time, median of ${runs} runs, ${environment.label}`,
        header: [
          'command',
          `npm package bin (node ${nodeVersion})`,
          '× floor',
          `single executable (node ${sea?.nodeVersion ?? '?'})`,
          '× floor',
          `Go kubeseal ${go?.version ?? ''}`.trim(),
          "Node's lower bound (a minimal single executable)",
          '× floor',
        ],
        rows: MODES.map(({ mode, label }) => {
          const goCell = mode === 'floor' ? ['—'] : [cell('go', mode)[0]];
          const minimalCell = mode === 'seal' || mode === 'raw' ? cell('minimal', mode) : ['—', ''];
          return [label, ...cell('npm', mode), ...cell('sea', mode), ...goCell, ...minimalCell];
        }),
      };
    });
    const clean = environments[0] as Environment;
    if (roundTripMs !== undefined) {
      tables.push({
        caption: 'One API request, the yardstick of the online targets',
        header: ['what', 'median'],
        rows: [
          [
            'GET of the controller certificate through the service proxy, on a new TLS connection (from the bench process)',
            `${fmt(roundTripMs)} ms`,
          ],
        ],
      });
    }
    const againstMinimal = (mode: 'seal' | 'raw', what: string): string[] => {
      const k = summary(clean, 'sea', mode);
      const m = summary(clean, 'minimal', mode);
      return [
        what,
        k === undefined ? (failure(clean, 'sea', mode) ?? '—') : `${fmt(k.median)} ms`,
        m === undefined ? (failure(clean, 'minimal', mode) ?? '—') : `${fmt(m.median)} ms`,
        k === undefined || m === undefined ? '—' : `${fmt(k.median / m.median)}×`,
      ];
    };
    if (minimal !== undefined) {
      tables.push({
        caption: `kubeseal's single executable against Node's lower bound, ${clean.label}`,
        header: ['command', 'kubeseal', 'minimal single executable', 'kubeseal ÷ minimal'],
        rows: [
          againstMinimal('seal', 'offline seal of the 3-key Secret (`-o yaml`)'),
          againstMinimal('raw', '`--raw` (one value, strict scope)'),
        ],
      });
      notes.push(
        "Node's lower bound: single executables built for this run by `packages/kubeseal/scripts/startup-floor/build.mjs` " +
          "with the same Node and SEA options as kubeseal's, each with a start-up snapshot of just its code, that do " +
          "only what a correct command must: read `--cert` and stdin, encrypt with the core's hybrid encryption and " +
          'write the base64 value (`--raw`) or the SealedSecret with `yaml` (seal); run in the same interleaved rounds. ' +
          'They show how much of a ratio to `node -e ""` no program with a snapshot can avoid, and how much is ' +
          'kubeseal\'s (its larger heap and its own work): packages/kubeseal/README.md, "Lower bound set by Node".',
      );
    }
    if (sea !== undefined)
      notes.push(
        `The single executable was built for this run by \`node packages/kubeseal/scripts/sea.mjs\` in ${fmt(sea.seconds)} s: ` +
          `${fmt(sea.bytes / 1024 / 1024)} MiB, Node ${sea.nodeVersion} with kubeseal's start-up snapshot; its floor is that ` +
          `Node's \`node -e ""\` (${sea.node}).`,
      );
    notes.push(
      "Which delivery the issue's start-up targets are judged on: the single executable. It is the delivery built " +
        "for start-up (it carries kubeseal's V8 start-up snapshot and runs on the Node it was built with, whose " +
        '`node -e ""` is its floor), and the one a user downloads to run kubeseal as a command. The npm package\'s ' +
        'bin is held to the same ratios and reported beside it, but it is started by whatever `node` the user has, ' +
        'which a script cannot give a start-up snapshot (packages/kubeseal/README.md, "Start-up time"): its rows ' +
        'show how far the portable delivery is from the floor.',
    );
    notes.push(
      'Each run spawns the command directly (`node packages/kubeseal/bin/kubeseal.js …` for the npm package, no ' +
        '`pnpm exec`), with the wall time taken from spawn to exit. The RSA-4096 private-key operations of ' +
        '`--recovery-unseal` (3 values) and the one public-key operation per value of sealing are included. The ' +
        'offline runs get a kubeconfig that points nowhere.',
    );

    // One profiled run of the npm bin's offline targets, to say where its time goes when a target is missed.
    const breakdowns = new Map<Mode, Map<Category, number>>();
    for (const c of cases.filter((x) => x.delivery === 'npm' && (x.mode === 'seal' || x.mode === 'raw'))) {
      if (failures.has(key_(clean, c))) continue;
      const env = { ...clean.env, KUBECONFIG: offlineKubeconfig };
      const breakdown = await profileRun(ctx, c, env).catch(() => undefined);
      if (breakdown !== undefined) breakdowns.set(c.mode, breakdown);
    }

    const targets: TargetResult[] = [];
    for (const delivery of ['sea', 'npm'] as const) {
      const name = delivery === 'sea' ? 'single executable' : 'npm package bin';
      const floor = summary(clean, delivery, 'floor');
      const offline = (mode: 'seal' | 'raw', limit: number, what: string): TargetResult => {
        const s = summary(clean, delivery, mode);
        const ratio = s !== undefined && floor !== undefined ? s.median / floor.median : undefined;
        const status = targetStatus(ratio, limit, (m, l) => m <= l);
        return {
          name: `${what} (${name})`,
          target: `≤ ${limit}× \`node -e ""\`, without NODE_EXTRA_CA_CERTS`,
          measured:
            s !== undefined && floor !== undefined
              ? `${fmt(s.median)} ms vs ${fmt(floor.median)} ms (${fmt(ratio ?? NaN)}×)`
              : (failure(clean, delivery, mode) ?? 'not run'),
          status,
          ...(status === 'missed' && s !== undefined && floor !== undefined
            ? {
                note:
                  delivery === 'npm'
                    ? missNote(s.median, floor.median, breakdowns.get(mode))
                    : `${fmt(s.median - floor.median)} ms over the floor`,
              }
            : status === 'not measured'
              ? { note: failure(clean, delivery, mode) ?? 'not measured' }
              : {}),
        };
      };
      const online = (mode: 'fetch' | 'online', what: string): TargetResult => {
        const s = summary(clean, delivery, mode);
        const limit =
          floor !== undefined && roundTripMs !== undefined ? 2 * floor.median + roundTripMs : undefined;
        const status = targetStatus(s?.median, limit, (m, l) => m <= l);
        return {
          name: `${what} (${name})`,
          target: '≤ 2× `node -e ""` + one API round-trip, without NODE_EXTRA_CA_CERTS',
          measured:
            s !== undefined && limit !== undefined && floor !== undefined && roundTripMs !== undefined
              ? `${fmt(s.median)} ms vs ${fmt(limit)} ms (2 × ${fmt(floor.median)} + ${fmt(roundTripMs)})`
              : (failure(clean, delivery, mode) ?? 'not run'),
          status,
          ...(status === 'not measured' ? { note: failure(clean, delivery, mode) ?? 'not measured' } : {}),
        };
      };
      targets.push(
        offline('seal', 1.5, 'Offline seal wall time'),
        offline('raw', 1.3, '`--raw` wall time'),
        online('fetch', '`--fetch-cert` wall time'),
        online('online', 'Online seal wall time'),
      );
    }
    return { id: 'cli', title: '2. CLI latency', tables, notes, targets };
  } finally {
    await exposed?.stop();
  }
}

function floorCase(delivery: Delivery, node: string): CliCase {
  return {
    id: `${delivery}:floor`,
    delivery,
    mode: 'floor',
    command: node,
    args: ['-e', ''],
    input: '',
    online: false,
    validate: () => undefined,
  };
}

function withoutExtraCaCerts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  delete copy['NODE_EXTRA_CA_CERTS'];
  return copy;
}

interface SingleExecutable {
  readonly executable: string;
  readonly node: string;
  readonly nodeVersion: string;
  readonly bytes: number;
  readonly seconds: number;
}

/** Builds the single executable with the repository's script (Node 24 is fetched once into ~/.cache). */
async function buildSingleExecutable(ctx: BenchContext): Promise<SingleExecutable> {
  ctx.log('cli: building the single executable (scripts/sea.mjs)');
  const out = join(ctx.workDir, 'kubeseal-sea');
  const r = await runCommand(process.execPath, [builtFile(KUBESEAL_SEA_SCRIPT), '--json', '--out', out], {
    timeoutMs: 600_000,
  });
  if (r.code !== 0) throw new Error(`sea.mjs exited ${r.code}: ${r.stderr.trim().slice(-300)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as SingleExecutable;
}

/** The minimal single executables of Node's lower bound (scripts/startup-floor/build.mjs), on kubeseal's Node 24. */
async function buildMinimalExecutables(ctx: BenchContext): Promise<{ raw: string; seal: string }> {
  ctx.log("cli: building Node's lower bound (scripts/startup-floor/build.mjs)");
  const r = await runCommand(
    process.execPath,
    [builtFile(STARTUP_FLOOR_BUILD_SCRIPT), '--out-dir', join(ctx.workDir, 'startup-floor')],
    { timeoutMs: 600_000 },
  );
  if (r.code !== 0) throw new Error(`build.mjs exited ${r.code}: ${r.stderr.trim().slice(-300)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { raw: string; seal: string };
}

/** The Go kubeseal v0.40.0 built by tools/upstream/build.sh (cached; a no-op after the first build). */
async function goKubeseal(): Promise<{ path: string; version: string }> {
  const path = (await upstreamBinaries()).kubeseal;
  const version = await runCommand(path, ['--version'], { timeoutMs: 10_000 });
  return { path, version: /v\d+\.\d+\.\d+/.exec(version.stdout)?.[0] ?? 'unknown' };
}

/**
 * Median wall time of the GET that kubeseal's `--fetch-cert` ends with, through the service proxy, each on a new
 * TLS connection as a fresh process would open it.
 */
async function apiRoundTrip(ctx: BenchContext, target: ExposedController, runs: number): Promise<number> {
  const cluster = await ctx.cluster();
  const url = new URL(
    `/api/v1/namespaces/${target.namespace}/services/http:${target.serviceName}:http/proxy/v1/cert.pem`,
    cluster.controlPlane.server,
  );
  const ca = readFileSync(cluster.controlPlane.caPath);
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const started = performance.now();
      const req = request(
        url,
        {
          agent: false,
          ca,
          headers: { Authorization: `Bearer ${cluster.controlPlane.token}` },
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200
              ? resolve(performance.now() - started)
              : reject(new Error(`GET ${url.pathname}: HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`GET ${url.pathname} timed out`)));
      req.on('error', reject);
      req.end();
    });
  await once();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once());
  return median(times);
}

async function startFetchCertTarget(
  ctx: BenchContext,
  keySecret: Record<string, unknown>,
): Promise<ExposedController> {
  const cluster = await ctx.cluster();
  const namespace = 'bench-cli';
  await cluster.createNamespace(namespace);
  await cluster.client.json('POST', `/api/v1/namespaces/${namespace}/secrets`, { body: keySecret });
  ctx.log('cli: starting the controller behind the service proxy for --fetch-cert');
  return exposeController(cluster, namespace, ctx.workDir);
}

/** Runs one case under `node --cpu-prof` and returns its main-thread self time by category. */
async function profileRun(
  ctx: BenchContext,
  c: CliCase,
  env: NodeJS.ProcessEnv,
): Promise<Map<Category, number> | undefined> {
  const dir = mkdtempSync(join(ctx.workDir, `cli-prof-${c.mode}-`));
  const result = await runCommand(c.command, ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...c.args], {
    input: c.input,
    env,
    timeoutMs: 60_000,
  });
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (result.code !== 0 || file === undefined) return undefined;
  return summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile);
}

/** Explains a missed target of the npm bin from one profiled run of it. */
function missNote(commandMs: number, nodeMs: number, breakdown: Map<Category, number> | undefined): string {
  const over = `${fmt(commandMs - nodeMs)} ms over \`node -e ""\``;
  if (breakdown === undefined) return `${over}; the profiled run failed, so the time cannot be attributed.`;
  const busy = [...breakdown].filter(([c]) => c !== 'idle').reduce((a, [, v]) => a + v, 0);
  const startup = breakdown.get('start-up (module loading, file reads)') ?? 0;
  const crypto = breakdown.get('crypto (RSA, AES, core unseal)') ?? 0;
  const pct = (v: number) => `${fmt((100 * v) / Math.max(busy, 1e-9))}%`;
  return (
    `${over}. One run under \`--cpu-prof\`: ${fmt(busy)} ms of JavaScript-thread CPU after bootstrap, of which ` +
    `${pct(startup)} compiling and loading modules and reading files, ${pct(crypto)} crypto. A script started by ` +
    '`node` cannot use a start-up snapshot without starting a second Node (slower, see packages/kubeseal/README.md); ' +
    'the single executable, which has kubeseal in its snapshot, is the fast delivery.'
  );
}
