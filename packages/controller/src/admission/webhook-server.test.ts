import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { issueCertificate } from '@ssts/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServingIdentity } from './serving-certificates.js';
import { buildWebhookServer, WEBHOOK_PATH } from './webhook-server.js';
import type { WebhookAnswer } from './webhook.js';

// RSA-2048: Node 24's OpenSSL refuses a 1024-bit key for a TLS server ("ee key too small").
function authority() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const now = Date.now();
  const certificatePem = issueCertificate({
    key: privateKey,
    selfSignKey: privateKey,
    commonName: 'test-ca',
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 3_600_000),
    serial: randomBytes(16),
    usage: 'ca',
  });
  const issue = (): ServingIdentity => {
    const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const cert = issueCertificate({
      key,
      issuer: { certificatePem, privateKey },
      commonName: '127.0.0.1',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3_600_000),
      serial: randomBytes(16),
      usage: 'server',
      hosts: ['127.0.0.1'],
    });
    return { key: key.export({ type: 'pkcs8', format: 'pem' }).toString(), cert, notAfter: new Date(now) };
  };
  return { ca: certificatePem, issue };
}

const ca = authority();
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

interface Reply {
  status: number;
  body: string;
  peerFingerprint: string;
}

function post(port: number, body: string | Buffer, contentType = 'application/json'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: WEBHOOK_PATH,
        method: 'POST',
        ca: ca.ca,
        agent: false,
        headers: { 'content-type': contentType },
      },
      (res) => {
        const chunks: Buffer[] = [];
        const peer = (res.socket as TLSSocket).getPeerX509Certificate();
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            peerFingerprint: peer?.fingerprint256 ?? '',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function start(review: (body: unknown) => Promise<WebhookAnswer>, bodyLimitBytes?: number) {
  const identity = ca.issue();
  const server = buildWebhookServer({
    webhook: { review },
    identity,
    log: pino({ level: 'silent' }),
    requestTimeoutMs: 5_000,
    ...(bodyLimitBytes !== undefined && { bodyLimitBytes }),
  });
  await server.listen({ host: '127.0.0.1', port: 0 });
  close = () => server.close();
  return { server, identity, port: (server.server.address() as AddressInfo).port };
}

const allowed: WebhookAnswer = {
  status: 200,
  body: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'u', allowed: true } },
  result: 'allowed',
};

describe('webhook HTTPS server', () => {
  it('answers a posted review over TLS with the certificate of its CA', async () => {
    const seen: unknown[] = [];
    const { port, identity } = await start((body) => {
      seen.push(body);
      return Promise.resolve(allowed);
    });
    const reply = await post(port, JSON.stringify({ kind: 'AdmissionReview' }));
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual(allowed.body);
    expect(seen).toEqual([{ kind: 'AdmissionReview' }]);
    expect(reply.peerFingerprint).toBe(new X509Certificate(identity.cert).fingerprint256);
  });

  it('refuses a body over the limit with 413 before the review runs, and non-JSON with 415', async () => {
    let reviews = 0;
    const { port } = await start(() => {
      reviews++;
      return Promise.resolve(allowed);
    }, 1024);
    const big = await post(port, JSON.stringify({ pad: 'x'.repeat(2048) }));
    expect(big.status).toBe(413);
    const yaml = await post(port, 'kind: AdmissionReview', 'application/yaml');
    expect(yaml.status).toBe(415);
    const broken = await post(port, '{"kind":');
    expect(broken.status).toBe(400);
    expect(reviews).toBe(0);
  });

  it('answers 400 with the reason for something that is not an AdmissionReview', async () => {
    const { port } = await start(() =>
      Promise.resolve({ status: 400, message: 'expected an admission.k8s.io/v1 AdmissionReview' }),
    );
    const reply = await post(port, '{}');
    expect(reply).toMatchObject({ status: 400, body: 'expected an admission.k8s.io/v1 AdmissionReview\n' });
  });

  it('setIdentity: new connections get the new certificate, without a restart', async () => {
    const { server, port, identity } = await start(() => Promise.resolve(allowed));
    const next = ca.issue();
    server.setIdentity(next);
    const reply = await post(port, '{}');
    expect(reply.status).toBe(200);
    expect(reply.peerFingerprint).toBe(new X509Certificate(next.cert).fingerprint256);
    expect(reply.peerFingerprint).not.toBe(new X509Certificate(identity.cert).fingerprint256);
  });
});
