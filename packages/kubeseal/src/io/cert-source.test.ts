import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo } from '../test-helpers/memory-io.js';
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
