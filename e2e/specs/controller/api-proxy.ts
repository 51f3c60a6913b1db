import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface ApiProxy {
  /** http://127.0.0.1:<port>: put it in a kubeconfig as the server (the bearer token passes through). */
  readonly url: string;
  /** Requests seen, as `METHOD path?watch` strings (`GET /apis/.../sealedsecrets watch`). */
  readonly requests: string[];
  /** Ends every open watch of `resource` and answers the next watch of it with a 410 `Expired` ERROR event. */
  expireWatches(resource: string): void;
  /**
   * Holds every request whose `METHOD path` matches until `release()` (e.g. namespace GETs, to keep a start-up
   * step pending as long as a test needs). `held()` counts the requests waiting.
   */
  hold(match: RegExp): { held(): number; release(): void };
  close(): Promise<void>;
}

/**
 * A plain-HTTP forwarding proxy in front of the e2e API server, so a test can see the controller's requests and
 * answer a watch the way kube-apiserver does when its resourceVersion is too old (compat §3: relist on 410).
 */
export async function startApiProxy(server: string, ca: string | Buffer): Promise<ApiProxy> {
  const requests: string[] = [];
  const openWatches = new Map<ServerResponse, { resource: string; end: () => void }>();
  const expiring = new Set<string>();
  const resourceOf = (url: URL): string => url.pathname.split('/').at(-1) ?? '';
  const holds: { match: RegExp; waiting: (() => void)[] | undefined }[] = [];

  const proxy = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const gate = holds.find(
      (h) => h.waiting !== undefined && h.match.test(`${req.method ?? ''} ${url.pathname}`),
    );
    if (gate?.waiting !== undefined) {
      // Paused so the body (if any) waits in the socket until the request is forwarded.
      req.pause();
      gate.waiting.push(() => forward(req, res, url));
      return;
    }
    forward(req, res, url);
  });

  const forward = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const watch = url.searchParams.get('watch') === 'true';
    requests.push(`${req.method ?? ''} ${url.pathname}${watch ? ' watch' : ''}`);
    if (watch && expiring.delete(resourceOf(url))) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const status = {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        message: `too old resource version: ${url.searchParams.get('resourceVersion') ?? ''} (999999)`,
        reason: 'Expired',
        code: 410,
      };
      res.end(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      return;
    }
    let endedByUs = false;
    const upstream = httpsRequest(
      new URL(`${url.pathname}${url.search}`, server),
      { method: req.method, headers: forwardedHeaders(req, server), ca, agent: false },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // Node buffers headers until the first write; a quiet watch must still get its 200 at once.
        res.flushHeaders();
        answer.on('error', () => undefined);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!endedByUs) res.destroy();
    });
    res.on('close', () => {
      openWatches.delete(res);
      upstream.destroy();
    });
    if (watch) {
      openWatches.set(res, {
        resource: resourceOf(url),
        end: () => {
          endedByUs = true;
          upstream.destroy();
          res.end();
        },
      });
    }
    req.pipe(upstream);
    req.resume();
  };
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    requests,
    expireWatches(resource) {
      expiring.add(resource);
      // A clean end of the stream, as when the server's watch timeout expires: the client re-watches at once.
      for (const watch of [...openWatches.values()]) if (watch.resource === resource) watch.end();
    },
    hold(match) {
      const gate: { match: RegExp; waiting: (() => void)[] | undefined } = { match, waiting: [] };
      holds.push(gate);
      return {
        held: () => gate.waiting?.length ?? 0,
        release: () => {
          const waiting = gate.waiting ?? [];
          gate.waiting = undefined;
          for (const go of waiting) go();
        },
      };
    },
    async close() {
      for (const res of openWatches.keys()) res.destroy();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** The client's headers minus hop-by-hop ones and compression (a gzipped watch would be buffered). */
function forwardedHeaders(req: IncomingMessage, server: string): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || ['connection', 'keep-alive', 'accept-encoding', 'host'].includes(name))
      continue;
    headers[name] = value;
  }
  headers['host'] = new URL(server).host;
  return headers;
}

/**
 * Writes a kubeconfig that reaches the API server through `proxy` as the e2e admin and returns its path.
 * client-node only allows a plain-HTTP server with TLS verification switched off.
 */
export function writeProxyKubeconfig(
  proxy: ApiProxy,
  cluster: { readonly dir: string; readonly token: string },
  name: string,
): string {
  const path = join(cluster.dir, `kubeconfig-proxy-${name}`);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'proxy', cluster: { server: proxy.url, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'admin', user: { token: cluster.token } }],
      contexts: [{ name: 'proxy', context: { cluster: 'proxy', user: 'admin' } }],
      'current-context': 'proxy',
    }),
    { mode: 0o600 },
  );
  return path;
}
