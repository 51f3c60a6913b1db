// The sealing page (packages/web) on the API server, behind --web-ui: GET / and its three assets, read once at
// start-up and served from memory. The page seals in the browser; nothing here receives or decrypts a value.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The page's own script and style, `fetch` only to its origin (v1/cert.pem), never framed. */
export const WEB_UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': WEB_UI_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
  // Revalidate every time (ETag): a controller upgrade must never leave an old script with a new page.
  'Cache-Control': 'no-cache',
};

/** URL path → file in the built site, and its type. Relative links in index.html resolve to these. */
const ROUTES: readonly (readonly [path: string, file: string, type: string])[] = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/ui/app.js', 'ui/app.js', 'text/javascript; charset=utf-8'],
  ['/ui/app.css', 'ui/app.css', 'text/css; charset=utf-8'],
  ['/ui/icon.svg', 'ui/icon.svg', 'image/svg+xml'],
];

interface Asset {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly type: string;
  readonly etag: string;
}

/** The page's files in memory, or why they could not be read (then the routes answer 503). */
export type WebUi = { readonly assets: ReadonlyMap<string, Asset> } | { readonly unavailable: string };

/** `packages/web/dist/site` of the installed @ssts/web (a dependency of the controller, built by `pnpm build`). */
export function webUiSiteDirectory(): string {
  return join(dirname(createRequire(import.meta.url).resolve('@ssts/web/package.json')), 'dist', 'site');
}

export async function loadWebUi(directory = webUiSiteDirectory()): Promise<WebUi> {
  const assets = new Map<string, Asset>();
  try {
    for (const [path, file, type] of ROUTES) {
      const body = await readFile(join(directory, file));
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
      assets.set(path, { body, gzip: gzipSync(body, { level: 9 }), type, etag });
    }
  } catch (error) {
    const reason = (error as { code?: unknown }).code === 'ENOENT' ? 'not built' : 'unreadable';
    return { unavailable: `the sealing page is ${reason} in this installation (${directory})` };
  }
  return { assets };
}

/** The part of a fastify instance this needs (whatever its logger type). */
interface RouteTarget {
  get(path: string, handler: (request: FastifyRequest, reply: FastifyReply) => FastifyReply): unknown;
}

/** GET/HEAD `/`, `/ui/app.js`, `/ui/app.css`, `/ui/icon.svg`; gzip when accepted; 304 on a matching ETag. */
export function registerWebUi(app: RouteTarget, webUi: WebUi): void {
  for (const [path] of ROUTES) {
    app.get(path, (request: FastifyRequest, reply: FastifyReply) => {
      reply.headers(SECURITY_HEADERS);
      if ('unavailable' in webUi) {
        return reply.code(503).type('text/plain; charset=utf-8').send(`${webUi.unavailable}\n`);
      }
      const asset = webUi.assets.get(path);
      if (asset === undefined) return reply.code(404).send();
      reply.header('ETag', asset.etag).header('Vary', 'Accept-Encoding').type(asset.type);
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
        return reply.header('Content-Encoding', 'gzip').send(asset.gzip);
      }
      return reply.send(asset.body);
    });
  }
}
