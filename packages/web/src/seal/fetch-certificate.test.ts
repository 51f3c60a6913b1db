import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateError } from './errors.js';
import { fetchCertificatePem } from './fetch-certificate.js';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    switch (req.url) {
      case '/ok':
        res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
        return res.end('-----BEGIN CERTIFICATE-----\n');
      case '/declared-huge':
        res.writeHead(200, { 'Content-Length': String(10 * 1024 * 1024) });
        return res.write('x'); // never finishes: the client must not wait for it
      case '/streamed-huge': {
        // No Content-Length: the limit must hold while reading. Stops by itself if the client kept reading.
        res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
        let sent = 0;
        const more = () => {
          while (sent < 8 * 1024 * 1024 && res.write('x'.repeat(16 * 1024))) sent += 16 * 1024;
          if (sent >= 8 * 1024 * 1024) res.end();
        };
        res.on('drain', more);
        return more();
      }
      case '/redirect':
        res.writeHead(302, { Location: '/ok' });
        return res.end();
      default:
        res.writeHead(404);
        return res.end('no');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(path: string): Promise<CertificateError> {
  try {
    await fetchCertificatePem(`${base}${path}`);
  } catch (error) {
    if (error instanceof CertificateError) return error;
    throw error;
  }
  throw new Error('expected a CertificateError');
}

describe('fetchCertificatePem', () => {
  it('returns the body', async () => {
    expect(await fetchCertificatePem(`${base}/ok`)).toBe('-----BEGIN CERTIFICATE-----\n');
  });

  it('stops at 64 KiB, whether the size is announced or streamed', async () => {
    expect((await failure('/declared-huge')).message).toBe(
      `cannot fetch ${base}/declared-huge: the answer is larger than 64 KiB`,
    );
    expect((await failure('/streamed-huge')).message).toBe(
      `cannot fetch ${base}/streamed-huge: the answer is larger than 64 KiB`,
    );
  });

  it('names the HTTP status, and follows no redirect', async () => {
    expect((await failure('/missing')).message).toBe(`cannot fetch ${base}/missing: HTTP 404`);
    expect((await failure('/redirect')).message).toBe(`cannot fetch ${base}/redirect: the request failed`);
  });
});
