import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HELM_BUILD_TIMEOUT_MS,
  controllerContainer,
  findObject,
  helmBin,
  helmTemplate,
  helmTemplateResult,
  parseObjects,
  repoRoot,
  type TemplateOptions,
} from './helm.js';

// webUi.enabled and the Ingress: the sealing page must be reachable through the chart's existing Ingress values,
// and turning it off must leave the chart as upstream's (no page, only ingress.path routed).

beforeAll(() => {
  helmBin();
}, HELM_BUILD_TIMEOUT_MS);

interface IngressPath {
  path: string;
  pathType: 'Exact' | 'Prefix' | 'ImplementationSpecific';
  backend: { service: { name: string; port: { name: string } } };
}

function ingressPaths(options: TemplateOptions): IngressPath[] {
  const ingress = findObject(parseObjects(helmTemplate(options)), 'Ingress') as unknown as {
    spec: { rules: { http: { paths: IngressPath[] } }[] };
  };
  return ingress.spec.rules[0]?.http.paths ?? [];
}

/** networking.k8s.io/v1 matching; ImplementationSpecific is taken as Prefix (ingress-nginx), the widest reading. */
function routed(paths: readonly IngressPath[], url: string): boolean {
  const elements = (p: string) => p.split('/').filter((e) => e !== '');
  return paths.some(({ path, pathType }) => {
    if (pathType === 'Exact') return url === path;
    const prefix = elements(path);
    return prefix.every((element, i) => elements(url)[i] === element);
  });
}

/** Every URL the page requests when opened at `/`: its relative links, and the certificate it fetches. */
function pageUrls(): string[] {
  const html = readFileSync(join(repoRoot, 'packages/web/src/site/index.html'), 'utf8');
  const links = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
  return ['/', ...[...links, 'v1/cert.pem'].map((link) => new URL(link, 'https://host/').pathname)];
}

describe('webUi', () => {
  it('on by default: the controller flag is left at its default (true); false passes --web-ui=false', () => {
    expect(controllerContainer(parseObjects(helmTemplate())).args).not.toContain('--web-ui=false');
    const off = controllerContainer(parseObjects(helmTemplate({ values: { 'webUi.enabled': false } })));
    expect(off.args?.at(-1)).toBe('--web-ui=false');
  });

  it('with the Ingress: routes the page, its assets and the certificate, never /v1/verify or /v1/rotate', () => {
    expect(pageUrls()).toEqual(['/', '/ui/icon.svg', '/ui/app.css', '/ui/app.js', '/v1/cert.pem']);
    for (const path of ['/v1/cert.pem', '/sealed-secrets/cert']) {
      const paths = ingressPaths({ values: { 'ingress.enabled': true, 'ingress.path': path } });
      for (const url of pageUrls()) expect(routed(paths, url), `${path}: ${url}`).toBe(true);
      for (const url of ['/v1/verify', '/v1/rotate', '/healthz', '/readyz', '/metrics'])
        expect(routed(paths, url), `${path}: ${url}`).toBe(false);
      for (const p of paths) expect(p.backend.service.port.name).toBe('http');
    }
  });

  it('adds nothing when ingress.path already routes everything, or when the page is off', () => {
    expect(
      ingressPaths({
        values: { 'ingress.enabled': true, 'ingress.path': '/', 'ingress.pathType': 'Prefix' },
      }),
    ).toMatchObject([{ path: '/', pathType: 'Prefix' }]);
    const off = ingressPaths({ values: { 'ingress.enabled': true, 'webUi.enabled': false } });
    expect(off).toMatchObject([{ path: '/v1/cert.pem', pathType: 'ImplementationSpecific' }]);
    expect(off).toHaveLength(1);
  });

  it('is checked by the schema', () => {
    const wrong = helmTemplateResult({ values: { 'webUi.enabled': 'yes' } });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('webUi');
    const unknown = helmTemplateResult({ values: { 'webUi.path': '/ui/' } });
    expect(unknown.status).not.toBe(0);
  });
});
