import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { X509Certificate } from 'node:crypto';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeErrorOf, startServer } from '../test-helpers/servers.js';
import { HttpConnection, MAX_HEADER_BYTES } from './connection.js';
import { sendRequest } from './request.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/**
 * A TCP server on 127.0.0.1 that answers every request with `answer` (raw bytes), then closes the connection when
 * `after` says so or the answer says `Connection: close`.
 */
async function rawServer(answer: (request: string) => string, after: 'keep' | 'close' = 'keep') {
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    sockets.add(socket);
    let seen = '';
    socket.on('data', (d: Buffer) => {
      seen += d.toString('latin1');
      const end = seen.indexOf('\r\n\r\n');
      if (end < 0) return;
      const request = seen.slice(0, end);
      seen = seen.slice(end + 4);
      const bytes = answer(request);
      socket.write(bytes);
      if (after === 'close' || bytes.includes('Connection: close')) socket.end();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url, connections: () => sockets.size };
}

function get(connection: HttpConnection, url: string, maxBodyBytes = 1024 * 1024) {
  return sendRequest({ url: new URL(url), method: 'GET', timeoutMs: 5000, maxBodyBytes, connection });
}

describe('HttpConnection (kubeseal: a few requests on one connection, without node:http)', () => {
  it('sends the requests one after another on one kept-alive connection, with the headers and body given', async () => {
    const server = await startServer((req, res, body) => res.end(`${req.method} ${req.url} ${body}`));
    closers.push(() => server.close());
    const connection = new HttpConnection(new URL(server.url), {});
    closers.push(async () => connection.close());
    const first = await get(connection, `${server.url}/a?x=1`);
    const second = await sendRequest({
      url: new URL(`${server.url}/b`),
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer t' },
      body: '{"k":"ü"}',
      timeoutMs: 5000,
      maxBodyBytes: 1024,
      connection,
    });
    expect(first.body.toString()).toBe('GET /a?x=1 ');
    expect(second.body.toString()).toBe('POST /b {"k":"ü"}');
    expect(server.requests[1]?.headers).toMatchObject({
      host: new URL(server.url).host,
      authorization: 'Bearer t',
      'content-length': String(Buffer.byteLength('{"k":"ü"}')),
    });
  });

  it('reads Content-Length, chunked and until-close bodies, and gives headers as node:http does', async () => {
    const server = await rawServer((request) => {
      const path = request.split(' ')[1];
      if (path === '/chunked')
        return 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\nX-A: 2\r\nSet-Cookie: a\r\nSet-Cookie: b\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n';
      if (path === '/close') return 'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close';
      return 'HTTP/1.1 200 Fine\r\nContent-Length: 5\r\nContent-Type: text/plain\r\nContent-Type: other\r\n\r\nhello';
    });
    const connection = new HttpConnection(new URL(server.url), {});
    closers.push(async () => connection.close());
    const fixed = await get(connection, `${server.url}/fixed`);
    expect(fixed).toMatchObject({
      status: 200,
      statusMessage: 'Fine',
      headers: { 'content-type': 'text/plain' },
    });
    expect(fixed.body.toString()).toBe('hello');
    const chunked = await get(connection, `${server.url}/chunked`);
    expect(chunked.body.toString()).toBe('abcde');
    expect(chunked.headers).toMatchObject({ 'x-a': '1, 2', 'set-cookie': ['a', 'b'] });
    expect(server.connections()).toBe(1);
    const close = await get(connection, `${server.url}/close`);
    expect(close.body.toString()).toBe('until close');
    // After a body read until close, the next request opens a new connection.
    expect((await get(connection, `${server.url}/fixed`)).body.toString()).toBe('hello');
  });

  it.each([
    [
      'a head over the bound',
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES)}\r\n\r\n`,
      'Parse Error: Header overflow',
    ],
    [
      'a head that never ends',
      `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEADER_BYTES + 10)}`,
      'Parse Error: Header overflow',
    ],
    ['not HTTP', 'SSH-2.0-OpenSSH\r\n\r\n', 'Parse Error: Expected HTTP/'],
    [
      'a header folded over two lines',
      'HTTP/1.1 200 OK\r\nX-A: 1\r\n  2\r\n\r\n',
      'Parse Error: Invalid header value char',
    ],
    [
      'two different Content-Lengths',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
      'Parse Error: Duplicate Content-Length',
    ],
    [
      'a negative Content-Length',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'Parse Error: Invalid character in Content-Length',
    ],
    [
      'a chunk size that is not hex',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'Parse Error: Invalid character in chunk size',
    ],
    [
      'a chunk size line that never ends',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'0'.repeat(5000)}`,
      'Parse Error: Chunk header overflow',
    ],
    [
      'a body cut short',
      'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc',
      'EOF (the server closed the connection)',
    ],
  ])(
    'refuses %s with one line (Network), never hangs or buffers without bound',
    async (_what, answer, reason) => {
      const server = await rawServer(() => answer, answer.includes('abc') ? 'close' : 'keep');
      const connection = new HttpConnection(new URL(server.url), {});
      closers.push(async () => connection.close());
      const error = await kubeErrorOf(get(connection, `${server.url}/x`));
      expect(error.code).toBe('Network');
      expect(error.message).toBe(`Get "${server.url}/x": ${reason}`);
    },
  );

  it('refuses a header value that would break the request framing, before sending anything', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    closers.push(() => server.close());
    const connection = new HttpConnection(new URL(server.url), {});
    closers.push(async () => connection.close());
    const request = sendRequest({
      url: new URL(`${server.url}/x`),
      method: 'GET',
      headers: { Authorization: 'Bearer t\r\nX-Injected: 1' },
      timeoutMs: 5000,
      maxBodyBytes: 10,
      connection,
    });
    await expect(request).rejects.toMatchObject({ code: 'ERR_INVALID_CHAR' });
    expect(server.requests).toHaveLength(0);
  });

  it('sends an idempotent request once more when the kept-alive connection was closed by the server', async () => {
    let attempts = 0;
    const server = await startServer((req, res) => {
      attempts++;
      if (attempts === 2) req.socket.destroy();
      else res.end(`answer ${attempts}`);
    });
    closers.push(() => server.close());
    const connection = new HttpConnection(new URL(server.url), {});
    closers.push(async () => connection.close());
    expect((await get(connection, `${server.url}/one`)).body.toString()).toBe('answer 1');
    expect((await get(connection, `${server.url}/two`)).body.toString()).toBe('answer 3');
  });

  it('verifies the server certificate against the CA it was given, and nothing is sent to an unverified server', async () => {
    let served = 0;
    const alpn: (string | false | null)[] = [];
    const tls = createTlsServer(
      {
        cert: readFileSync(join(VECTOR_4096_DIR, 'tls.crt')),
        key: readFileSync(join(VECTOR_4096_DIR, 'tls.key')),
        // A server that would speak HTTP/2 if asked: the connection offers no ALPN, so it answers in HTTP/1.1.
        ALPNProtocols: ['h2', 'http/1.1'],
      },
      (req, res) => {
        served++;
        alpn.push((req.socket as TLSSocket).alpnProtocol);
        res.end('secret');
      },
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    });
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
    const untrusted = new HttpConnection(new URL(url), {});
    closers.push(async () => untrusted.close());
    const error = await kubeErrorOf(get(untrusted, url));
    expect(error.message).toBe(
      `Get "${url}": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
    );
    expect(served).toBe(0);
    // The vector's certificate names no IP, so even with its CA trusted the name check fails for 127.0.0.1.
    const wrongName = new HttpConnection(new URL(url), {
      ca: readFileSync(join(VECTOR_4096_DIR, 'tls.crt')),
    });
    closers.push(async () => wrongName.close());
    expect((await kubeErrorOf(get(wrongName, url))).code).toBe('Network');
    expect(served).toBe(0);
    const insecure = new HttpConnection(new URL(url), { rejectUnauthorized: false });
    closers.push(async () => insecure.close());
    expect((await get(insecure, url)).body.toString()).toBe('secret');
    expect(alpn).toEqual([false]);
  });
  it('opens a new connection when the client certificate changes, and keeps it for the same bytes', async () => {
    const vectorCert = readFileSync(join(VECTOR_4096_DIR, 'tls.crt'));
    const vectorKey = readFileSync(join(VECTOR_4096_DIR, 'tls.key'));
    let connections = 0;
    // Asks for a client certificate without verifying it, and says which one each request came with, on which connection.
    const tls = createTlsServer(
      { cert: vectorCert, key: vectorKey, requestCert: true, rejectUnauthorized: false },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.end(`${connectionOf.get(req.socket) ?? '?'} ${peer.fingerprint256 ?? 'none'}`);
      },
    );
    const connectionOf = new WeakMap<object, number>();
    tls.on('secureConnection', (socket: TLSSocket) => connectionOf.set(socket, ++connections));
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    });
    const url = new URL(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/`);
    const connection = new HttpConnection(url, { rejectUnauthorized: false });
    closers.push(async () => connection.close());
    const as = async (cert?: Buffer, key?: Buffer) =>
      (
        await sendRequest({
          url,
          method: 'GET',
          timeoutMs: 5000,
          maxBodyBytes: 1024,
          connection,
          tls: { rejectUnauthorized: false, ...(cert && key ? { cert, key } : {}) },
        })
      ).body.toString();
    const fingerprint = new X509Certificate(vectorCert).fingerprint256;
    expect(await as()).toBe('1 none');
    expect(await as(vectorCert, vectorKey)).toBe(`2 ${fingerprint}`);
    // Equal bytes in other buffers are the same identity: the connection is kept.
    expect(await as(Buffer.from(vectorCert), Buffer.from(vectorKey))).toBe(`2 ${fingerprint}`);
    expect(await as()).toBe('3 none');
  });
});
