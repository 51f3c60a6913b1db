import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../test-helpers/memory-io.js';
import { CliError } from '../errors.js';
import { locateCert, readCertFromSource } from './cert-source.js';

const CERT_PATH = join(VECTOR_4096_DIR, 'tls.crt');
const CERT = readFileSync(CERT_PATH);

describe('readCertFromSource (compat §9.3 item 2)', () => {
  let url = '';
  const server = createServer((req, res) => {
    if (req.url === '/cert.pem') {
      res.writeHead(200);
      res.end(CERT);
    } else {
      res.writeHead(404);
      res.end('nope');
    }
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('returns identical bytes from a path, a file:// URL and an http:// URL', async () => {
    const { io } = memoryIo({ files: { [CERT_PATH]: CERT } });
    const fromPath = await readCertFromSource(CERT_PATH, io.fs);
    const fromFileUrl = await readCertFromSource(pathToFileURL(CERT_PATH).href, io.fs);
    const fromHttp = await readCertFromSource(`${url}/cert.pem`, io.fs);
    expect(fromPath.equals(CERT)).toBe(true);
    expect(fromFileUrl.equals(CERT)).toBe(true);
    expect(fromHttp.equals(CERT)).toBe(true);
  });

  it('reports a non-200 answer with the URL and status', async () => {
    const { io } = memoryIo();
    await expect(readCertFromSource(`${url}/missing`, io.fs)).rejects.toThrow(
      `cannot fetch "${url}/missing": 404 Not Found`,
    );
  });

  it('reports a non-200 answer with the reason phrase the server sent, as Go prints resp.Status', async () => {
    const teapot = createServer((_req, res) => {
      res.statusMessage = 'File not found';
      res.writeHead(404);
      res.end();
    });
    await new Promise<void>((resolve) => teapot.listen(0, '127.0.0.1', resolve));
    const at = `http://127.0.0.1:${(teapot.address() as AddressInfo).port}/c.pem`;
    try {
      await expect(readCertFromSource(at, memoryIo().io.fs)).rejects.toThrow(
        `cannot fetch "${at}": 404 File not found`,
      );
    } finally {
      teapot.close();
    }
  });

  it('reports a missing file like Go', async () => {
    const { io } = memoryIo();
    await expect(readCertFromSource('/no/such.pem', io.fs)).rejects.toThrow(
      'open /no/such.pem: no such file or directory',
    );
  });

  it('treats Windows drive letters and scheme-less text as paths', () => {
    expect(locateCert('C:\\certs\\c.pem')).toEqual({ kind: 'path', path: 'C:\\certs\\c.pem' });
    expect(locateCert('certs/c.pem')).toEqual({ kind: 'path', path: 'certs/c.pem' });
    expect(locateCert('https://h/c.pem').kind).toBe('url');
  });
});

describe('readCertFromSource over hostile or odd servers (issue 9 item 7, issue 10)', () => {
  const sockets = new Set<Socket>();
  let drip: NodeJS.Timeout | undefined;
  let served = 0;
  const hostile = createServer((req, res) => {
    if (req.url === '/never') return; // accept, read the request, never answer
    if (req.url === '/drip') {
      res.writeHead(200);
      drip = setInterval(() => res.write('-'), 500);
      return;
    }
    if (req.url === '/endless') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 0x2d);
      const pump = (): void => {
        while (!res.destroyed && served < 2 * 1024 ** 3) {
          served += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      return pump();
    }
    res.end(CERT);
  });
  hostile.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  let base = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    clearInterval(drip);
    for (const s of sockets) s.destroy();
    hostile.close();
  });
  const fs = () => memoryIo().io.fs;

  it('--request-timeout is a total deadline: a server that never answers fails at it', async () => {
    const started = performance.now();
    await expect(readCertFromSource(`${base}/never`, fs(), { requestTimeout: '1s' })).rejects.toThrow(
      `Get "${base}/never": request timed out after 1s (Client.Timeout exceeded while awaiting headers)`,
    );
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it('--request-timeout is a total deadline: one byte every 0.5 s fails at it too', async () => {
    await expect(readCertFromSource(`${base}/drip`, fs(), { requestTimeout: '1500ms' })).rejects.toThrow(
      'request timed out after 1.5s (Client.Timeout exceeded while reading body)',
    );
  });

  it('a 2 GiB body fails at the 1 MiB certificate bound, early', async () => {
    await expect(readCertFromSource(`${base}/endless`, fs())).rejects.toThrow(
      `Get "${base}/endless": the answer is larger than the 1 MiB we read`,
    );
    expect(served).toBeLessThan(64 * 1024 * 1024);
  });

  it('https:// against a plain-HTTP server is one clear line (Go: tls: first record does not look like a TLS handshake)', async () => {
    const url = `${base.replace('http:', 'https:')}/cert.pem`;
    const error = await readCertFromSource(url, fs()).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(CliError);
    expect((error as Error).message).toBe(
      `Get "${url}": tls: first record does not look like a TLS handshake`,
    );
  });

  it('reaches a port that fetch() would block as "bad port" (10080)', async () => {
    const onBlockedPort = createServer((_req, res) => res.end(CERT));
    const listening = await new Promise<boolean>((resolve) => {
      onBlockedPort.once('error', () => resolve(false));
      onBlockedPort.listen(10080, '127.0.0.1', () => resolve(true));
    });
    // 10080 is free on a normal machine; if something else holds it, port 6000 is on the same blocklist.
    if (!listening) await new Promise<void>((resolve) => onBlockedPort.listen(6000, '127.0.0.1', resolve));
    const port = (onBlockedPort.address() as AddressInfo).port;
    try {
      expect((await readCertFromSource(`http://127.0.0.1:${port}/cert.pem`, fs())).equals(CERT)).toBe(true);
    } finally {
      onBlockedPort.close();
    }
  });

  it('rejects a malformed --request-timeout', async () => {
    await expect(readCertFromSource(`${base}/cert.pem`, fs(), { requestTimeout: 'soon' })).rejects.toThrow(
      'invalid request timeout "soon"',
    );
  });
});
