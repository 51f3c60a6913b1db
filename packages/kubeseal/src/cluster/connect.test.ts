import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../test-helpers/fake-apiserver.js';
import { clusterFlags } from '../test-helpers/cluster-flags.js';
import { memoryIo } from '../test-helpers/memory-io.js';
import { apiClient, connectController } from './connect.js';
import { parseRequestTimeout, type ClusterFlags } from './controller-client.js';

const base: ClusterFlags = clusterFlags({ kubeconfig: '/kubeconfig' });

describe('connectController (compat §5.4)', () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer({ certificate: 'PEM', verify: () => 409 });
  });
  afterAll(() => server.close());

  const fsWith = () => memoryIo({ files: { '/kubeconfig': kubeconfigFor(server.url) } }).io.fs;

  it('looks the Service up, then uses the proxy path with its first port name and the bearer token', async () => {
    server.requests.length = 0;
    const client = await connectController(fsWith(), base, {});
    expect((await client.fetchCertificate()).toString()).toBe('PEM');
    expect((await client.verify('{"a":1}')).status).toBe(409);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/v1/namespaces/kube-system/services/sealed-secrets-controller',
      'GET /api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/cert.pem',
      'POST /api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/v1/verify',
    ]);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer test-token')).toBe(true);
    expect(server.requests[1]?.headers.accept).toBe('application/x-pem-file, */*');
    expect(server.requests[2]?.headers['content-type']).toBe('application/json');
    expect(server.requests[2]?.body).toBe('{"a":1}');
  });

  it('loads node:tls before it reads the kubeconfig (Node reads its root certificates meanwhile)', async () => {
    const steps: string[] = [];
    const fs = fsWith();
    const readFile = fs.readFile.bind(fs);
    fs.readFile = (path, maxBytes) => {
      steps.push(`read ${path}`);
      return readFile(path, maxBytes);
    };
    const real = process.getBuiltinModule.bind(process);
    const lookup = vi.spyOn(process, 'getBuiltinModule').mockImplementation(((id: string) => {
      steps.push(id);
      return real(id);
    }) as typeof process.getBuiltinModule);
    try {
      await apiClient(fs, base, {});
    } finally {
      lookup.mockRestore();
    }
    expect(steps.indexOf('node:tls')).toBeGreaterThanOrEqual(0);
    expect(steps.indexOf('node:tls')).toBeLessThan(steps.indexOf('read /kubeconfig'));
  });

  it('keeps the trailing colon when the first port is unnamed', async () => {
    server.requests.length = 0;
    const client = await connectController(fsWith(), { ...base, controllerName: 'unnamed-port' }, {});
    await client.fetchCertificate();
    expect(server.requests[1]?.path).toBe(
      '/api/v1/namespaces/kube-system/services/http:unnamed-port:/proxy/v1/cert.pem',
    );
  });

  it('applies --token and impersonation overrides', async () => {
    server.requests.length = 0;
    await connectController(
      fsWith(),
      { ...base, token: 'override', as: 'jane', asGroup: ['g1', 'g2'], asUid: '42' },
      {},
    );
    const headers = server.requests[0]?.headers ?? {};
    expect(headers.authorization).toBe('Bearer override');
    expect(headers['impersonate-user']).toBe('jane');
    expect(headers['impersonate-uid']).toBe('42');
    expect(headers['impersonate-group']).toBe('g1, g2');
  });

  it('reports a missing Service with the upstream text and hint', async () => {
    const attempt = connectController(fsWith(), { ...base, controllerNamespace: 'other' }, {});
    await expect(attempt).rejects.toMatchObject({
      message: 'cannot get sealed secret service: services "sealed-secrets-controller" not found.',
      hints: [
        'Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller',
      ],
    });
  });
});

describe("connectController with certificateFirst (ours: one API round trip for the chart's Service)", () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer({ certificate: 'PEM', verify: () => 200 });
  });
  afterAll(() => server.close());

  const fsWith = () => memoryIo({ files: { '/kubeconfig': kubeconfigFor(server.url) } }).io.fs;
  const sent = () => server.requests.map((r) => `${r.method} ${r.path}`);
  const ks = '/api/v1/namespaces/kube-system/services';

  it('asks the proxy with port name `http` at once, and later calls use that port without a lookup', async () => {
    server.requests.length = 0;
    const client = await connectController(fsWith(), base, {}, undefined, { certificateFirst: true });
    expect(server.requests).toEqual([]);
    expect((await client.fetchCertificate()).toString()).toBe('PEM');
    expect((await client.verify('{}')).status).toBe(200);
    expect(sent()).toEqual([
      `GET ${ks}/http:sealed-secrets-controller:http/proxy/v1/cert.pem`,
      `POST ${ks}/http:sealed-secrets-controller:http/proxy/v1/verify`,
    ]);
    expect(server.requests[0]?.headers.accept).toBe('application/x-pem-file, */*');
  });

  it("falls back to upstream's lookup when the Service has another first port", async () => {
    server.requests.length = 0;
    const flags = { ...base, controllerName: 'unnamed-port' };
    const client = await connectController(fsWith(), flags, {}, undefined, { certificateFirst: true });
    expect((await client.fetchCertificate()).toString()).toBe('PEM');
    await client.verify('{}');
    expect(sent()).toEqual([
      `GET ${ks}/http:unnamed-port:http/proxy/v1/cert.pem`,
      `GET ${ks}/unnamed-port`,
      `GET ${ks}/http:unnamed-port:/proxy/v1/cert.pem`,
      `POST ${ks}/http:unnamed-port:/proxy/v1/verify`,
    ]);
  });

  it("a missing Service still gives upstream's text and hint", async () => {
    const flags = { ...base, controllerName: 'nope' };
    const client = await connectController(fsWith(), flags, {}, undefined, { certificateFirst: true });
    await expect(client.fetchCertificate()).rejects.toMatchObject({
      message: 'cannot get sealed secret service: services "nope" not found.',
      hints: [
        'Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller',
      ],
    });
  });

  it('a controller without endpoints is reported from the first answer once the lookup confirms the port', async () => {
    server.requests.length = 0;
    const flags = { ...base, controllerName: 'broken-controller' };
    const client = await connectController(fsWith(), flags, {}, undefined, { certificateFirst: true });
    await expect(client.fetchCertificate()).rejects.toMatchObject({
      message: expect.stringMatching(/^cannot fetch certificate: .*no endpoints available/) as unknown,
    });
    expect(sent()).toEqual([
      `GET ${ks}/http:broken-controller:http/proxy/v1/cert.pem`,
      `GET ${ks}/broken-controller`,
    ]);
  });

  it('a timeout is reported at once, not waited out a second time for the lookup', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    let requests = 0;
    silent.on('request', () => requests++);
    const fs = memoryIo({ files: { '/kubeconfig': kubeconfigFor(url) } }).io.fs;
    try {
      const flags = { ...base, requestTimeout: '1s' };
      const client = await connectController(fs, flags, {}, undefined, { certificateFirst: true });
      await expect(client.fetchCertificate()).rejects.toMatchObject({
        message: `cannot fetch certificate: Get "${url}${ks}/http:sealed-secrets-controller:http/proxy/v1/cert.pem": request timed out after 1s (Client.Timeout exceeded while awaiting headers)`,
      });
      expect(requests).toBe(1);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('connectController bounds', () => {
  it('--request-timeout is a total deadline for API server requests', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const fs = memoryIo({ files: { '/kubeconfig': kubeconfigFor(url) } }).io.fs;
    try {
      await expect(connectController(fs, { ...base, requestTimeout: '1s' }, {})).rejects.toMatchObject({
        message: `cannot get sealed secret service: Get "${url}/api/v1/namespaces/kube-system/services/sealed-secrets-controller": request timed out after 1s (Client.Timeout exceeded while awaiting headers).`,
      });
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });
});

describe('parseRequestTimeout', () => {
  it.each([
    ['0', 0],
    ['5', 5000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1h', 3_600_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseRequestTimeout(text)).toBe(ms);
  });
  it('rejects junk', () => {
    expect(() => parseRequestTimeout('soon')).toThrow('invalid request timeout "soon"');
  });
});
