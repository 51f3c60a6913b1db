import { readFileSync } from 'node:fs';
import { parseCertificatePem, publicKeyFingerprint, sealSecret } from '@ssts/core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { keySecrets, startOurController } from '../kubeseal/support.js';
import {
  createTestNamespace,
  exposeViaServiceProxy,
  kubeEndpoint,
  kubeJson,
  kubeRequest,
  waitFor,
  type ServiceProxyExposure,
} from '../../helpers/index.js';
import { createSealedSecret, plainSecret, waitForSynced, type SealedSecret } from './support.js';

/**
 * Issue 18 part 3 against kube-apiserver v1.34.4: what its service proxy tells a backend about the caller, and the
 * controller's audit trail for requests that come that way (a named static-token user, and an impersonated one),
 * for unsealing and for key events, with no secret material anywhere in the captured log.
 */

const USER = 'e2e-user';

/** Lets `users` reach every Service of `namespace` through the API server's service proxy. */
async function allowServiceProxy(namespace: string, users: readonly string[]): Promise<void> {
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
  await kubeJson(kubeEndpoint(), 'POST', `${rbac}/roles`, {
    body: {
      metadata: { name: 'service-proxier' },
      rules: [{ apiGroups: [''], resources: ['services/proxy'], verbs: ['get', 'create'] }],
    },
  });
  await kubeJson(kubeEndpoint(), 'POST', `${rbac}/rolebindings`, {
    body: {
      metadata: { name: 'service-proxier' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'service-proxier' },
      subjects: users.map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })),
    },
  });
}

// Answers with the request headers it received, exactly as they arrived.
const HEADER_ECHO = `
require('node:http').createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ headers: req.rawHeaders, remote: req.socket.remoteAddress }));
}).listen(Number(process.env.PORT), process.env.HOST);
`;

describe("what kube-apiserver's service proxy passes to the backend about the caller", () => {
  it('no identity: Authorization, impersonation and X-Remote-* are consumed or stripped; X-Forwarded-For and X-Forwarded-Uri are added', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-audit-proxy-' });
    const exposure = await exposeViaServiceProxy({
      endpoint: kubeEndpoint(),
      namespace: ns,
      serviceName: 'echo',
      command: process.execPath,
      args: ['-e', HEADER_ECHO],
    });
    onTestFinished(() => exposure.stop());
    await allowServiceProxy(ns, [USER, 'alice']);

    const seen = async (user: string | undefined, headers: Record<string, string>) => {
      const res = await kubeRequest(kubeEndpoint(user), 'POST', exposure.proxyPath('/v1/verify?q=1'), {
        body: { a: 1 },
        headers,
      });
      expect(res.status, res.body).toBe(200);
      const { headers: raw, remote } = JSON.parse(res.body) as { headers: string[]; remote: string };
      const byName = new Map<string, string[]>();
      for (let i = 0; i < raw.length; i += 2) {
        const name = (raw[i] ?? '').toLowerCase();
        byName.set(name, [...(byName.get(name) ?? []), raw[i + 1] ?? '']);
      }
      return { byName, remote };
    };
    const proxyUri = exposure.proxyPath('/v1/verify');

    // A named static-token user: nothing about who it is reaches the backend.
    const plain = await seen(USER, { 'User-Agent': 'kubeseal/test' });
    expect([...plain.byName.keys()].sort()).toEqual([
      'accept',
      'accept-encoding',
      'content-length',
      'content-type',
      'host',
      'user-agent',
      'x-forwarded-for',
      'x-forwarded-uri',
    ]);
    expect(plain.byName.get('x-forwarded-for')).toEqual(['127.0.0.1']);
    // The path the client called, without the query string.
    expect(plain.byName.get('x-forwarded-uri')).toEqual([proxyUri]);
    expect(plain.byName.get('user-agent')).toEqual(['kubeseal/test']);
    // The TCP peer is the API server (its side of the test's veth pair).
    expect(plain.remote).toMatch(/^10\.213\.\d+\.\d+$/);

    // Impersonation is resolved by the API server and the headers are dropped: the backend cannot tell.
    const impersonated = await seen(undefined, {
      'Impersonate-User': 'alice',
      'Impersonate-Group': 'auditors',
      'Impersonate-Extra-Reason': 'audit-test',
    });
    expect(
      [...impersonated.byName.keys()].filter((n) => /^(impersonate-|x-remote-|authorization)/.test(n)),
    ).toEqual([]);

    // Forged front-proxy identity headers are stripped; other made-up headers and X-Forwarded-For pass through.
    const forged = await seen(USER, {
      'X-Remote-User': 'system:admin',
      'X-Remote-Group': 'system:masters',
      'X-Remote-Extra-Scopes': 'all',
      'X-Forwarded-User': 'mallory',
      'X-Forwarded-For': '203.0.113.9',
    });
    expect([...forged.byName.keys()].filter((n) => n.startsWith('x-remote-'))).toEqual([]);
    expect(forged.byName.get('x-forwarded-user')).toEqual(['mallory']);
    expect(forged.byName.get('x-forwarded-for')).toEqual(['203.0.113.9, 127.0.0.1']);
  });
});

interface AuditRecord {
  level: number;
  time: string;
  audit: true;
  event: 'unseal' | 'verify' | 'rotate' | 'key';
  outcome: 'success' | 'failure';
  object?: { namespace: string; name: string; uid?: string };
  fingerprint?: string;
  newFingerprint?: string;
  status?: number;
  action?: string;
  trigger?: string;
  request?: {
    method: string;
    path: string;
    remoteAddress: string | null;
    forwardedFor: string[];
    forwardedUri?: string;
    userAgent?: string;
    identityHeaders?: Record<string, string[]>;
  };
  error?: string;
  msg: string;
}

function auditLines(exposure: ServiceProxyExposure): AuditRecord[] {
  return readFileSync(exposure.process.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes('"audit":true'))
    .map((line) => JSON.parse(line) as AuditRecord);
}

describe('the audit trail of the built controller behind the service proxy', () => {
  it(
    'one line per unseal, verify, rotate and key event, naming the caller as far as the proxy lets it, never a value',
    { timeout: 180_000 },
    async () => {
      const ns = await createTestNamespace({ prefix: 'ctl-audit-' });
      // Default log flags (text at INFO): the audit lines are the JSON lines among them. Metrics on the pod
      // address so the test can read them (the last --listen-metrics-addr wins).
      const controller = await startOurController(ns, {
        args: ['--key-renew-period', '0', '--listen-metrics-addr', '{host}:9091'],
      });
      onTestFinished(() => controller.stop());
      const { exposure } = controller;
      await allowServiceProxy(ns, [USER, 'alice']);
      const certPem = await controller.certPem();
      const firstKey = publicKeyFingerprint(parseCertificatePem(certPem).publicKey);
      const [keySecret] = await keySecrets(ns);
      const secretValues = { password: 'correct-horse-battery-staple', token: 's3cr3t-t0k3n-e2e-audit' };
      const sealed = (name: string): SealedSecret => ({
        ...sealSecret(plainSecret(ns, name, secretValues), {
          publicKey: parseCertificatePem(certPem).publicKey,
        }),
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
      });

      // unseal: the controller turns a SealedSecret into a Secret.
      const db = await createSealedSecret(sealed('db'));
      await waitForSynced(ns, 'db', (c) => c.status === 'True');

      // verify as a named user, with a client-chosen X-Forwarded-For the API server appends to.
      const verify = await kubeRequest(kubeEndpoint(USER), 'POST', exposure.proxyPath('/v1/verify'), {
        body: sealed('api'),
        headers: { 'User-Agent': 'kubeseal/e2e-audit', 'X-Forwarded-For': '198.51.100.23' },
      });
      expect(verify.status).toBe(200);
      // verify of something another key sealed: 409.
      const foreign = await kubeRequest(kubeEndpoint(USER), 'POST', exposure.proxyPath('/v1/verify'), {
        body: { ...sealed('api'), metadata: { namespace: ns, name: 'renamed' } },
      });
      expect(foreign.status).toBe(409);

      // SIGUSR1: a new sealing key.
      process.kill(controller.pid, 'SIGUSR1');
      const secondKey = await waitFor(
        async () => {
          const res = await kubeRequest(kubeEndpoint(), 'GET', exposure.proxyPath('/v1/cert.pem'));
          const fp = res.status === 200 && publicKeyFingerprint(parseCertificatePem(res.body).publicKey);
          return fp !== firstKey && fp;
        },
        { timeoutMs: 60_000, description: 'the key generated on SIGUSR1' },
      );

      // rotate as admin impersonating alice: re-encrypted from the first key to the second.
      const rotate = await kubeRequest(kubeEndpoint(), 'POST', exposure.proxyPath('/v1/rotate'), {
        body: sealed('api'),
        headers: { 'Impersonate-User': 'alice', 'Impersonate-Group': 'auditors' },
      });
      expect(rotate.status, rotate.body).toBe(200);

      await waitFor(async () => auditLines(exposure).length >= 6, { description: 'six audit lines' });
      const lines = auditLines(exposure);
      const proxyTo = (path: string) => ({
        method: 'POST',
        path,
        remoteAddress: expect.stringMatching(/^10\.213\.\d+\.\d+$/),
        forwardedUri: exposure.proxyPath(path),
      });
      expect(lines.map((l) => [l.event, l.outcome, l.action ?? l.status ?? ''])).toEqual([
        ['key', 'success', 'generated'],
        ['unseal', 'success', ''],
        ['verify', 'success', 200],
        ['verify', 'failure', 409],
        ['key', 'success', 'generated'],
        ['rotate', 'success', 200],
      ]);
      const [generated, unseal, verified, refused, signal, rotated] = lines;
      expect(generated).toMatchObject({
        trigger: 'initial',
        object: { namespace: ns, name: keySecret?.metadata.name },
        fingerprint: firstKey,
      });
      expect(unseal).toMatchObject({
        object: { namespace: ns, name: 'db', uid: db.metadata.uid },
        fingerprint: firstKey,
        secret: 'created',
      });
      expect(verified).toMatchObject({
        object: { namespace: ns, name: 'api' },
        fingerprint: firstKey,
        request: {
          ...proxyTo('/v1/verify'),
          forwardedFor: ['198.51.100.23', '127.0.0.1'],
          userAgent: 'kubeseal/e2e-audit',
        },
      });
      expect(refused).toMatchObject({
        object: { namespace: ns, name: 'renamed' },
        request: { ...proxyTo('/v1/verify'), forwardedFor: ['127.0.0.1'] },
        error: 'no key could decrypt secret (password, token)',
      });
      expect(signal).toMatchObject({ trigger: 'signal', fingerprint: secondKey });
      expect(rotated).toMatchObject({
        fingerprint: firstKey,
        newFingerprint: secondKey,
        request: { ...proxyTo('/v1/rotate'), forwardedFor: ['127.0.0.1'] },
      });
      // Neither the static-token user nor the impersonation reaches the controller (see the test above).
      for (const line of lines) expect(line.request?.identityHeaders).toBeUndefined();
      for (const line of lines) expect(line.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

      // The key metrics agree: two keys, the SIGUSR1 one sealing.
      const metrics = await (await fetch(`http://${exposure.podIp}:9091/metrics`)).text();
      expect(metrics).toContain(`sealed_secrets_controller_key_sealing{fingerprint="${secondKey}"} 1`);
      expect(metrics).toContain(`sealed_secrets_controller_key_sealing{fingerprint="${firstKey}"} 0`);
      expect(metrics).toContain('sealed_secrets_controller_key_renew_period_seconds 0');

      // Nothing secret anywhere in the whole captured output: values, their base64, the private keys.
      const log = readFileSync(exposure.process.logPath, 'utf8');
      const keys = await keySecrets(ns);
      expect(keys).toHaveLength(2);
      const forbidden = [
        ...Object.values(secretValues),
        ...Object.values(secretValues).map((v) => Buffer.from(v).toString('base64')),
        ...Object.values(sealed('x').spec.encryptedData).map((v) => v.slice(0, 32)),
        ...Object.values(db.spec.encryptedData).map((v) => v.slice(0, 32)),
        ...keys.flatMap((k) => {
          const pem = Buffer.from(k.data?.['tls.key'] ?? '', 'base64').toString();
          // Every base64 line of the PEM body, and the stored base64 of the whole PEM.
          return [
            ...pem.split('\n').filter((l) => /^[A-Za-z0-9+/=]{40,}$/.test(l)),
            k.data?.['tls.key'] ?? '',
          ];
        }),
        'PRIVATE KEY',
      ];
      expect(forbidden.length).toBeGreaterThan(20);
      for (const material of forbidden) expect(log.includes(material), material.slice(0, 24)).toBe(false);
    },
  );
});
