/**
 * CPU per object of one or more controller builds, interleaved, on one local control plane (issue 12, items 1–2):
 * start-up syncs of N SealedSecrets (3 RSA-4096 values each), and for each run the controller's CPU seconds, the
 * CPU seconds kube-apiserver and etcd spent meanwhile (/proc/<pid>/stat, spawn → controller stopped), the API
 * requests the controller made (kube-apiserver's `apiserver_request_total`, LIST and WATCH left out) and the load
 * average. Builds alternate run by run so a drift in the machine's load does not favour one.
 *
 *   node bench/dist/cpu-per-object.js [--objects 500] [--rounds 3] [--profile <dir>] [--apiserver-pprof <dir>]
 *       [--pprof-seconds 10] [--scenario startup|apply] [--client-limit off|default] [name=<controller bin> ...]
 *
 * Without a build argument it measures `packages/controller/bin/sealed-secrets-controller.js` of this checkout;
 * `go=upstream` is the Go controller v0.40.0 (its "main thread" column is then only Go's first thread).
 * `--apiserver-pprof <dir>` saves kube-apiserver's CPU profile (`/debug/pprof/profile`) of the first
 * `--pprof-seconds` of each sync as `<dir>/<build>-<round>.pb.gz`, for `go tool pprof -top <file>`.
 *
 * It runs the controller on the Node that runs it: start it with the image's Node 24 to measure what ships.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startBenchCluster, type BenchCluster } from './lib/cluster.js';
import {
  controllerFlags,
  IMAGE_ENV,
  launch,
  readCpuSeconds,
  readCpuTimes,
} from './lib/controller-process.js';
import { addProfileDirectory, CATEGORIES, type ThreadTotals } from './lib/cpu-profile.js';
import { startGoController, upstreamBinaries } from './lib/go-controller.js';
import { generateBenchKeys, type BenchKey } from './lib/keys.js';
import { runScenario } from './lib/scenario.js';
import { builtFile, CONTROLLER_BIN, loadCore, loadHarness } from './lib/workspace.js';

const { values, positionals } = parseArgs({
  options: {
    objects: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    profile: { type: 'string' },
    'apiserver-pprof': { type: 'string' },
    'pprof-seconds': { type: 'string', default: '10' },
    scenario: { type: 'string', default: 'startup' },
    'client-limit': { type: 'string', default: 'off' },
  },
  allowPositionals: true,
});
const objects = Number(values.objects);
/** `--scenario apply` creates the objects while the controller runs (the bench's "apply"); default start-up. */
const scenario = values.scenario === 'apply' ? 'apply' : 'startup';
const rounds = Number(values.rounds);
/** `--client-limit default` keeps the controllers' default client limit (5 qps, burst 10); default off. */
const clientLimit = values['client-limit'] === 'default' ? 'default' : 'off';
/** `go=upstream` runs the Go controller v0.40.0 (tools/upstream/build.sh) instead of one of ours. */
const GO = 'upstream';
const builds = (positionals.length > 0 ? positionals : [`current=${CONTROLLER_BIN}`]).map((spec) => {
  const eq = spec.indexOf('=');
  const bin = eq < 0 ? spec : spec.slice(eq + 1);
  return {
    name: spec.slice(0, eq),
    bin: bin === GO ? GO : bin === CONTROLLER_BIN ? builtFile(CONTROLLER_BIN) : resolve(bin),
  };
});
const log = (message: string): void =>
  console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);

/** CPU seconds of a process (or one of its threads); NaN once it is gone, so a difference with it is NaN too. */
const cpuOf = (pid: number, thread?: number): number => readCpuSeconds(pid, thread) ?? Number.NaN;

/** kube-apiserver's request counter for what a controller sends (same selection as the `go` section). */
async function controllerCalls(cluster: BenchCluster): Promise<Map<string, number>> {
  const response = await cluster.client.request('GET', '/metrics', { maxBodyBytes: 256 * 1024 * 1024 });
  const counts = new Map<string, number>();
  for (const line of response.text().split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries(
      [...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    const verb = labels['verb'] ?? '';
    const resource = `${labels['resource'] ?? ''}${labels['subresource'] ? `/${labels['subresource']}` : ''}`;
    // Everything else (LIST, WATCH, other resources, the benchmark's own requests) apart, for a look.
    const counted =
      verb !== 'LIST' && verb !== 'WATCH' && ['secrets', 'events', 'sealedsecrets/status'].includes(resource);
    const key = `${counted ? '' : 'other: '}${verb} ${resource}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return counts;
}

/** kube-apiserver's CPU profile over the next --pprof-seconds, written to <dir>/<name>.pb.gz. */
async function apiserverProfile(dir: string, name: string): Promise<void> {
  const seconds = Number(values['pprof-seconds']);
  try {
    const response = await cluster.client.request('GET', '/debug/pprof/profile', {
      query: { seconds: String(seconds) },
      timeoutMs: (seconds + 30) * 1000,
      maxBodyBytes: 64 * 1024 * 1024,
    });
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.pb.gz`), response.body);
    log(`kube-apiserver profile: ${join(dir, `${name}.pb.gz`)} (${response.body.length} bytes)`);
  } catch (error) {
    log(`kube-apiserver profile failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface Row {
  build: string;
  syncMs: number;
  ours: number;
  apiserver: number;
  etcd: number;
  calls: Map<string, number>;
  load: number;
  user: number;
  sys: number;
  main: number;
  peakRss: number;
  objectsPerSec: number;
  controlPlane: number;
}

const goBinary = builds.some((b) => b.bin === GO) ? (await upstreamBinaries()).controller : '';
const harness = await loadHarness();
const core = await loadCore();
const cluster = await startBenchCluster(harness, log, {
  apiserverProfiling: values['apiserver-pprof'] !== undefined,
});
const workDir = mkdtempSync(join(tmpdir(), 'cpu-per-object-'));
const rows: Row[] = [];
const profiles = new Map<string, ThreadTotals>();
try {
  const [key] = (await generateBenchKeys(core, 1, 4096, new Date())) as [BenchKey];
  const { etcd, kubeApiserver } = cluster.controlPlane.pids;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const build of order) {
      const profileDir =
        values.profile === undefined ? undefined : join(resolve(values.profile), `${build.name}-${round}`);
      if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
      let apiBefore = 0;
      let etcdBefore = 0;
      let apiAfter = 0;
      let etcdAfter = 0;
      let userSys = [Number.NaN, Number.NaN];
      let mainThread = Number.NaN;
      let threads: number[] = [];
      const callsBefore = await controllerCalls(cluster);
      let pprof: Promise<void> | undefined;
      const run = await runScenario({
        core,
        cluster,
        namespace: `cpo-${build.name}-${round}`,
        scenario,
        objects,
        valuesPerObject: 3,
        registry: [key],
        sealingKey: key,
        logDir: workDir,
        settleMs: 2_000,
        ...(profileDir !== undefined && { cpuProfileDir: profileDir }),
        launch: {
          clientLimit,
          start: (options) => {
            apiBefore = cpuOf(kubeApiserver);
            etcdBefore = cpuOf(etcd);
            const pprofDir = values['apiserver-pprof'];
            if (pprofDir !== undefined) pprof = apiserverProfile(resolve(pprofDir), `${build.name}-${round}`);
            const args = controllerFlags(options);
            const running =
              build.bin === GO
                ? startGoController(harness, goBinary, cluster.controlPlane, options)
                : launch({
                    command: process.execPath,
                    commandArgs: [
                      ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]),
                      build.bin,
                      ...args,
                    ],
                    args,
                    env: { ...process.env, ...IMAGE_ENV, POD_NAMESPACE: options.namespace },
                    logPath: join(options.logDir, `controller-${options.namespace}.log`),
                    apiUrl: `http://127.0.0.1:${options.apiPort}`,
                  });
            return {
              ...running,
              cpuSeconds() {
                const times = readCpuTimes(running.pid);
                if (times !== undefined) userSys = [times.user, times.system];
                try {
                  // The main thread alone (its task id is the pid); the rest is the RSA thread pool, GC helpers
                  // and worker threads.
                  mainThread = cpuOf(running.pid, running.pid);
                  threads = readdirSync(`/proc/${running.pid}/task`)
                    .map((tid) => cpuOf(running.pid, Number(tid)))
                    .filter((cpu) => cpu > 0)
                    .sort((a, b) => b - a);
                } catch {
                  // gone
                }
                return running.cpuSeconds();
              },
              async stop(graceMs?: number) {
                const code = await running.stop(graceMs);
                apiAfter = cpuOf(kubeApiserver);
                etcdAfter = cpuOf(etcd);
                return code;
              },
            };
          },
        },
        log,
        onProblem: (message) => log(`problem: ${message}`),
      });
      await pprof;
      const callsAfter = await controllerCalls(cluster);
      const calls = new Map<string, number>();
      for (const [k, v] of callsAfter) {
        const d = v - (callsBefore.get(k) ?? 0);
        if (d > 0) calls.set(k, d);
      }
      const row: Row = {
        build: build.name,
        syncMs: run.syncMs,
        ours: run.cpuSeconds ?? Number.NaN,
        apiserver: apiAfter - apiBefore,
        etcd: etcdAfter - etcdBefore,
        calls,
        load: loadavg()[0] ?? Number.NaN,
        user: userSys[0] ?? Number.NaN,
        sys: userSys[1] ?? Number.NaN,
        main: mainThread,
        peakRss: (run.peakRssBytes ?? Number.NaN) / 2 ** 20,
        objectsPerSec: run.objectsPerSec,
        controlPlane: run.controlPlaneCpuSeconds ?? Number.NaN,
      };
      rows.push(row);
      const total = [...calls].filter(([k]) => !k.startsWith('other')).reduce((a, [, b]) => a + b, 0);
      log(
        `${build.name} round ${round + 1}: ${(run.syncMs / 1000).toFixed(2)} s, ours ${((1000 * row.ours) / objects).toFixed(2)} ms/obj ` +
          `(user ${((1000 * row.user) / objects).toFixed(2)}, sys ${((1000 * row.sys) / objects).toFixed(2)}, ` +
          `main thread ${((1000 * row.main) / objects).toFixed(2)}), ` +
          `threads (s) ${threads.map((t) => t.toFixed(2)).join(' ')}, ` +
          `apiserver ${((1000 * row.apiserver) / objects).toFixed(2)} ms/obj, etcd ${((1000 * row.etcd) / objects).toFixed(2)} ms/obj, ` +
          `${(total / objects).toFixed(2)} calls/obj (${[...calls].map(([k, v]) => `${k} ${v}`).join(', ')}), load ${row.load.toFixed(2)}; ` +
          `${scenario}: peak RSS ${row.peakRss.toFixed(1)} MiB, ${row.objectsPerSec.toFixed(1)} objects/s, controller CPU ${row.ours.toFixed(1)} s, control plane CPU ${row.controlPlane.toFixed(1)} s`,
      );
      if (profileDir !== undefined) {
        const totals = profiles.get(build.name) ?? { main: new Map(), workers: new Map() };
        addProfileDirectory(profileDir, totals);
        profiles.set(build.name, totals);
      }
    }
  }
} finally {
  await cluster.stop();
  rmSync(workDir, { recursive: true, force: true });
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
console.log(
  `\n${scenario}, ${objects} objects × 3 RSA-4096 values, ${rounds} rounds interleaved; medians (ms of CPU per object)`,
);
console.log(
  '| build | sync | controller (user + sys) | controller: main thread | kube-apiserver | etcd | all three | calls/object | load (1 min) |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const { name } of builds) {
  const rs = rows.filter((r) => r.build === name);
  const per = (f: (r: Row) => number) => ((1000 * median(rs.map(f))) / objects).toFixed(2);
  const calls =
    median(
      rs.map((r) => [...r.calls].filter(([k]) => !k.startsWith('other')).reduce((a, [, b]) => a + b, 0)),
    ) / objects;
  console.log(
    `| ${name} | ${(median(rs.map((r) => r.syncMs)) / 1000).toFixed(2)} s | ${per((r) => r.ours)} (${per((r) => r.user)} + ${per((r) => r.sys)}) | ${per((r) => r.main)} | ${per((r) => r.apiserver)} | ` +
      `${per((r) => r.etcd)} | ${per((r) => r.ours + r.apiserver + r.etcd)} | ${calls.toFixed(2)} | ` +
      `${rs.map((r) => r.load.toFixed(1)).join(', ')} |`,
  );
}
for (const [name, { main, workers }] of profiles) {
  console.log(`\nprofile ${name} (sum over ${rounds} runs, ms self time): category | main | workers`);
  for (const c of CATEGORIES) {
    console.log(`  ${c} | ${(main.get(c) ?? 0).toFixed(0)} | ${(workers.get(c) ?? 0).toFixed(0)}`);
  }
}
