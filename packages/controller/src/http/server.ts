import type { KeyObject } from 'node:crypto';
import { capMessage, type CertChain, type SealedSecret, type Secret, type ValueDecryptor } from '@ssts/core';
import { fastify, LogController, type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { KeyInventoryReport } from '../keys/inventory.js';
import type { ControllerMetrics } from '../metrics.js';
import { decryptItems, type DecryptOnlyOptions } from './decrypt-items.js';
import { GcraLimiter, rateLimitKey } from './rate-limiter.js';
import { parsePostedSealedSecret, rotateSealedSecret } from './sealed-secret-actions.js';
import { registerWebUi, type WebUi } from './web-ui.js';

export interface ServerDeps {
  readonly log: Logger;
  readonly metrics: ControllerMetrics;
  /** PEM of the latest key's certificate, undefined when no key is loaded. */
  readonly certificatePem: () => string | undefined;
  readonly latestPublicKey: () => KeyObject | undefined;
  /** A decryptor trying every loaded key, for the object `ns/name` (verify and rotate decrypt only). */
  readonly decryptorFor: (objectKey: string) => ValueDecryptor;
  readonly acceptDeprecatedV1Data: boolean;
  /** The full unseal; only /v1/rotate's legacy `spec.data` path uses it (it never has templates). */
  readonly unseal: (ss: SealedSecret) => Promise<Secret>;
  /**
   * `/readyz`: not ready while the additional namespaces are bootstrapping (upstream, no reason: `not ready\n`)
   * or while a watch is down (ours, with the reasons).
   */
  readonly readiness: () => { ready: boolean; reasons: readonly string[] };
  /** The audit trail: one line per verify/rotate request that reached its handler. */
  readonly audit?: Pick<AuditLog, 'http'>;
  readonly rateLimit: number;
  readonly rateLimitBurst: number;
  readonly readTimeoutMs: number;
  readonly writeTimeoutMs: number;
  readonly now?: () => number;
  readonly bodyLimitBytes?: number;
  /** Tests pass their own limiter to look at its size; otherwise one is built from rateLimit/rateLimitBurst. */
  readonly limiter?: GcraLimiter;
  /** Our addition (`--web-ui`, on by default): the sealing page at `/`; undefined → `/` is 404 as upstream. */
  readonly webUi?: WebUi;
  /** Ours (issue 14): `GET /v1/keys`, the key inventory; undefined → 404. */
  readonly keyInventory?: () => KeyInventoryReport;
  /** Ours (issue 14): `GET /v1/cert-chain`; undefined → 404, and a chain without certificates → 500. */
  readonly certChain?: () => CertChain;
}

const TEXT = 'text/plain; charset=utf-8';
const INSTRUMENTED = new Set(['/v1/cert.pem', '/v1/verify', '/v1/rotate', '/v1/keys', '/v1/cert-chain']);
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/**
 * The controller's HTTP API (compat §5, addendum §1, §3.1): /healthz, /readyz, /v1/cert.pem, and /v1/verify and
 * /v1/rotate, both rate-limited with separate buckets and both decrypt-only (templates are never run, so they
 * are no plaintext oracle). Like upstream, handlers accept any method. Not listening: the caller calls `listen`.
 */
export function buildServer(deps: ServerDeps) {
  const bodyLimit = deps.bodyLimitBytes ?? 1024 * 1024;
  const app = fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    requestTimeout: deps.readTimeoutMs,
    connectionTimeout: Math.max(deps.readTimeoutMs, deps.writeTimeoutMs),
    return503OnClosing: true,
  });
  const now = deps.now ?? (() => Date.now());
  // One limiter for both paths, as upstream: the path is part of the key, so each has its own bucket.
  const limiter =
    deps.limiter ?? new GcraLimiter({ ratePerSecond: deps.rateLimit, burst: deps.rateLimitBurst, now });
  const decryptOnly = (ss: SealedSecret) => {
    const options: DecryptOnlyOptions = {
      decrypt: deps.decryptorFor(`${ss.metadata.namespace ?? ''}/${ss.metadata.name ?? ''}`),
      acceptDeprecatedV1Data: deps.acceptDeprecatedV1Data,
    };
    return decryptItems(ss, options);
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  // Errors fastify raises itself (413 body too large, 400 aborted body, timeouts): one capped text line.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    request.log.info({ status, error: error.message }, 'Request failed');
    return reply
      .code(status)
      .type(TEXT)
      .send(`${capMessage(error.message)}\n`);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const path = request.routeOptions.url;
    if (path !== undefined && INSTRUMENTED.has(path)) {
      const method = request.method.toLowerCase();
      deps.metrics.httpRequests.inc({ path, code: String(reply.statusCode), method });
      deps.metrics.httpDuration.observe({ path, method }, reply.elapsedTime / 1000);
    }
    done();
  });

  // Addendum §1.3: runs before the body is read, so a denied request costs no parsing and the handler never runs.
  const rateLimited = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const limit = limiter.check(
      rateLimitKey(request.raw.rawHeaders, request.routeOptions.url ?? request.url),
    );
    reply.header('X-RateLimit-Limit', String(limit.limit));
    reply.header('X-RateLimit-Remaining', String(limit.remaining));
    reply.header('X-RateLimit-Reset', String(limit.resetSeconds));
    if (limit.allowed) {
      done();
      return;
    }
    void reply
      .code(429)
      .type(TEXT)
      .header('Retry-After', String(limit.retryAfterSeconds))
      .send('limit exceeded\n');
  };

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
      if (ready) return reply.type(TEXT).send('ok\n');
      const why = reasons.length === 0 ? '' : `: ${capMessage(reasons.join('; '))}`;
      return reply.code(503).type(TEXT).send(`not ready${why}\n`);
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
    onRequest: rateLimited,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      let ss: SealedSecret;
      try {
        ss = await parsePostedSealedSecret(bodyOf(request), { singleDocument: true, maxBytes: bodyLimit });
      } catch (error) {
        request.log.info({ error: errorMessage(error) }, 'Cannot decode the posted SealedSecret');
        deps.audit?.http('verify', request.raw, '/v1/verify', { status: 500, error: errorMessage(error) });
        return reply.code(500).send();
      }
      try {
        await decryptOnly(ss);
        deps.audit?.http('verify', request.raw, '/v1/verify', { status: 200, object: ss });
        return reply.code(200).send();
      } catch (error) {
        deps.audit?.http('verify', request.raw, '/v1/verify', {
          status: 409,
          object: ss,
          error: errorMessage(error),
        });
        return reply.code(409).send();
      }
    },
  });

  app.route({
    method: [...ALL_METHODS],
    url: '/v1/rotate',
    onRequest: rateLimited,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      let posted: SealedSecret | undefined;
      try {
        posted = await parsePostedSealedSecret(bodyOf(request), {
          singleDocument: false,
          maxBytes: bodyLimit,
        });
        const rotated = await rotateSealedSecret(posted, {
          decryptItems: decryptOnly,
          unsealLegacy: deps.unseal,
          latestPublicKey: deps.latestPublicKey,
          onMetadataMismatch: () =>
            request.log.warn(
              "Sealed Secret metadata doesn't match. Please align your Sealed Secret metadata",
            ),
        });
        deps.audit?.http('rotate', request.raw, '/v1/rotate', { status: 200, object: posted });
        return reply
          .code(200)
          .type('application/json')
          .send(`${JSON.stringify(rotated)}\n`);
      } catch (error) {
        const message = capMessage(errorMessage(error));
        request.log.info({ error: message }, 'Cannot re-encrypt');
        deps.audit?.http('rotate', request.raw, '/v1/rotate', {
          status: 500,
          ...(posted !== undefined && { object: posted }),
          error: message,
        });
        return reply.code(500).type(TEXT).send(`${message}\n`);
      }
    },
  });

  // Ours, read-only (GET and HEAD): public key material and counts only, never a private key or a value.
  const { keyInventory, certChain } = deps;
  if (keyInventory !== undefined) {
    app.get('/v1/keys', (_request, reply) =>
      reply.type('application/json').send(`${JSON.stringify(keyInventory(), null, 2)}\n`),
    );
  }
  if (certChain !== undefined) {
    app.get('/v1/cert-chain', (_request, reply) => {
      const chain = certChain();
      if (chain.certificates.length === 0) {
        return reply
          .code(500)
          .type(TEXT)
          .header('X-Content-Type-Options', 'nosniff')
          .send('cannot get certificate chain\n');
      }
      return reply.type('application/json').send(`${JSON.stringify(chain, null, 2)}\n`);
    });
  }

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
