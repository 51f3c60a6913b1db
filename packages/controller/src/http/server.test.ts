import { type SealedSecret } from '@ssts/core';
import { readJsonFixture } from '@ssts/test-utils';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../log.js';
import { ControllerMetrics } from '../metrics.js';
import { GcraLimiter } from './rate-limiter.js';
import { buildMetricsServer, parseListenAddress } from './server.js';
import {
  post,
  testCertPem as certPem,
  testServer,
  unsealWithTestKey as unseal,
} from './test-helpers/api-server.js';

const strict = readJsonFixture<SealedSecret>('vectors', 'sealedsecret-4096', 'sealed-strict.json');
const expected = readJsonFixture<Record<string, string>>(
  'vectors',
  'sealedsecret-4096',
  'expected-data.json',
);
const server = testServer;

describe('API server', () => {
  it('/healthz answers ok to any method', async () => {
    const { app } = server();
    for (const method of ['GET', 'POST'] as const) {
      const response = await app.inject({ method, url: '/healthz' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(response.body).toBe('ok\n');
    }
    expect((await app.inject({ url: '/nope' })).statusCode).toBe(404);
  });

  it('/readyz: 200 ok when ready; 503 "not ready" as upstream while bootstrapping, with our watch reasons', async () => {
    const ready = await server().app.inject({ url: '/readyz' });
    expect([ready.statusCode, ready.headers['content-type'], ready.body]).toEqual([
      200,
      'text/plain; charset=utf-8',
      'ok\n',
    ]);
    const bootstrapping = await server({ readiness: () => ({ ready: false, reasons: [] }) }).app.inject({
      method: 'POST',
      url: '/readyz',
    });
    expect([bootstrapping.statusCode, bootstrapping.body]).toEqual([503, 'not ready\n']);
    const watchDown = await server({
      readiness: () => ({ ready: false, reasons: ['watch down', 'x'.repeat(100_000)] }),
    }).app.inject({ url: '/readyz' });
    expect(watchDown.statusCode).toBe(503);
    expect(watchDown.body).toMatch(/^not ready: watch down; x+\.\.\. \[\d+ more bytes\]\n$/);
  });

  it('/v1/cert.pem serves the latest certificate, or 500 without keys', async () => {
    const response = await server().app.inject({ url: '/v1/cert.pem' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-pem-file');
    expect(response.body).toBe(certPem);
    const none = await server({ certificatePem: () => undefined }).app.inject({ url: '/v1/cert.pem' });
    expect(none.statusCode).toBe(500);
    expect(none.body).toBe('cannot get certificate\n');
    expect(none.headers['x-content-type-options']).toBe('nosniff');
  });

  it('/v1/verify: 200 decryptable, 409 not decryptable, 500 unparsable / not a SealedSecret / multi-document', async () => {
    const { app, tick } = server({ rateLimitBurst: 100 });
    expect((await app.inject(post('/v1/verify', strict))).statusCode).toBe(200);
    const renamed = { ...strict, metadata: { ...strict.metadata, name: 'other' } };
    expect((await app.inject(post('/v1/verify', renamed))).statusCode).toBe(409);
    tick(10_000);
    expect((await app.inject(post('/v1/verify', 'not: [valid'))).statusCode).toBe(500);
    expect(
      (await app.inject(post('/v1/verify', { apiVersion: 'v1', kind: 'Secret', metadata: {} }))).statusCode,
    ).toBe(500);
    const { apiVersion: _a, kind: _k, ...noTypeMeta } = strict;
    expect((await app.inject(post('/v1/verify', noTypeMeta))).statusCode).toBe(500);
    const twoDocs = `${JSON.stringify(strict)}\n---\n${JSON.stringify(strict)}\n`;
    expect(
      (await app.inject(post('/v1/verify', twoDocs, { 'content-type': 'application/yaml' }))).statusCode,
    ).toBe(500);
  });

  it('/v1/verify is rate limited per X-Forwarded-For: burst+1 in a row, then 429 with headers', async () => {
    const { app, tick } = server();
    const codes: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await app.inject(post('/v1/verify', strict, { 'x-forwarded-for': '10.0.0.1' }));
      codes.push(last.statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    expect(last?.body).toBe('limit exceeded\n');
    expect(last?.headers['x-ratelimit-limit']).toBe('3');
    expect(last?.headers['x-ratelimit-remaining']).toBe('0');
    expect(last?.headers['retry-after']).toBe('1');
    expect((await app.inject(post('/v1/verify', strict, { 'x-forwarded-for': '10.0.0.2' }))).statusCode).toBe(
      200,
    );
    tick(500);
    expect((await app.inject(post('/v1/verify', strict, { 'x-forwarded-for': '10.0.0.1' }))).statusCode).toBe(
      200,
    );
  });

  it('/v1/rotate re-encrypts with the latest key; the result unseals to the same data', async () => {
    const response = await server().app.inject(post('/v1/rotate', strict));
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('application/json');
    const rotated = JSON.parse(response.body) as SealedSecret;
    expect(rotated.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(rotated.kind).toBe('SealedSecret');
    expect(rotated.spec.encryptedData['username']).not.toBe(strict.spec.encryptedData['username']);
    expect((await unseal(rotated)).data).toEqual(expected);
    const bad = await server().app.inject(
      post('/v1/rotate', { ...strict, metadata: { ...strict.metadata, name: 'x' } }),
    );
    expect(bad.statusCode).toBe(500);
    expect(bad.body).toMatch(/^error decrypting secret\. no key could decrypt secret/);
  });

  it('/v1/rotate keeps the top-level scope of namespace-wide and cluster-wide input (compat §9.2 #5)', async () => {
    for (const scope of ['namespace-wide', 'cluster-wide'] as const) {
      const input = readJsonFixture<SealedSecret>('vectors', 'sealedsecret-4096', `sealed-${scope}.json`);
      const response = await server().app.inject(post('/v1/rotate', input));
      expect(response.statusCode).toBe(200);
      const rotated = JSON.parse(response.body) as SealedSecret;
      expect(rotated.metadata.annotations?.[`sealedsecrets.bitnami.com/${scope}`]).toBe('true');
      expect(rotated.spec.encryptedData).not.toEqual(input.spec.encryptedData);
      expect((await unseal(rotated)).data).toEqual(expected);
    }
  });

  it('refuses bodies over 1 MiB with 413', async () => {
    const response = await server().app.inject(post('/v1/rotate', 'x'.repeat(1024 * 1024 + 1)));
    expect(response.statusCode).toBe(413);
  });

  it('counts requests of the instrumented paths', async () => {
    const { app, metrics } = server();
    await app.inject(post('/v1/verify', strict));
    await app.inject({ url: '/v1/cert.pem' });
    await app.inject({ url: '/healthz' });
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'sealed_secrets_controller_http_requests_total{path="/v1/verify",code="200",method="post"} 1',
    );
    expect(text).toContain(
      'sealed_secrets_controller_http_requests_total{path="/v1/cert.pem",code="200",method="get"} 1',
    );
    expect(text).not.toContain('path="/healthz"');
    expect(text).toContain(
      'sealed_secrets_controller_http_request_duration_seconds_bucket{le="0.005",path="/v1/verify",method="post"}',
    );
  });
});

describe('issue 14 endpoints (ours, read-only)', () => {
  const report = {
    keys: [
      {
        fingerprint: 'SHA256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        created: '2026-01-01T00:00:00Z',
        state: 'sealing' as const,
        objects: 2,
        items: 3,
        linked: false,
      },
    ],
    objects: 2,
    objectsWithoutKey: 0,
  };

  it('/v1/keys serves the inventory as JSON to GET and HEAD only, and is 404 when not configured', async () => {
    const { app, metrics } = server({ keyInventory: () => report });
    const response = await app.inject({ url: '/v1/keys' });
    expect([response.statusCode, response.headers['content-type']]).toEqual([
      200,
      'application/json; charset=utf-8',
    ]);
    expect(JSON.parse(response.body)).toEqual(report);
    expect((await app.inject({ method: 'HEAD', url: '/v1/keys' })).statusCode).toBe(200);
    expect((await app.inject(post('/v1/keys', {}))).statusCode).toBe(404);
    expect((await server().app.inject({ url: '/v1/keys' })).statusCode).toBe(404);
    expect(await metrics.registry.metrics()).toContain(
      'sealed_secrets_controller_http_requests_total{path="/v1/keys",code="200",method="get"} 1',
    );
  });

  it('/v1/cert-chain serves the chain document, 500 without certificates, 404 when not configured', async () => {
    const chain = { version: 1 as const, certificates: [{ fingerprint: 'SHA256:x', certificate: certPem }] };
    const response = await server({ certChain: () => chain }).app.inject({ url: '/v1/cert-chain' });
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(chain);
    const empty = await server({ certChain: () => ({ version: 1, certificates: [] }) }).app.inject({
      url: '/v1/cert-chain',
    });
    expect([empty.statusCode, empty.body]).toEqual([500, 'cannot get certificate chain\n']);
    expect((await server().app.inject({ url: '/v1/cert-chain' })).statusCode).toBe(404);
  });
});

describe('metrics server', () => {
  it('serves the compat §8 metric names; build_info stays 0', async () => {
    const metrics = new ControllerMetrics('v0.0.0-test');
    const app = buildMetricsServer({ log: pino({ level: 'silent' }) as Logger, metrics });
    const response = await app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('sealed_secrets_controller_build_info{revision="v0.0.0-test"} 0');
    expect(response.body).toContain('sealed_secrets_controller_unseal_requests_total 0');
    expect(response.body).toContain('# TYPE sealed_secrets_controller_unseal_errors_total counter');
    expect(response.body).toContain('# TYPE sealed_secrets_controller_condition_info gauge');
    expect(response.body).toContain('process_cpu_seconds_total');
  });
});

describe('GcraLimiter', () => {
  it('allows burst+1, then one request per interval', () => {
    let now = 0;
    const limiter = new GcraLimiter({ ratePerSecond: 2, burst: 2, now: () => now });
    expect([1, 2, 3, 4].map(() => limiter.check('k').allowed)).toEqual([true, true, true, false]);
    now += 499;
    expect(limiter.check('k').allowed).toBe(false);
    now += 1;
    expect(limiter.check('k')).toMatchObject({ allowed: true, remaining: 0 });
  });

  it('forgets the oldest keys beyond its capacity', () => {
    const limiter = new GcraLimiter({ ratePerSecond: 1, burst: 0, now: () => 0, maxKeys: 2 });
    expect(limiter.check('a').allowed).toBe(true);
    limiter.check('b');
    limiter.check('c');
    expect(limiter.check('a').allowed).toBe(true);
    expect(limiter.check('c').allowed).toBe(false);
  });
});

it('parses Go listen addresses', () => {
  expect(parseListenAddress(':8080')).toEqual({ host: '0.0.0.0', port: 8080 });
  expect(parseListenAddress('127.0.0.1:9')).toEqual({ host: '127.0.0.1', port: 9 });
  expect(parseListenAddress('[::1]:80')).toEqual({ host: '::1', port: 80 });
  expect(() => parseListenAddress('8080')).toThrow('invalid listen address');
});
