import http from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kubeErrorOf, startServer, type TestServer } from '../test-helpers/servers.js';
import { sendRequest, type HttpRequest, type HttpResponse } from './request.js';
import { HttpConnection } from './connection.js';

let server: TestServer & { handle(h: Parameters<typeof startServer>[0]): void };
const timers: NodeJS.Timeout[] = [];

beforeAll(async () => {
  server = await startServer((_req, res) => res.end('ok'));
});
afterEach(() => {
  for (const t of timers.splice(0)) clearInterval(t);
});
afterAll(() => server.close());

// Every bound holds alike through node:http and through the single connection (connection.ts) that kubeseal uses.
const TRANSPORTS = [
  ['node:http', () => undefined],
  ['one HttpConnection', () => new HttpConnection(new URL(server.url), {})],
] as const;

describe.each(TRANSPORTS)('sendRequest bounds (hostile servers on 127.0.0.1), %s', (_name, connectionOf) => {
  let connection: HttpConnection | undefined;
  afterEach(() => {
    connection?.close();
    connection = undefined;
  });
  const get = (path: string, extra: Partial<HttpRequest> = {}): Promise<HttpResponse> => {
    connection ??= connectionOf();
    return sendRequest({
      url: new URL(path, server.url),
      method: 'GET',
      timeoutMs: 0,
      maxBodyBytes: 1024 * 1024,
      connection,
      ...extra,
    });
  };

  it('fails a server that never answers at the total deadline', async () => {
    server.handle(() => undefined);
    const started = performance.now();
    const error = await kubeErrorOf(get('/never', { timeoutMs: 1000 }));
    const elapsed = performance.now() - started;
    expect(error.code).toBe('Timeout');
    expect(error.message).toBe(
      `Get "${server.url}/never": request timed out after 1s (Client.Timeout exceeded while awaiting headers)`,
    );
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(10_000); // liveness only
  });

  it('fails a server that sends one byte every 0.5 s at the deadline, not at the first silence', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      timers.push(setInterval(() => res.write('x'), 500));
    });
    const started = performance.now();
    const error = await kubeErrorOf(get('/drip', { timeoutMs: 2000 }));
    expect(error.code).toBe('Timeout');
    expect(error.message).toContain(
      'request timed out after 2s (Client.Timeout exceeded while reading body)',
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(1950);
  });

  it('without a deadline, fails a connection silent for the inactivity bound; each chunk restarts the bound', async () => {
    // Six bytes 200 ms apart take longer than the 1 s bound, and succeed: every chunk restarts it.
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-length': '6' });
      let sent = 0;
      const timer = setInterval(() => {
        if (++sent < 6) return void res.write('x');
        clearInterval(timer);
        res.end('x');
      }, 200);
      timers.push(timer);
    });
    const started = performance.now();
    const drip = await get('/drip-slowly', { inactivityTimeoutMs: 1000 });
    expect(drip.body.toString()).toBe('xxxxxx');
    expect(performance.now() - started).toBeGreaterThanOrEqual(1150);
    // Silence after the headers, and before them, fails at the bound with the phase it stopped in.
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-length': '6' });
      res.write('x');
    });
    const body = await kubeErrorOf(get('/silent-body', { inactivityTimeoutMs: 1000 }));
    expect(body.code).toBe('Timeout');
    expect(body.message).toBe(`Get "${server.url}/silent-body": no data for 1s while reading body`);
    server.handle(() => undefined);
    const head = await kubeErrorOf(get('/silent-head', { inactivityTimeoutMs: 1000 }));
    expect(head.message).toBe(`Get "${server.url}/silent-head": no data for 1s while awaiting headers`);
  });

  it('stops an endless body at the cap, long before the server could send 2 GiB, without buffering it', async () => {
    let sent = 0;
    let closed: () => void = () => undefined;
    const serverDone = new Promise<void>((resolve) => (closed = resolve));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    server.handle((_req, res) => {
      res.writeHead(200); // no content-length: a stream that claims nothing
      const pump = (): void => {
        while (sent < 2 * 1024 ** 3 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('close', closed);
      pump();
    });
    const rssBefore = process.memoryUsage().rss;
    const error = await kubeErrorOf(get('/endless', { maxBodyBytes: 4 * 1024 * 1024 }));
    await serverDone;
    expect(error.code).toBe('TooLarge');
    expect(error.message).toBe(`Get "${server.url}/endless": the answer is larger than the 4 MiB we read`);
    // What the server managed to push before we hung up: the cap plus socket buffers, not gigabytes.
    expect(sent).toBeLessThan(64 * 1024 * 1024);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    server.handle((_req, res) => {
      res.writeHead(200, { 'content-length': String(2 * 1024 ** 3) });
      res.write('x');
    });
    const error = await kubeErrorOf(get('/declared', { maxBodyBytes: 1024 }));
    expect(error.code).toBe('TooLarge');
    expect(error.message).toContain('larger than the 1 KiB we read');
  });

  it('reads error answers only up to their own cap, without failing', async () => {
    server.handle((_req, res) => {
      res.writeHead(500);
      res.end(Buffer.alloc(200_000, 0x62));
    });
    const response = await get('/error', { maxErrorBodyBytes: 1000 });
    expect(response.status).toBe(500);
    expect(response.body.length).toBe(1000);
  });

  it('returns the reason phrase the server sent', async () => {
    server.handle((_req, res) => {
      res.statusMessage = 'File not found';
      res.writeHead(404);
      res.end();
    });
    expect(await get('/x')).toMatchObject({ status: 404, statusMessage: 'File not found' });
  });

  it('aborts on the signal', async () => {
    server.handle(() => undefined);
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    expect((await kubeErrorOf(get('/abort', { signal: abort.signal }))).code).toBe('Aborted');
  });

  it('retries an idempotent request once when its pooled connection turns out to be dead', async () => {
    const agent = new http.Agent({ keepAlive: true });
    server.handle((_req, res) => res.end('fine'));
    await get('/one', { agent, connection: undefined });
    const firstSocket = server.requests.at(-1);
    let attempts = 0;
    // The server drops the kept-alive connection just as the next request arrives on it (as a server closing an
    // idle connection does); the request is sent again on a new connection.
    server.handle((req, res) => {
      attempts++;
      if (attempts === 1) req.socket.destroy();
      else res.end('again');
    });
    const response = await get('/two', { agent, connection: undefined });
    expect(firstSocket).toBeDefined();
    expect(attempts).toBe(2);
    expect(response.body.toString()).toBe('again');
    // A POST is not replayed: it may have been processed.
    attempts = 0;
    const post = kubeErrorOf(
      sendRequest({
        url: new URL('/three', server.url),
        method: 'POST',
        body: 'x',
        agent,
        timeoutMs: 0,
        maxBodyBytes: 10,
      }),
    );
    expect((await post).code).toBe('Network');
    expect(attempts).toBe(1);
    agent.destroy();
  });
});

describe('sendRequest error texts (Go net/http meaning, one line)', () => {
  it('connection refused', async () => {
    const closed = await startServer(() => undefined);
    await closed.close();
    const error = await kubeErrorOf(
      sendRequest({ url: new URL(`${closed.url}/c`), method: 'GET', timeoutMs: 5000, maxBodyBytes: 10 }),
    );
    expect(error.message).toBe(
      `Get "${closed.url}/c": dial tcp 127.0.0.1:${closed.port}: connect: connection refused`,
    );
  });

  it('https:// against a plain HTTP server', async () => {
    server.handle((_req, res) => res.end('plain'));
    const url = new URL(`https://127.0.0.1:${server.port}/cert.pem`);
    const error = await kubeErrorOf(sendRequest({ url, method: 'GET', timeoutMs: 5000, maxBodyBytes: 1024 }));
    expect(error.code).toBe('Network');
    expect(error.message).toBe(`Get "${url.href}": tls: first record does not look like a TLS handshake`);
    expect(error.message).not.toContain('\n');
  });

  it('an untrusted self-signed server certificate', async () => {
    const tls = createTlsServer(
      {
        cert: readFileSync(join(VECTOR_4096_DIR, 'tls.crt')),
        key: readFileSync(join(VECTOR_4096_DIR, 'tls.key')),
      },
      (_req, res) => res.end('secret'),
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    const url = new URL(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/`);
    try {
      const error = await kubeErrorOf(
        sendRequest({ url, method: 'GET', timeoutMs: 5000, maxBodyBytes: 1024 }),
      );
      expect(error.message).toBe(
        `Get "${url.href}": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
      );
      const insecure = await sendRequest({
        url,
        method: 'GET',
        timeoutMs: 5000,
        maxBodyBytes: 1024,
        tls: { rejectUnauthorized: false },
      });
      expect(insecure.body.toString()).toBe('secret');
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    }
  });

  it('reaches ports that browsers block (no fetch port blocklist)', async () => {
    let blocked: TestServer | undefined;
    try {
      blocked = await startServer((_req, res) => res.end('10080'), 10080);
    } catch {
      // Port taken on this machine: any port of the fetch blocklist proves the same; 6000 (X11) is another.
      blocked = await startServer((_req, res) => res.end('10080'), 6000);
    }
    try {
      const response = await sendRequest({
        url: new URL(`${blocked.url}/`),
        method: 'GET',
        timeoutMs: 5000,
        maxBodyBytes: 10,
      });
      expect(response.body.toString()).toBe('10080');
    } finally {
      await blocked.close();
    }
  });
});
