import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type * as LogModule from '../../packages/controller/src/log.js';
import type * as MetricsModule from '../../packages/controller/src/metrics.js';
import type * as ServerModule from '../../packages/controller/src/http/server.js';
import type * as WebUiModule from '../../packages/controller/src/http/web-ui.js';
import type { BenchContext } from '../lib/context.js';
import { generateBenchKeys } from '../lib/keys.js';
import { targetStatus, type SectionResult, type Table, type TargetResult } from '../lib/report.js';
import { fmtMs, summarize } from '../lib/stats.js';
import { builtFile, loadCore, loadHarness, type Harness } from '../lib/workspace.js';

async function loadBuilt<T>(relative: string): Promise<T> {
  return (await import(pathToFileURL(builtFile(relative)).href)) as T;
}

interface PageRun {
  /** Bytes on the wire (response bodies as sent, gzip) and with response headers. */
  readonly bodyBytes: number;
  readonly wireBytes: number;
  readonly requests: number;
  /** Navigation start → DOMContentLoaded (the deferred script has run and started the certificate fetch). */
  readonly scriptMs: number;
  /** Navigation start → certificate fetched and imported (the Seal button is usable). */
  readonly readyMs: number;
  /** Seal pressed → SealedSecret rendered (one 32-byte value, RSA-4096). */
  readonly sealMs: number;
}

/**
 * Section 6: the sealing page in headless Debian Chromium, served by the controller's own HTTP server code (built
 * `dist/`, in this process, on 127.0.0.1) with a fresh RSA-4096 certificate. Each run is a fresh browser profile
 * (empty cache), so every run downloads everything.
 */
export async function webSection(ctx: BenchContext): Promise<Omit<SectionResult, 'durationMs'>> {
  const harness = await loadHarness();
  const runs = ctx.quick ? 3 : 15;
  const { buildServer } = await loadBuilt<typeof ServerModule>('packages/controller/dist/http/server.js');
  const { loadWebUi } = await loadBuilt<typeof WebUiModule>('packages/controller/dist/http/web-ui.js');
  const { ControllerMetrics } = await loadBuilt<typeof MetricsModule>('packages/controller/dist/metrics.js');
  const { createLogger } = await loadBuilt<typeof LogModule>('packages/controller/dist/log.js');
  const webUi = await loadWebUi();
  if ('unavailable' in webUi) throw new Error(webUi.unavailable);
  const [key] = await generateBenchKeys(await loadCore(), 1, 4096, new Date());
  if (key === undefined) throw new Error('no key generated');
  const quiet = { write: () => undefined };
  const app = buildServer({
    log: createLogger({ level: 'ERROR', format: 'json', infoToStdout: false, stdout: quiet, stderr: quiet }),
    metrics: new ControllerMetrics('bench', { defaultMetrics: false }),
    certificatePem: () => key.certificatePem,
    latestPublicKey: () => key.publicKey,
    unseal: () => Promise.reject(new Error('not used')),
    decryptorFor: () => () => Promise.reject(new Error('not used')),
    acceptDeprecatedV1Data: true,
    readiness: () => ({ ready: true, reasons: [] }),
    rateLimit: 2,
    rateLimitBurst: 2,
    readTimeoutMs: 60_000,
    writeTimeoutMs: 60_000,
    webUi,
  });
  // The baseline, loaded the same way in the same rounds: what any page costs this browser on this machine now.
  app.get('/bench-empty', (_request, reply) =>
    reply.type('text/html; charset=utf-8').send('<!doctype html><title>empty</title>'),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`;
  const samples: PageRun[] = [];
  const baseline: number[] = [];
  try {
    ctx.log(`web: ${runs} cold loads of ${url} (and of an empty page) in ${harness.CHROMIUM_PATH}`);
    for (let i = 0; i < runs; i++) {
      baseline.push(await emptyPageRun(harness, `${url}bench-empty`));
      samples.push(await onePageRun(harness, url));
    }
  } finally {
    await app.close();
  }

  const empty = summarize(baseline);
  const script = summarize(samples.map((s) => s.scriptMs));
  const ready = summarize(samples.map((s) => s.readyMs));
  const seal = summarize(samples.map((s) => s.sealMs));
  const total = summarize(samples.map((s) => s.readyMs + s.sealMs));
  const first = samples[0];
  const sizes: Table = {
    caption: 'What a first visit transfers (empty cache; gzip, as the controller sends it)',
    header: ['requests', 'response bodies', 'with response headers', 'files uncompressed'],
    rows: [
      [
        String(first?.requests ?? 0),
        `${((first?.bodyBytes ?? 0) / 1024).toFixed(1)} KiB`,
        `${((first?.wireBytes ?? 0) / 1024).toFixed(1)} KiB`,
        `${([...webUi.assets.values()].reduce((sum, a) => sum + a.body.length, 0) / 1024).toFixed(1)} KiB + the certificate`,
      ],
    ],
  };
  const timings: Table = {
    caption: `Headless Chromium, ${runs} cold loads (fresh profile each), RSA-4096 certificate, median (p90)`,
    header: ['step', 'median', 'p90'],
    rows: [
      ['baseline: an empty page, load → DOMContentLoaded', fmtMs(empty.median), fmtMs(empty.p90)],
      [
        'load → DOMContentLoaded (page, style and script loaded, script run)',
        fmtMs(script.median),
        fmtMs(script.p90),
      ],
      [
        'load → ready to seal (page, script, certificate fetched and imported)',
        fmtMs(ready.median),
        fmtMs(ready.p90),
      ],
      ['Seal pressed → SealedSecret shown (one value)', fmtMs(seal.median), fmtMs(seal.p90)],
      ['load → first seal (the two above)', fmtMs(total.median), fmtMs(total.p90)],
    ],
  };
  const targets: TargetResult[] = [
    {
      name: 'page size',
      target: '≤ 40 KiB transferred on a first visit',
      measured: `${((first?.wireBytes ?? 0) / 1024).toFixed(1)} KiB`,
      status: targetStatus(first?.wireBytes, 40 * 1024, (m, l) => m <= l),
    },
  ];
  return {
    id: 'web',
    title: '6. Sealing page',
    tables: [sizes, timings],
    notes: [
      'Served by the controller’s HTTP code (`buildServer` with `--web-ui`) in this process; through the API server’s service proxy each request also pays the proxy’s round trip.',
      'Typing time is not included: the form is filled programmatically once the page says it is ready, then Seal is pressed.',
    ],
    targets,
  };
}

/** playwright-core's, through the harness (the bench has no dependency of its own on it). */
type BrowserContext = Awaited<ReturnType<Harness['launchChromium']>>['context'];

/** A fresh profile (empty cache) per load, so every load downloads everything. */
async function withFreshProfile<T>(
  harness: Harness,
  use: (context: BrowserContext) => Promise<T>,
): Promise<T> {
  const browser = await harness.launchChromium();
  try {
    return await use(browser.context);
  } finally {
    await browser.close();
  }
}

async function emptyPageRun(harness: Harness, url: string): Promise<number> {
  return withFreshProfile(harness, async (context) => {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(url);
    return page.evaluate<number>(`performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd`);
  });
}

async function onePageRun(harness: Harness, url: string): Promise<PageRun> {
  return withFreshProfile(harness, async (context) => {
    const page = context.pages()[0] ?? (await context.newPage());
    const finished: Promise<{ body: number; headers: number }>[] = [];
    page.on('requestfinished', (request) =>
      finished.push(
        request.sizes().then((s) => ({ body: s.responseBodySize, headers: s.responseHeadersSize })),
      ),
    );
    await page.goto(url);
    await page.waitForSelector('#seal:not([disabled])');
    await page.fill('#name', 'bench');
    await page.fill('#namespace', 'bench');
    await page.fill('#item-0-key', 'token');
    await page.fill('#item-0-value', '0123456789abcdef0123456789abcdef');
    await page.click('#seal');
    await page.waitForSelector('#output-section:not([hidden])');
    // A string: this runs in the page, and the bench is compiled without DOM types.
    const marks = await page.evaluate<Record<string, number>>(`(() => {
      const navigation = performance.getEntriesByType('navigation')[0];
      const marks = performance.getEntriesByType('mark').map((m) => [m.name, m.startTime]);
      return { ...Object.fromEntries(marks), 'dom-content-loaded': navigation.domContentLoadedEventEnd };
    })()`);
    const sizes = await Promise.all(finished);
    const readyMs = marks['certificate-ready'];
    const start = marks['seal-start'];
    const sealed = marks['sealed'];
    if (readyMs === undefined || start === undefined || sealed === undefined)
      throw new Error(`the page set no timing marks: ${JSON.stringify(marks)}`);
    return {
      bodyBytes: sizes.reduce((sum, s) => sum + s.body, 0),
      wireBytes: sizes.reduce((sum, s) => sum + s.body + s.headers, 0),
      requests: sizes.length,
      scriptMs: marks['dom-content-loaded'] ?? Number.NaN,
      readyMs,
      sealMs: sealed - start,
    };
  });
}
