// The sealing page's browser tests: a recording browser (harness/chromium.ts), a static host, the form.
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import type { BrowserContext, Page, Request } from 'playwright-core';
import { launchChromium } from '../../harness/chromium.js';
import { repoRoot } from '../../harness/paths.js';

export const DESKTOP = { width: 1280, height: 900 } as const;
export const PHONE = { width: 390, height: 844 } as const;

/** The page's CSP as the controller sends it (packages/controller/src/http/web-ui.ts). */
export const EXPECTED_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every request any page of the context made, in order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | null;
  /** Set when the browser did not complete it (Chromium says `csp` for a request its CSP stopped). */
  failure?: string;
}

export interface BrowserOptions {
  /** Sent with every request, as `kubectl proxy` or an authenticating proxy in front of the API server would. */
  readonly headers?: Record<string, string>;
}

export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  const { context, close } = await launchChromium({
    viewport: DESKTOP,
    ignoreHTTPSErrors: true, // the e2e API server's certificate is signed by the run's own CA
    ...(options.headers && { headers: options.headers }),
  });
  const requests: RecordedRequest[] = [];
  const recorded = new Map<Request, RecordedRequest>();
  context.on('request', (request) => {
    const entry = {
      method: request.method(),
      url: request.url(),
      headers: request.headers(),
      body: request.postDataBuffer(),
    };
    recorded.set(request, entry);
    requests.push(entry);
  });
  context.on('requestfailed', (request) => {
    const entry = recorded.get(request);
    if (entry !== undefined) entry.failure = request.failure()?.errorText ?? 'failed';
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    requests,
    close,
  };
}

/** Where the browser tests write screenshots and measurements (CI keeps it): `$SSTS_TEST_OUTPUT/web`. */
export function testOutputDir(): string {
  const dir = join(process.env['SSTS_TEST_OUTPUT'] ?? join(repoRoot(), 'test-output'), 'web');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** packages/web/dist/site, built by `pnpm build`. */
export function siteDir(): string {
  const dir = join(repoRoot(), 'packages/web/dist/site');
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`${dir} is missing: run \`pnpm build\` first`);
  return dir;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** "Any static host": serves a folder under `prefix` on 127.0.0.1, no headers beyond the content type. */
export async function serveStatic(
  dir: string,
  prefix: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const relative = path.startsWith(prefix)
      ? normalize(path.slice(prefix.length) || 'index.html')
      : undefined;
    if (relative === undefined || relative.startsWith('..')) {
      res.writeHead(404).end();
      return;
    }
    const file = relative.endsWith('/') ? join(relative, 'index.html') : relative;
    readFile(join(dir, file)).then(
      (body) =>
        res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SealInput {
  name: string;
  namespace: string;
  scope?: 'strict' | 'namespace-wide' | 'cluster-wide';
  /** Typed values (textarea) and files (file input), in row order. */
  items: ({ key: string; typed: string } | { key?: string; file: { name: string; bytes: Buffer } })[];
  labels?: string;
  annotations?: string;
  type?: string;
}

/** Fills the SealedSecret form the way a user does (typing, choosing files) and presses Seal. */
export async function fillAndSeal(page: Page, input: SealInput): Promise<string> {
  await page.waitForSelector('#seal:not([disabled])');
  await page.check('input[name=mode][value=secret]');
  await page.fill('#name', input.name);
  await page.fill('#namespace', input.namespace);
  await page.selectOption('#scope', input.scope ?? 'strict');
  for (const [index, item] of input.items.entries()) {
    if (index > 0) await page.click('#add-item');
    const row = await page.$$eval('.item-key', (keys) => keys.at(-1)?.id.replace(/-key$/, '') ?? '');
    if ('typed' in item) {
      await page.fill(`#${row}-key`, item.key);
      await page.fill(`#${row}-value`, item.typed);
    } else {
      if (item.key !== undefined) await page.fill(`#${row}-key`, item.key);
      await page.setInputFiles(`#${row}-file`, {
        name: item.file.name,
        mimeType: 'application/octet-stream',
        buffer: item.file.bytes,
      });
      // The value field is disabled once the file's bytes are read.
      await page.waitForSelector(`#${row}-value[disabled]`);
    }
  }
  if (input.type !== undefined || input.labels !== undefined || input.annotations !== undefined) {
    await page.click('#meta-section > summary');
    if (input.type !== undefined) await page.fill('#type', input.type);
    if (input.labels !== undefined) await page.fill('#labels', input.labels);
    if (input.annotations !== undefined) await page.fill('#annotations', input.annotations);
  }
  await page.click('#seal');
  await page.waitForSelector('#output-section:not([hidden])');
  return page.inputValue('#output');
}
