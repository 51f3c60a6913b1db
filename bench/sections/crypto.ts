import type { BenchContext } from '../lib/context.js';
import { runCryptoLoad, type CryptoJob, type CryptoLoadResult, type CryptoMode } from '../lib/crypto-load.js';
import { loadDecryptPool, measureDecryptPool, type PoolMeasurement } from '../lib/controller-pool.js';
import { generateBenchKeys } from '../lib/keys.js';
import { runOpensslSpeedRsa, type OpensslRsaSpeed } from '../lib/openssl.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { fmt } from '../lib/stats.js';
import { builtFile, loadCore } from '../lib/workspace.js';

const BITS = 4096;

/** Section 1: RSA-4096 unseal and seal ops/s on one core and all cores, next to openssl speed in the same run. */
export async function cryptoSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const seconds = ctx.quick ? 1 : 5;
  const cores = ctx.cores;
  const core = await loadCore();
  ctx.log(`crypto: generating an RSA-${BITS} key`);
  const [benchKey] = await generateBenchKeys(core, 1, BITS, new Date());
  if (benchKey === undefined) throw new Error('no key generated');
  const { privateKey, publicKey } = benchKey;
  const label = 'bench-ns/bench-secret';
  const plaintext = Buffer.from('correct horse battery staple 1234', 'utf8');
  const ciphertext = core.hybridEncrypt(publicKey, plaintext, Buffer.from(label, 'utf8'));
  const notes: string[] = [];
  let sealedSecretJson: string | undefined;
  try {
    const sealed = core.sealSecret(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'bench-secret', namespace: 'bench-ns' },
        stringData: { username: 'admin', password: 'correct horse battery staple', token: 'x'.repeat(40) },
      },
      { publicKey },
    );
    sealedSecretJson = JSON.stringify(sealed);
  } catch (error) {
    notes.push(
      `The 3-value SealedSecret row was not measured: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const base: Omit<CryptoJob, 'mode'> = {
    corePath: builtFile('packages/core/dist/index.js'),
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ciphertext,
    plaintext,
    label,
    sealedSecretJson: sealedSecretJson ?? '{}',
    durationMs: seconds * 1000,
  };
  const measure = async (mode: CryptoMode, threads: number): Promise<CryptoLoadResult> => {
    ctx.log(`crypto: ${mode} on ${threads} thread(s) for ${seconds} s`);
    return runCryptoLoad({ ...base, mode }, threads);
  };
  const openssl = async (processes: number): Promise<OpensslRsaSpeed | undefined> => {
    ctx.log(
      `crypto: openssl speed rsa${BITS}${processes > 1 ? ` -multi ${processes}` : ''} (${seconds} s per operation)`,
    );
    try {
      return await runOpensslSpeedRsa({ bits: BITS, seconds, processes });
    } catch (error) {
      notes.push(`openssl speed failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };

  // Single-core and all-core runs alternate with their openssl counterparts so slow drift in machine load
  // affects both sides of each ratio alike.
  const ssl1 = await openssl(1);
  const unseal1 = await measure('unseal', 1);
  const node1 = await measure('node-oaep', 1);
  const seal1 = await measure('seal', 1);
  const object1 =
    sealedSecretJson === undefined
      ? undefined
      : await measure('unseal-object', 1).catch((error: unknown) => {
          notes.push(`unsealSealedSecret failed: ${error instanceof Error ? error.message : String(error)}`);
          return undefined;
        });
  // Bracketed by two -multi runs in full mode: background load on a shared machine drifts within seconds.
  const sslMulti: OpensslRsaSpeed[] = [];
  const firstMulti = await openssl(cores);
  if (firstMulti !== undefined) sslMulti.push(firstMulti);
  const unsealN = await measure('unseal', cores);
  let pool: PoolMeasurement | undefined;
  try {
    const Pool = await loadDecryptPool();
    if (Pool === undefined) notes.push("The controller's DecryptPool is not built; its row is missing.");
    else {
      ctx.log(`crypto: controller DecryptPool (${cores} RSA slots) for ${seconds} s`);
      pool = await measureDecryptPool(
        Pool,
        core,
        benchKey,
        ciphertext,
        Buffer.from(label, 'utf8'),
        seconds * 1000,
        cores,
      );
    }
  } catch (error) {
    notes.push(
      `The controller's DecryptPool failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!ctx.quick) {
    const second = await openssl(cores);
    if (second !== undefined) sslMulti.push(second);
  }
  const sslN = meanSpeed(sslMulti);
  const nodeN = await measure('node-oaep', cores);
  const sealN = await measure('seal', cores);

  ctx.ceiling = {
    unsealOneCoreOpsPerSec: unseal1.opsPerSec,
    // The pure-crypto ceiling is the faster of the plain benchmark threads and the controller's own pool: a slow
    // pool must not lower the bar the controller is judged against (stop 22: a pool at 43% made a 2.7× sync read as
    // "1.15×, met").
    unsealAllCoresOpsPerSec: Math.max(pool?.opsPerSec ?? 0, unsealN.opsPerSec),
    allCoresSource:
      pool === undefined || pool.opsPerSec < unsealN.opsPerSec
        ? `section 1, ${cores} benchmark threads`
        : `section 1, the controller's DecryptPool with ${pool.workers} workers`,
    ...(sslN === undefined ? {} : { opensslMultiPrivateOpsPerSec: sslN.privateOpsPerSec }),
  };

  const ratio = (ours: number | undefined, ref: number | undefined): string =>
    ref === undefined || ours === undefined ? 'n/a' : `${fmt((100 * ours) / ref)}%`;
  const row = (
    label: string,
    one: CryptoLoadResult | undefined,
    all: CryptoLoadResult | undefined,
    ref: 'private' | 'public',
  ): string[] => {
    const r1 = ref === 'private' ? ssl1?.privateOpsPerSec : ssl1?.publicOpsPerSec;
    const rN = ref === 'private' ? sslN?.privateOpsPerSec : sslN?.publicOpsPerSec;
    return [
      label,
      one === undefined ? 'n/a' : fmt(one.opsPerSec),
      one === undefined ? 'n/a' : fmt(one.cpuOpsPerSec),
      all === undefined ? '' : fmt(all.opsPerSec),
      all === undefined ? '' : fmt(all.cpuOpsPerSec),
      ratio(one?.cpuOpsPerSec, r1),
      all === undefined ? '' : ratio(all.opsPerSec, rN),
    ];
  };
  const sslRow = (label: string, pick: (s: OpensslRsaSpeed) => number): string[] => [
    label,
    '',
    ssl1 ? fmt(pick(ssl1)) : 'n/a',
    sslN ? fmt(pick(sslN)) : 'n/a',
    '',
    '100%',
    '100%',
  ];
  const table: Table = {
    caption: `RSA-${BITS} operations per second (${seconds} s per measurement; ${cores} cores)`,
    header: [
      'operation',
      '1 thread, wall',
      '1 thread, per CPU-s',
      `${cores} threads, wall`,
      `${cores} threads, per CPU-s`,
      'vs openssl (1 thread, per CPU-s)',
      `vs openssl -multi ${cores} (wall)`,
    ],
    rows: [
      sslRow('`openssl speed`: private (sign)', (s) => s.privateOpsPerSec),
      sslRow('`openssl speed`: public (verify)', (s) => s.publicOpsPerSec),
      row('unseal one value (core hybridDecrypt: RSA-OAEP-SHA256 + AES-GCM)', unseal1, unsealN, 'private'),
      row('Node privateDecrypt OAEP only (no AES, no core)', node1, nodeN, 'private'),
      [
        `unseal one value through the controller's DecryptPool (${pool?.workers ?? cores} RSA slots, wall)`,
        '',
        '',
        pool === undefined ? 'n/a' : fmt(pool.opsPerSec),
        '',
        '',
        pool === undefined ? '' : ratio(pool.opsPerSec, sslN?.privateOpsPerSec),
      ],
      row('seal one value (core hybridEncrypt)', seal1, sealN, 'public'),
      row('unseal a 3-value SealedSecret (unsealSealedSecret), objects/s', object1, undefined, 'private').map(
        (c, i) => (i >= 5 ? '' : c),
      ),
    ],
  };
  notes.push(
    `"${cores} threads" runs ${cores} benchmark worker threads, each repeating the operation, and sums their ` +
      "rates, as `openssl speed -multi` sums its processes. The DecryptPool row drives the controller's own pool " +
      "(as the controller unseals an object without templates: RSA-OAEP through WebCrypto on libuv's thread pool, " +
      'one slot per core, AES-GCM on the main thread; worker threads only render templates) with 4 requests per ' +
      'slot in flight; it is the "all cores" ' +
      'figure of the target when it is available.',
    '`openssl speed` without `-multi` divides by the user CPU time it got, so on a busy machine it still reports ' +
      'what one core does; its 1-thread figure is shown in the "per CPU-s" column and compared with Node\'s ' +
      'operations ÷ process CPU time. With `-multi` openssl divides by wall time, so the all-core comparison (and ' +
      "the target) uses Node's wall-clock rate, measured right after it" +
      (sslMulti.length > 1
        ? " (the openssl figure is the mean of one run before and one after Node's)."
        : '.') +
      ' The all-core "wall" unseal rate is the ceiling the controller section compares against.',
    "Unseal is compared with openssl's RSA sign (both are one RSA private-key operation with CRT and blinding); " +
      "seal with openssl's verify (one public-key operation). Node uses its bundled OpenSSL " +
      `${process.versions.openssl ?? ''}, the openssl CLI its system library. Their speeds can differ a lot: ` +
      'on a CPU with AVX-512 IFMA, OpenSSL 3.5 (Node 24) computes RSA-4096 with those instructions and OpenSSL 3.0 ' +
      "(Node 20, Debian's CLI) does not: on the machine of the committed run 1.95 against 4.7 ms of CPU per " +
      'decryption, and 4.71 ms for Node 24 with IFMA masked (`OPENSSL_ia32cap=":~0x200000"`), so Node can pass ' +
      '100% of the CLI here.',
  );

  const allCores = pool?.opsPerSec ?? unsealN.opsPerSec;
  const via =
    pool === undefined
      ? `${cores} benchmark threads (the controller's pool was not available)`
      : `the controller's DecryptPool`;
  const met = sslN !== undefined && allCores >= 0.9 * sslN.privateOpsPerSec;
  // Load-immune cross-check: Node's all-thread ops per CPU-second against openssl's single-process figure
  // (also per CPU-second) times the core count.
  const cpuLimit = ssl1 === undefined ? undefined : ssl1.privateOpsPerSec * cores;
  const cpuRatio = cpuLimit === undefined ? undefined : unsealN.cpuOpsPerSec / cpuLimit;
  const cross =
    cpuLimit === undefined || cpuRatio === undefined
      ? ''
      : `; cross-check per CPU-second: ${fmt(unsealN.cpuOpsPerSec)} vs ${cores} × ${fmt(ssl1?.privateOpsPerSec ?? NaN)} (${fmt(100 * cpuRatio)}%)`;
  const disagree =
    sslN !== undefined && cpuRatio !== undefined && met !== cpuRatio >= 0.9
      ? ` The CPU-time cross-check (${fmt(100 * cpuRatio)}%) ${cpuRatio >= 0.9 ? 'meets' : 'misses'} the 90% line while ` +
        `the wall-clock comparison ${met ? 'meets' : 'misses'} it: other processes took a different share of the ` +
        'cores during the openssl and the Node runs, so this run cannot settle the target; an idle machine would.'
      : '';
  const targets: TargetResult[] = [
    {
      name: 'Unseal on all cores',
      target: `≥ 90% of \`openssl speed -multi ${cores} rsa${BITS}\` private ops/s`,
      measured: sslN
        ? `${fmt(allCores)} vs ${fmt(sslN.privateOpsPerSec)} ops/s wall (${ratio(allCores, sslN.privateOpsPerSec)}), via ${via}${cross}`
        : `${fmt(allCores)} ops/s via ${via}`,
      status: targetStatus(allCores, sslN?.privateOpsPerSec, (m, l) => m >= 0.9 * l),
      ...(sslN === undefined
        ? { note: 'openssl speed did not run; install the openssl CLI.' }
        : met
          ? disagree === ''
            ? {}
            : { note: disagree.trim() }
          : {
              note:
                cryptoMissNote(allCores, sslN.privateOpsPerSec, nodeN.opsPerSec, unsealN.opsPerSec, pool) +
                disagree,
            }),
    },
  ];
  return { id: 'crypto', title: '1. Crypto ceiling', tables: [table], notes, targets };
}

function meanSpeed(runs: readonly OpensslRsaSpeed[]): OpensslRsaSpeed | undefined {
  const first = runs[0];
  if (first === undefined) return undefined;
  const mean = (pick: (s: OpensslRsaSpeed) => number) => runs.reduce((a, s) => a + pick(s), 0) / runs.length;
  return {
    ...first,
    privateOpsPerSec: mean((s) => s.privateOpsPerSec),
    publicOpsPerSec: mean((s) => s.publicOpsPerSec),
  };
}

/** Why the all-core unseal rate missed 90% of openssl, from the rows measured around it. */
function cryptoMissNote(
  allCores: number,
  openssl: number,
  bareThreads: number,
  coreThreads: number,
  pool: PoolMeasurement | undefined,
): string {
  const pct = (a: number, b: number) => `${fmt((100 * a) / b)}%`;
  const parts = [
    `Bare Node \`privateDecrypt\` on the same threads reached ${pct(bareThreads, openssl)} of openssl and ` +
      `core's hybridDecrypt ${pct(coreThreads, openssl)}.`,
  ];
  if (bareThreads < 0.9 * openssl) {
    parts.push(
      "Since even the bare call misses, the gap is Node's per-call cost around the same OpenSSL RSA code or CPU " +
        'taken by other processes between the measurements (compare the 1-thread per-CPU-second column, which ' +
        'is immune to that), not our code.',
    );
  }
  if (pool !== undefined && pool.opsPerSec < 0.95 * coreThreads) {
    parts.push(
      `The controller's pool reached ${pct(pool.opsPerSec, coreThreads)} of the plain threads: each value costs a ` +
        "hop to libuv's thread pool and back through WebCrypto (a promise, the result copied into JavaScript) and " +
        "the AES-GCM step on the main thread, which competes with the pool's threads for the same cores.",
    );
  }
  if (parts.length === 1) parts.push(`The measured all-core rate was ${fmt(allCores)} ops/s.`);
  return parts.join(' ');
}
