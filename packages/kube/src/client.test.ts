import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, noCredentials, tokenFile, type Credentials } from './auth/credentials.js';
import { KubeClient, type KubeClientOptions } from './client.js';
import type { KubeError } from './errors.js';
import type { RestConfig } from './kubeconfig/client-config.js';
import type { RateLimiter } from './rate-limit.js';
import {
  kubeErrorOf,
  startServer,
  statusBody,
  type Handler,
  type TestServer,
} from './test-helpers/servers.js';

let server: TestServer & { handle(h: Handler): void };
beforeAll(async () => {
  server = await startServer((_req, res) => res.end('{}'));
});
afterAll(() => server.close());

function config(overrides: Partial<RestConfig> = {}): RestConfig {
  return {
    server: new URL(server.url),
    tls: {},
    credentials: bearerToken('t0k3n'),
    impersonation: {},
    proxyUrl: undefined,
    source: 'kubeconfig',
    ...overrides,
  };
}

async function client(options: KubeClientOptions = {}, overrides: Partial<RestConfig> = {}) {
  return KubeClient.create(config(overrides), { timeoutMs: 10_000, ...options });
}

function countingLimiter(): RateLimiter & { taken: number } {
  const limiter = {
    taken: 0,
    take: () => {
      limiter.taken++;
      return Promise.resolve();
    },
  };
  return limiter;
}

describe('KubeClient requests', () => {
  it('sends credentials, impersonation, user agent and JSON bodies; joins the server path', async () => {
    const c = await client(
      { userAgent: 'ssts-test/1' },
      {
        server: new URL(`${server.url}/k8s/clusters/c-1/`),
        impersonation: { 'Impersonate-User': 'jane', 'Impersonate-Group': ['a', 'b'] },
      },
    );
    server.handle((_req, res, body) => res.end(JSON.stringify({ echoed: JSON.parse(body) as unknown })));
    const answer = await c.json('POST', '/api/v1/namespaces/ns/things', {
      body: { x: 1 },
      query: { labelSelector: 'a=b', limit: undefined },
    });
    expect(answer).toEqual({ echoed: { x: 1 } });
    const seen = server.requests.at(-1);
    expect(seen?.url).toBe('/k8s/clusters/c-1/api/v1/namespaces/ns/things?labelSelector=a%3Db');
    expect(seen?.headers).toMatchObject({
      authorization: 'Bearer t0k3n',
      'impersonate-user': 'jane',
      'impersonate-group': 'a, b',
      'user-agent': 'ssts-test/1',
      'content-type': 'application/json',
      accept: 'application/json',
    });
    c.close();
  });

  it('classifies failures by status and reason and escapes control characters in Status messages', async () => {
    const c = await client();
    server.handle((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        statusBody(403, 'Forbidden', 'secrets is forbidden: \u001b[31mUser "x"\u001b[0m\ncannot\u0007 list'),
      );
    });
    const error = await kubeErrorOf(c.json('GET', '/api/v1/secrets'));
    expect(error).toMatchObject({ code: 'Forbidden', status: 403 });
    expect(error.message).toBe('secrets is forbidden: \\x1b[31mUser "x"\\x1b[0m\\ncannot\\x07 list');
    server.handle((_req, res) => {
      res.writeHead(404);
      res.end('<html>\u001b]0;pwned\u0007</html>\nmore');
    });
    const notFound = await kubeErrorOf(c.json('GET', '/nope'));
    expect(notFound.code).toBe('NotFound');
    expect(notFound.message).toBe('the server responded with status 404 (<html>\\x1b]0;pwned\\x07</html>)');
    c.close();
  });

  it('send(): resolves on a 2xx whose body is not JSON (it is not decoded), rejects by status and reason', async () => {
    const c = await client();
    server.handle((_req, res) => res.end('not json at all'));
    await expect(c.send('PUT', '/x/status', { body: { status: {} } })).resolves.toBeUndefined();
    await expect(c.json('PUT', '/x/status', { body: {} })).rejects.toThrow();
    server.handle((_req, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.end(statusBody(409, 'Conflict', 'the object has been modified'));
    });
    const error = await kubeErrorOf(c.send('PUT', '/x/status', { body: {} }));
    expect(error).toMatchObject({ code: 'Conflict', status: 409, message: 'the object has been modified' });
    c.close();
  });

  it('bounds a huge Status message', async () => {
    const c = await client();
    server.handle((_req, res) => {
      res.writeHead(422);
      res.end(statusBody(422, 'Invalid', 'x'.repeat(50_000)));
    });
    const error = await kubeErrorOf(c.json('PUT', '/x', { body: {} }));
    expect(error.code).toBe('Invalid');
    expect(error.message.length).toBeLessThan(4200);
    c.close();
  });

  it('waits for Retry-After on 429 and retries, taking a rate-limiter token per attempt', async () => {
    const limiter = countingLimiter();
    const c = await client({ rateLimiter: limiter });
    let calls = 0;
    server.handle((_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(429, { 'retry-after': '1' });
        res.end(statusBody(429, 'TooManyRequests', 'slow down'));
      } else res.end('{"ok":true}');
    });
    const started = performance.now();
    expect(await c.json('GET', '/busy')).toEqual({ ok: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls).toBe(2);
    expect(limiter.taken).toBe(2);
    c.close();
  });

  it('does not retry a 429 without Retry-After, gives up after maxRetries, and never waits past the deadline', async () => {
    const c = await client({ maxRetries: 3 });
    let calls = 0;
    server.handle((_req, res) => {
      calls++;
      res.writeHead(429);
      res.end(statusBody(429, 'TooManyRequests', 'no'));
    });
    expect((await kubeErrorOf(c.json('GET', '/a'))).code).toBe('TooManyRequests');
    expect(calls).toBe(1);
    calls = 0;
    server.handle((_req, res) => {
      calls++;
      res.writeHead(503, { 'retry-after': '0' });
      res.end(statusBody(503, 'ServiceUnavailable', 'later'));
    });
    expect((await kubeErrorOf(c.json('GET', '/b'))).code).toBe('ServerError');
    expect(calls).toBe(4);
    calls = 0;
    server.handle((_req, res) => {
      calls++;
      res.writeHead(429, { 'retry-after': '3600' });
      res.end(statusBody(429, 'TooManyRequests', 'come back in an hour'));
    });
    const error = await kubeErrorOf(c.json('GET', '/c', { timeoutMs: 2000 }));
    expect(error).toMatchObject({ code: 'TooManyRequests', retryAfterSeconds: 3600 });
    expect(calls).toBe(1);
    c.close();
  });

  it('gives a view with its own rate limiter over the same connections', async () => {
    const shared = countingLimiter();
    const status = countingLimiter();
    const c = await client({ rateLimiter: shared });
    const statusClient = c.withRateLimiter(status);
    server.handle((req, res) => res.end(JSON.stringify({ port: req.socket.remotePort })));
    const first = await c.json<{ port: number }>('GET', '/one');
    const second = await statusClient.json<{ port: number }>('PUT', '/two/status', { body: {} });
    expect([shared.taken, status.taken]).toEqual([1, 1]);
    expect(second.port).toBe(first.port); // the kept-alive connection is shared
    c.close();
  });

  it('caps request connections (maxSockets); watches and a view with its own connections are outside the cap', async () => {
    const held: { port: number; release(): void }[] = [];
    let heldTwo: () => void = () => undefined;
    const twoHeld = new Promise<void>((resolve) => (heldTwo = resolve));
    server.handle((req, res) => {
      const port = req.socket.remotePort ?? 0;
      if (req.url?.startsWith('/hold/') === true) {
        held.push({ port, release: () => res.end(JSON.stringify({ port })) });
        if (held.length === 2) heldTwo();
        if (held.length > 2) res.end(JSON.stringify({ port }));
      } else if (req.url?.startsWith('/w') === true) {
        res.end(`${JSON.stringify({ type: 'ADDED', object: { metadata: { name: String(port) } } })}\n`);
      } else res.end(JSON.stringify({ port }));
    });
    const c = await client({ maxSockets: 2 }, { credentials: noCredentials });
    try {
      // Two requests the server does not answer fill the cap; a third waits for one of their connections.
      const first = c.json<{ port: number }>('GET', '/hold/1');
      const second = c.json<{ port: number }>('GET', '/hold/2');
      await twoHeld;
      const third = c.json<{ port: number }>('GET', '/hold/3');
      // The lease renewal's view has connections of its own: answered while the capped pool is saturated.
      const lease = await (await c.withOwnConnections(undefined)).json<{ port: number }>('PUT', '/lease');
      // A watch does not take (nor wait for) a request connection.
      const watched: string[] = [];
      await c.watch('/w', { signal: new AbortController().signal, idleTimeoutMs: 10_000 }, (e) =>
        watched.push((e.object as { metadata: { name: string } }).metadata.name),
      );
      expect(held).toHaveLength(2); // the third request is still waiting for a connection
      const capped = held.map((h) => h.port);
      expect(capped).not.toContain(lease.port);
      expect(watched).toHaveLength(1);
      expect(capped).not.toContain(Number(watched[0]));
      for (const h of held.slice(0, 2)) h.release();
      const answers = await Promise.all([first, second, third]);
      expect(held).toHaveLength(3);
      // The third request went over one of the two capped connections once it was free.
      expect(capped).toContain(answers[2].port);
      expect(new Set(answers.map((a) => a.port)).size).toBe(2);
    } finally {
      c.close();
    }
  });

  it('closes the connections of views with their own pool when the client closes', async () => {
    const ports = new Set<number>();
    const closed = new Set<number>();
    server.handle((req, res) => {
      const port = req.socket.remotePort ?? 0;
      if (!ports.has(port)) req.socket.once('close', () => closed.add(port));
      ports.add(port);
      res.end('{}');
    });
    const c = await client({ maxSockets: 1 }, { credentials: noCredentials });
    const own = await c.withOwnConnections(undefined);
    await c.json('GET', '/a');
    await own.json('GET', '/b');
    expect(ports.size).toBe(2);
    c.close();
    await expect.poll(() => closed.size).toBe(2);
  });

  it('re-reads a token file after a 401', async () => {
    let reads = 0;
    const credentials: Credentials = tokenFile('/token', () =>
      Promise.resolve(Buffer.from(`token-${++reads}\n`)),
    );
    const c = await client({}, { credentials });
    server.handle((req, res) => {
      if (req.headers.authorization === 'Bearer token-1') {
        res.writeHead(401);
        res.end(statusBody(401, 'Unauthorized', 'Unauthorized'));
      } else res.end(JSON.stringify({ auth: req.headers.authorization }));
    });
    expect((await kubeErrorOf(c.json('GET', '/x'))).code).toBe('Unauthorized');
    expect(await c.json('GET', '/x')).toEqual({ auth: 'Bearer token-2' });
    expect(await c.json('GET', '/x')).toEqual({ auth: 'Bearer token-2' });
    expect(reads).toBe(2);
    c.close();
  });
});

describe('KubeClient.watch', () => {
  const watch = async (
    handler: Handler,
    options: { idleTimeoutMs?: number; maxLineBytes?: number; signal?: AbortSignal } = {},
  ) => {
    const c = await client({}, { credentials: noCredentials });
    server.handle(handler);
    const events: string[] = [];
    try {
      await c.watch(
        '/api/v1/secrets',
        {
          query: { resourceVersion: '5' },
          signal: options.signal ?? new AbortController().signal,
          idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
          ...(options.maxLineBytes === undefined ? {} : { maxLineBytes: options.maxLineBytes }),
        },
        (e) =>
          events.push(`${e.type}:${(e.object as { metadata?: { name?: string } }).metadata?.name ?? ''}`),
      );
      return { events };
    } catch (error) {
      return { events, error: error as KubeError };
    } finally {
      c.close();
    }
  };
  const line = (type: string, name: string): string =>
    `${JSON.stringify({ type, object: { metadata: { name } } })}\n`;

  it('streams events split across chunks until the server ends the watch', async () => {
    const result = await watch((_req, res) => {
      const text = line('ADDED', 'a') + line('MODIFIED', 'b');
      res.write(text.slice(0, 10));
      setTimeout(() => res.end(text.slice(10)), 20);
    });
    expect(result).toEqual({ events: ['ADDED:a', 'MODIFIED:b'] });
    expect(server.requests.at(-1)?.url).toBe('/api/v1/secrets?resourceVersion=5&watch=true');
  });

  it('fails with Gone on an ERROR event, keeping the events before it', async () => {
    const result = await watch((_req, res) => {
      res.write(line('ADDED', 'a'));
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`,
      );
    });
    expect(result.events).toEqual(['ADDED:a']);
    expect(result.error).toMatchObject({ code: 'Gone', message: 'too old' });
  });

  it('fails an oversize watch line at the bound, without waiting for its end', async () => {
    let sent = 0;
    const result = await watch(
      (_req, res) => {
        res.write(line('ADDED', 'a'));
        const chunk = Buffer.alloc(64 * 1024, 0x7b);
        const pump = (): void => {
          while (!res.destroyed && sent < 1024 ** 3) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
        };
        pump();
      },
      { maxLineBytes: 1024 * 1024 },
    );
    expect(result.events).toEqual(['ADDED:a']);
    expect(result.error?.code).toBe('TooLarge');
    expect(result.error?.message).toContain('an event is larger than the 1 MiB we read');
    expect(sent).toBeLessThan(64 * 1024 * 1024);
  });

  it('fails a silent watch after the idle timeout and resolves on abort', async () => {
    const idle = await watch((_req, res) => res.writeHead(200).flushHeaders(), { idleTimeoutMs: 300 });
    expect(idle.error?.code).toBe('Timeout');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 100);
    const aborted = await watch((_req, res) => res.writeHead(200).flushHeaders(), { signal: abort.signal });
    expect(aborted).toEqual({ events: [] });
  });

  it('ends the watch with the error of a handler that throws', async () => {
    const c = await client({}, { credentials: noCredentials });
    server.handle((_req, res) => res.end(line('ADDED', 'a') + line('ADDED', 'b')));
    const boom = new Error('handler failed');
    await expect(
      c.watch('/w', { signal: new AbortController().signal, idleTimeoutMs: 10_000 }, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    c.close();
  });

  it('leaves no idle timer on a pooled connection after a watch ends (many watches, one socket)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const c = await client({}, { credentials: noCredentials });
    server.handle((req, res) => res.end(line('ADDED', String(req.socket.remotePort))));
    const ports = new Set<string>();
    try {
      for (let i = 0; i < 15; i++) {
        await c.watch('/w', { signal: new AbortController().signal, idleTimeoutMs: 200 }, (e) =>
          ports.add((e.object as { metadata: { name: string } }).metadata.name),
        );
      }
      await new Promise((r) => setTimeout(r, 400)); // past the idle timeout: a leftover timer would fire now
      expect(ports.size).toBe(1);
      expect(await c.json('GET', '/after')).toBeDefined();
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      c.close();
    }
  });

  it('rejects a refused watch by status and reason', async () => {
    const result = await watch((_req, res) => {
      res.writeHead(403);
      res.end(statusBody(403, 'Forbidden', 'no watch for you'));
    });
    expect(result.error).toMatchObject({ code: 'Forbidden', message: 'no watch for you' });
  });
});
