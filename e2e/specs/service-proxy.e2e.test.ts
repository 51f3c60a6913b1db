import { describe, expect, it } from 'vitest';
import { linkExists, netnsExists } from '../harness/netns.js';
import { createTestNamespace, exposeViaServiceProxy, kubeEndpoint, kubeRequest } from '../helpers/index.js';

// A tiny HTTP server that echoes method, URL and its own address, so the test can see where it was reached.
const ECHO_SERVER = `
const http = require('node:http');
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, local: req.socket.localAddress }));
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
});
