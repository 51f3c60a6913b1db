import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken } from '../auth/credentials.js';
import { KubeClient } from '../client.js';
import { startServer, type TestServer } from '../test-helpers/servers.js';
import { bypassesProxy, proxyFor } from './proxy.js';

describe('proxy selection (Go httpproxy rules)', () => {
  it.each([
    ['https://api.example.com', '*', true],
    ['https://api.example.com', 'example.com', true],
    ['https://api.example.com', '.example.com', true],
    ['https://example.com', '.example.com', false],
    ['https://api.example.com', '*.example.com', true],
    ['https://api.example.org', 'example.com', false],
    ['https://10.1.2.3:6443', '10.0.0.0/8', true],
    ['https://10.1.2.3:6443', '10.1.2.4', false],
    ['https://api.example.com:6443', 'api.example.com:443', false],
    ['https://api.example.com:6443', 'api.example.com:6443', true],
    ['http://127.0.0.1:8001', '', true],
    ['http://localhost:8001', '', true],
  ])('%s with NO_PROXY=%j bypasses: %s', (url, noProxy, expected) => {
    expect(bypassesProxy(new URL(url), noProxy)).toBe(expected);
  });

  it('prefers the kubeconfig proxy-url, else HTTPS_PROXY/HTTP_PROXY by scheme', () => {
    const target = new URL('https://api.example.com');
    expect(proxyFor(target, 'socks5://p:1080', { HTTPS_PROXY: 'http://env:3128' })?.href).toBe(
      'socks5://p:1080',
    );
    expect(proxyFor(target, undefined, { https_proxy: 'env:3128' })?.href).toBe('http://env:3128/');
    expect(proxyFor(target, undefined, { HTTP_PROXY: 'http://env:3128' })).toBeUndefined();
    expect(
      proxyFor(target, undefined, { HTTPS_PROXY: 'http://env:3128', NO_PROXY: 'example.com' }),
    ).toBeUndefined();
    expect(
      proxyFor(new URL('http://127.0.0.1:1'), undefined, { HTTP_PROXY: 'http://env:3128' }),
    ).toBeUndefined();
  });
});

describe('requests through a proxy', () => {
  let target: TestServer;
  let proxy: Server;
  const tunnels: string[] = [];
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    target = await startServer((req, res) => res.end(JSON.stringify({ auth: req.headers.authorization })));
    // A CONNECT proxy, as squid or any corporate proxy answers it.
    proxy = createServer();
    proxy.on('connect', (req, client: Socket) => {
      tunnels.push(req.url ?? '');
      const [host = '', port = ''] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    proxy.close();
    await target.close();
  });

  it('tunnels API requests through the kubeconfig proxy-url, credentials included', async () => {
    const client = await KubeClient.create(
      {
        server: new URL(target.url),
        tls: {},
        credentials: bearerToken('via-proxy'),
        impersonation: {},
        proxyUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        source: 'kubeconfig',
      },
      { timeoutMs: 10_000 },
    );
    try {
      expect(await client.json('GET', '/api')).toEqual({ auth: 'Bearer via-proxy' });
      expect(tunnels).toEqual([`127.0.0.1:${target.port}`]);
    } finally {
      client.close();
    }
  });
});
