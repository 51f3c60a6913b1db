import type { KeyObject } from 'node:crypto';
import type { SealedSecret, Secret } from '@ssts/core';
import { fastify, LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { ControllerMetrics } from '../metrics.js';
import { GcraLimiter } from './rate-limiter.js';
import { registerWebUi, type WebUi } from './web-ui.js';
import {
  BadSealedSecretError,
  parsePostedSealedSecret,
  rotateSealedSecret,
} from './sealed-secret-actions.js';

export interface ServerDeps {
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  /** PEM of the latest key's certificate, undefined when no key is loaded. */
  readonly certificatePem: () => string | undefined;
  readonly latestPublicKey: () => KeyObject | undefined;
  /** Unseals with every loaded key (throws on failure). */
  readonly unseal: (ss: SealedSecret) => Promise<Secret>;
  /** Our addition: readiness of the watches (`/readyz`). */
  readonly readiness: () => { ready: boolean; reasons: readonly string[] };
  readonly rateLimit: number;
  readonly rateLimitBurst: number;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly now?: () => number;
  readonly bodyLimitBytes?: number;
  /** Our addition (`--web-ui`, on by default): the sealing page at `/`; undefined → `/` is 404 as upstream. */
  readonly webUi?: WebUi;
}

const TEXT = 'text/plain; charset=utf-8';
const INSTRUMENTED = new Set(['/v1/cert.pem', '/v1/verify', '/v1/rotate']);
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * The controller's HTTP API (compat §5): /healthz, /v1/cert.pem, /v1/verify (rate-limited), /v1/rotate, plus
 * /readyz. Like upstream, handlers accept any method. Not listening: the caller calls `listen`.
 */
export function buildServer(deps: ServerDeps) {
  const app = fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    requestTimeout: deps.readTimeoutMs,
    connectionTimeout: Math.max(deps.readTimeoutMs, deps.writeTimeoutMs),
    return503OnClosing: true,
  });
  const now = deps.now ?? (() => Date.now());
  const limiter = new GcraLimiter({ ratePerSecond: deps.rateLimit, burst: deps.rateLimitBurst, now });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.addHook('onResponse', (request, reply, done) => {
    const path = request.routeOptions.url;
    if (path !== undefined && INSTRUMENTED.has(path)) {
      const method = request.method.toLowerCase();
      deps.metrics.httpRequests.inc({ path, code: String(reply.statusCode), method });
      deps.metrics.httpDuration.observe({ path, method }, reply.elapsedTime / 1000);
    }
    done();
  });

  app.route({
    method: [...ALL_METHODS],
    url: '/healthz',
    handler: (_request, reply) => reply.type(TEXT).send('ok\n'),
  });

  app.route({
    method: [...ALL_METHODS],
    url: '/readyz',
    handler: (_request, reply) => {
      const { ready, reasons } = deps.readiness();
      return ready
        ? reply.type(TEXT).send('ok\n')
        : reply
            .code(503)
            .type(TEXT)
            .send(`not ready: ${reasons.join('; ')}\n`);
    },
  });

  app.route({
    method: [...ALL_METHODS],
    url: '/v1/cert.pem',
    handler: (_request, reply) => {
      const pem = deps.certificatePem();
      if (pem === undefined) {
        return reply
          .code(500)
          .type(TEXT)
          .header('X-Content-Type-Options', 'nosniff')
          .send('cannot get certificate\n');
      }
      return reply.type('application/x-pem-file').send(pem);
    },
  });

  app.route({
    method: [...ALL_METHODS],
    url: '/v1/verify',
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      const forwardedFor = request.headers['x-forwarded-for'];
      const limit = limiter.check(
        `/v1/verify${Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')}`,
      );
      reply.header('X-RateLimit-Limit', String(limit.limit));
      reply.header('X-RateLimit-Remaining', String(limit.remaining));
      reply.header('X-RateLimit-Reset', String(limit.resetSeconds));
      if (!limit.allowed) {
        return reply
          .code(429)
          .type(TEXT)
          .header('Retry-After', String(limit.retryAfterSeconds))
          .send('limit exceeded\n');
      }
      let ss: SealedSecret;
      try {
        ss = parsePostedSealedSecret(bodyOf(request), { singleDocument: true });
      } catch (error) {
        request.log.info({ error: errorMessage(error) }, 'Cannot decode the posted SealedSecret');
        return reply.code(500).send();
      }
      try {
        await deps.unseal(ss);
        return reply.code(200).send();
      } catch {
        return reply.code(409).send();
      }
    },
  });

  app.route({
    method: [...ALL_METHODS],
    url: '/v1/rotate',
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const posted = parsePostedSealedSecret(bodyOf(request), { singleDocument: false });
        const rotated = await rotateSealedSecret(posted, {
          unseal: deps.unseal,
          latestPublicKey: deps.latestPublicKey,
          onMetadataMismatch: () =>
            request.log.warn(
              "Sealed Secret metadata doesn't match. Please align your Sealed Secret metadata",
            ),
        });
        return reply
          .code(200)
          .type('application/json')
          .send(`${JSON.stringify(rotated)}\n`);
      } catch (error) {
        const message = errorMessage(error);
        request.log.info({ error: message, bad: error instanceof BadSealedSecretError }, 'Cannot re-encrypt');
        return reply.code(500).type(TEXT).send(`${message}\n`);
      }
    },
  });

  if (deps.webUi !== undefined) registerWebUi(app, deps.webUi);

  return app;
}

function bodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** The separate metrics server (compat §5.1): `/metrics` only. */
export function buildMetricsServer(deps: Pick<ServerDeps, 'log' | 'metrics'>) {
  const app = fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });
  return app;
}

/** `:8080` / `127.0.0.1:8080` / `[::1]:8080` → fastify listen options (empty host = all interfaces). */
export function parseListenAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)$/.exec(address);
  if (match === null) throw new Error(`invalid listen address "${address}": expected [host]:port`);
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port: Number(match[3]) };
}
