import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFixture } from '@ssts/test-utils';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseControllerConfig } from '../config.js';
import type { Logger } from '../log.js';
import { ControllerMetrics } from '../metrics.js';
import { buildServer, type ServerDeps } from './server.js';
import { WEB_UI_CSP, loadWebUi, registerWebUi, webUiSiteDirectory } from './web-ui.js';

const site = mkdtempSync(join(tmpdir(), 'ssts-web-ui-'));
mkdirSync(join(site, 'ui'));
const FILES: Record<string, string> = {
  'index.html': '<!doctype html><title>page</title>',
  'ui/app.js': 'console.log(1);'.repeat(100),
  'ui/app.css': 'body{}',
  'ui/icon.svg': '<svg/>',
};
for (const [name, text] of Object.entries(FILES)) writeFileSync(join(site, name), text);
afterAll(() => rmSync(site, { recursive: true, force: true }));

function server(webUi: ServerDeps['webUi']) {
  return buildServer({
    log: pino({ level: 'silent' }) as Logger,
    metrics: new ControllerMetrics('test', { defaultMetrics: false }),
    certificatePem: () => readFixture('vectors', 'sealedsecret-4096', 'tls.crt'),
    latestPublicKey: () => undefined,
    unseal: () => Promise.reject(new Error('not used')),
    decryptorFor: () => () => Promise.reject(new Error('not used')),
    acceptDeprecatedV1Data: true,
    readiness: () => ({ ready: true, reasons: [] }),
    rateLimit: 2,
    rateLimitBurst: 2,
    readTimeoutMs: 120_000,
    writeTimeoutMs: 120_000,
    ...(webUi !== undefined && { webUi }),
  });
}

describe('--web-ui', () => {
  it('is on by default, off with --web-ui=false or SEALED_SECRETS_WEB_UI=false (Go bool syntax)', () => {
    const webUi = (argv: string[], env: Record<string, string> = {}) => {
      const parsed = parseControllerConfig(argv, env);
      return parsed.kind === 'run' ? parsed.config.webUi : undefined;
    };
    expect(webUi([])).toBe(true);
    expect(webUi(['--web-ui=false'])).toBe(false);
    expect(webUi(['--web-ui=false'], { SEALED_SECRETS_WEB_UI: 'true' })).toBe(false);
    expect(webUi([], { SEALED_SECRETS_WEB_UI: '0' })).toBe(false);
    expect(webUi(['--web-ui'], { SEALED_SECRETS_WEB_UI: 'false' })).toBe(true);
  });

  it('off (--web-ui=false): / is 404 as upstream', async () => {
    expect((await server(undefined).inject({ url: '/' })).statusCode).toBe(404);
  });

  it('serves the page and its assets with their types and the security headers', async () => {
    const app = server(await loadWebUi(site));
    const types: Record<string, string> = {
      '/': 'text/html; charset=utf-8',
      '/ui/app.js': 'text/javascript; charset=utf-8',
      '/ui/app.css': 'text/css; charset=utf-8',
      '/ui/icon.svg': 'image/svg+xml',
    };
    for (const [url, type] of Object.entries(types)) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toBe(type);
      expect(response.body).toBe(FILES[url === '/' ? 'index.html' : url.slice(1)]);
      expect(response.headers).toMatchObject({
        'content-security-policy': WEB_UI_CSP,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cross-origin-opener-policy': 'same-origin',
        'cache-control': 'no-cache',
      });
    }
    const head = await app.inject({ method: 'HEAD', url: '/' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
  });

  it('gzips when asked, answers 304 to a matching ETag, and has nothing else', async () => {
    const app = server(await loadWebUi(site));
    const zipped = await app.inject({ url: '/ui/app.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(zipped.rawPayload).toString()).toBe(FILES['ui/app.js']);
    expect(zipped.rawPayload.length).toBeLessThan((FILES['ui/app.js'] ?? '').length);
    const etag = String(zipped.headers['etag']);
    const again = await app.inject({ url: '/ui/app.js', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    for (const [method, url] of [
      ['POST', '/'],
      ['PUT', '/ui/app.js'],
      ['GET', '/index.html'],
      ['GET', '/ui/'],
      ['GET', '/ui/other.js'],
      ['GET', '/v1/decrypt'],
    ] as const) {
      expect((await app.inject({ method, url })).statusCode, `${method} ${url}`).toBe(404);
    }
  });

  it('registers GET routes for the page and its three assets only: no endpoint that takes a value', () => {
    const paths: string[] = [];
    registerWebUi({ get: (path) => paths.push(path) }, { assets: new Map() });
    expect(paths).toEqual(['/', '/ui/app.js', '/ui/app.css', '/ui/icon.svg']);
  });

  it('a page missing from the installation is a 503 that says so; the API keeps working', async () => {
    const missing = join(site, 'nope');
    const webUi = await loadWebUi(missing);
    expect(webUi).toEqual({ unavailable: `the sealing page is not built in this installation (${missing})` });
    const app = server(webUi);
    const response = await app.inject({ url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe(`the sealing page is not built in this installation (${missing})\n`);
    expect((await app.inject({ url: '/v1/cert.pem' })).statusCode).toBe(200);
  });

  it('finds the built page of @ssts/web, whose meta CSP is the header’s minus frame-ancestors', () => {
    const directory = webUiSiteDirectory();
    expect(directory).toMatch(/packages\/web\/dist\/site$/);
    const html = readFileSync(join(directory, '../../src/site/index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(`${meta}; frame-ancestors 'none'`).toBe(WEB_UI_CSP);
  });
});
