import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script without types
import { buildSite } from '../scripts/build.mjs';

interface Written {
  name: string;
  bytes: number;
  gzipBytes: number;
}

let dir: string;
let written: Written[];
const read = (name: string) => readFileSync(join(dir, name), 'utf8');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ssts-web-site-'));
  written = (await buildSite(dir)) as Written[];
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the built site', () => {
  it('is the page, one script, one stylesheet and an icon', () => {
    expect(written.map((f) => f.name).sort()).toEqual([
      'index.html',
      'ui/app.css',
      'ui/app.js',
      'ui/icon.svg',
    ]);
  });

  it('has no inline script, style or event handler, and only relative URLs (works under any path prefix)', () => {
    const html = read('index.html');
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]?.[1]).toContain('src="ui/app.js"');
    expect(scripts[0]?.[2]).toBe('');
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=|javascript:/i);
    const urls = [...html.matchAll(/\s(?:src|href|action)="([^"]*)"/g)].map((m) => m[1] ?? '');
    expect(urls.sort()).toEqual(['ui/app.css', 'ui/app.js', 'ui/icon.svg']);
  });

  it('declares the CSP in a meta element too, for static hosts that send none', () => {
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(read('index.html'))?.[1];
    expect(csp?.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      "connect-src 'self'",
      "base-uri 'none'",
      "form-action 'none'",
    ]);
  });

  it('needs no eval (the CSP has no unsafe-eval) and fetches nothing but the certificate', () => {
    const js = read('ui/app.js');
    expect(js).not.toMatch(
      /\beval\(|new Function\b|import\(|XMLHttpRequest|sendBeacon|WebSocket|EventSource/,
    );
    expect([...js.matchAll(/\bfetch\(/g)]).toHaveLength(1);
    expect(js).toContain('"v1/cert.pem"');
  });

  it('stays small: under 40 KiB gzipped in all (today about 29 KiB, most of it the yaml library)', () => {
    const gzip = written.reduce((sum, f) => sum + f.gzipBytes, 0);
    expect(gzip).toBeLessThan(40 * 1024);
  });
});
