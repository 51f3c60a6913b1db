import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSecret, waitForSynced, type SealedSecret } from '../controller/support.js';
import { applySealedSecret, useProxiedController, type ProxiedController } from '../kubeseal/support.js';
import { UPSTREAM_BUILD_TIMEOUT_MS, startGoController, upstreamBinaries } from '../interop/upstream.js';
import { fillAndSeal, launchBrowser, serveStatic, siteDir, type Browser } from './browser.js';

// The page as a standalone folder on "any static host" (no controller behind it, no CSP header: the meta CSP
// applies), with the upstream Go controller's certificate loaded from a file: what it seals must unseal in the
// Go controller (the oracle), the same way as kubeseal's output does.

const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const TYPED = 'line one\r\nline two\n';

let ns: string;
let controller: ProxiedController;
let browser: Browser;
let site: { url: string; close(): Promise<void> };
let dir: string;

// startGoController builds the upstream binaries on first use (hence the longer hook budget).
const fixture = useProxiedController(
  'web-goctl-',
  (namespace) => startGoController(namespace, { args: ['--key-renew-period', '0'] }),
  UPSTREAM_BUILD_TIMEOUT_MS,
);

beforeAll(async () => {
  // The oracle is upstream's newest release, the compatibility target.
  expect((await upstreamBinaries()).dir).toMatch(/\/v0\.40\.0$/);
  ({ ns, controller, dir } = fixture);
  site = await serveStatic(siteDir(), '/static/sealing/');
  browser = await launchBrowser();
}, UPSTREAM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await site?.close();
});

describe('a SealedSecret sealed by the standalone page', () => {
  it('is unsealed by the Go v0.40.0 controller, for strict and namespace-wide scopes', async () => {
    const { page } = browser;
    const from = browser.requests.length;
    await page.goto(site.url);
    // No controller here: the page says so and asks for a certificate.
    await expect.poll(() => page.textContent('#cert-status')).toContain('HTTP 404');
    expect(await page.getAttribute('#cert-other', 'open')).not.toBeNull();
    const certPath = join(dir, 'cert.pem');
    writeFileSync(certPath, await controller.certPem());
    await page.setInputFiles('#cert-file', certPath);
    await page.click('#cert-use');
    await expect.poll(() => page.textContent('#cert-status')).toContain('Ready');
    expect(await page.textContent('#cert-source')).toBe('file cert.pem (loaded by you)');

    for (const scope of ['strict', 'namespace-wide'] as const) {
      const name = `page-${scope}`;
      await page.goto('about:blank');
      await page.goBack();
      await page.setInputFiles('#cert-file', certPath);
      await page.click('#cert-use');
      await page.check('input[name=format][value=json]');
      const json = await fillAndSeal(page, {
        name,
        namespace: ns,
        scope,
        items: [
          { key: 'typed.txt', typed: TYPED },
          { key: 'bin.dat', file: { name: 'whatever.bin', bytes: BINARY } },
        ],
        labels: 'app=interop',
      });
      const ss = JSON.parse(json) as SealedSecret;
      await applySealedSecret(ss);
      const synced = await waitForSynced(ns, name, (c) => c.status !== 'Unknown', 45_000);
      expect(synced.status?.conditions?.[0], controller.exposure.logsTail(20)).toMatchObject({
        status: 'True',
      });
      const secret = await getSecret(ns, name);
      // The browser's textarea turns CRLF into LF, as HTML specifies; files keep every byte.
      expect(Buffer.from(secret?.data?.['typed.txt'] ?? '', 'base64').toString()).toBe(
        'line one\nline two\n',
      );
      expect(Buffer.from(secret?.data?.['bin.dat'] ?? '', 'base64').equals(BINARY)).toBe(true);
      expect(secret?.metadata.labels).toEqual({ app: 'interop' });
    }

    // The standalone page asked its host for the page, its assets and v1/cert.pem (404) only.
    const paths = browser.requests
      .slice(from)
      .filter((r) => r.url.startsWith(site.url))
      .map((r) => r.url.slice(site.url.length) || '<page>');
    expect([...new Set(paths)].sort()).toEqual([
      '<page>',
      'ui/app.css',
      'ui/app.js',
      'ui/icon.svg',
      'v1/cert.pem',
    ]);
    expect(
      browser.requests.slice(from).filter((r) => !r.url.startsWith(site.url) && r.url !== 'about:blank'),
    ).toEqual([]);
  });
});
