import { describe, expect, it } from 'vitest';
import { linkExists, netnsExists } from '../harness/netns.js';
import {
  createTestNamespace,
  e2eCluster,
  exposeReplicasViaServiceProxy,
  exposeViaServiceProxy,
  kubeEndpoint,
  kubeJson,
  kubeRequest,
  waitFor,
} from '../helpers/index.js';

// A tiny HTTP server that echoes method, URL and its own address, so the test can see where it was reached.
const ECHO_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, local: req.socket.localAddress }));
}).listen(Number(process.env.PORT), process.env.HOST);
`;

// Answers every request by asking the API server (same URL and CA as outside the netns) for /version.
const API_CALLING_SERVER = `
const http = require('node:http');
const https = require('node:https');
const fs = require('node:fs');
http.createServer((req, res) => {
  https.get(process.env.API_SERVER + '/version', { ca: fs.readFileSync(process.env.API_CA) }, (api) => {
    let body = '';
    api.on('data', (c) => (body += c));
    api.on('end', () => res.end(body));
  }).on('error', (e) => { res.statusCode = 502; res.end(String(e)); });
}).listen(Number(process.env.PORT), process.env.HOST);
`;

describe('exposeViaServiceProxy', () => {
  it.each([
    { portName: 'http', label: 'a named port' },
    { portName: '', label: 'an unnamed port (trailing colon, as kubeseal builds it)' },
  ])('reaches a server in a network namespace through the API server with $label', async ({ portName }) => {
    const namespace = await createTestNamespace({ prefix: 'e2e-proxy-' });
    const exposure = await exposeViaServiceProxy({
      endpoint: kubeEndpoint(),
      namespace,
      serviceName: 'echo',
      portName,
      command: process.execPath,
      args: ['-e', ECHO_SERVER],
    });
    try {
      expect(exposure.proxyName).toBe(`http:echo:${portName}`);
      const res = await kubeRequest(kubeEndpoint(), 'GET', exposure.proxyPath('/v1/cert.pem?x=1'));
      expect(res.status, `${res.body}\n${exposure.logsTail()}`).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ method: 'GET', url: '/v1/cert.pem?x=1', local: exposure.podIp });
      expect(exposure.podIp).toMatch(/^10\.213\.\d+\.\d+$/);

      const post = await kubeRequest(kubeEndpoint(), 'POST', exposure.proxyPath('/v1/verify'), {
        body: { a: 1 },
      });
      expect(post.status).toBe(200);
      expect(JSON.parse(post.body)).toMatchObject({ method: 'POST', url: '/v1/verify' });
    } finally {
      await exposure.stop();
    }
    expect(netnsExists(exposure.netns.name)).toBe(false);
    expect(linkExists(exposure.netns.hostInterface)).toBe(false);
    expect(exposure.process.isRunning()).toBe(false);
  });

  it('with apiServerAccess, lets the process reach the API server at the unchanged URL', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-proxy-' });
    const cluster = e2eCluster();
    const exposure = await exposeViaServiceProxy({
      endpoint: kubeEndpoint(),
      namespace,
      serviceName: 'api-caller',
      command: process.execPath,
      args: ['-e', API_CALLING_SERVER],
      env: { API_SERVER: cluster.server, API_CA: cluster.caPath },
      apiServerAccess: true,
    });
    try {
      const res = await kubeRequest(kubeEndpoint(), 'GET', exposure.proxyPath('/'));
      expect(res.status, `${res.body}\n${exposure.logsTail()}`).toBe(200);
      expect(JSON.parse(res.body)).toMatchObject({ gitVersion: expect.stringMatching(/^v1\.34\./) });
    } finally {
      await exposure.stop();
    }
  });

  it('is subject to RBAC: a plain authenticated user may not use the proxy', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-proxy-' });
    const exposure = await exposeViaServiceProxy({
      endpoint: kubeEndpoint(),
      namespace,
      serviceName: 'echo',
      command: process.execPath,
      args: ['-e', ECHO_SERVER],
    });
    try {
      const res = await kubeRequest(kubeEndpoint('e2e-user'), 'GET', exposure.proxyPath('/v1/cert.pem'));
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body)).toMatchObject({ reason: 'Forbidden' });
    } finally {
      await exposure.stop();
    }
  });

  it('puts several replicas behind one Service and takes a replica whose process died out of it', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-proxy-' });
    const exposed = await exposeReplicasViaServiceProxy({
      endpoint: kubeEndpoint(),
      namespace,
      serviceName: 'echo',
      replicas: 3,
      command: process.execPath,
      args: ['-e', ECHO_SERVER],
    });
    try {
      expect(exposed.replicas.map((r) => r.podName)).toEqual(['echo-0', 'echo-1', 'echo-2']);
      const reached = async (n: number): Promise<Set<string>> => {
        const seen = new Set<string>();
        for (let i = 0; i < n; i++) {
          const res = await kubeRequest(kubeEndpoint(), 'GET', exposed.proxyPath('/'));
          expect(res.status, res.body).toBe(200);
          seen.add((JSON.parse(res.body) as { local: string }).local);
        }
        return seen;
      };
      // The proxy picks a random ready address: 30 requests reach all three (a miss has odds below 1e-5).
      expect(await reached(30)).toEqual(new Set(exposed.replicas.map((r) => r.podIp)));
      const [dead, ...alive] = exposed.replicas;
      dead?.process.stop(0).catch(() => undefined);
      await dead?.process.exited;
      await waitFor(
        async () => {
          const eps = await kubeJson<{ subsets: { notReadyAddresses?: { ip: string }[] }[] }>(
            kubeEndpoint(),
            'GET',
            `/api/v1/namespaces/${namespace}/endpoints/echo`,
          );
          return eps.subsets[0]?.notReadyAddresses?.[0]?.ip === dead?.podIp;
        },
        { timeoutMs: 10_000, description: 'the dead replica to be not ready' },
      );
      expect(await reached(20)).toEqual(new Set(alive.map((r) => r.podIp)));
    } finally {
      await exposed.stop();
    }
  });
});
