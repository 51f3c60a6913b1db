import type { Server as HttpsServer } from 'node:https';
import { capMessage } from '@ssts/core';
import { fastify, LogController, type FastifyError } from 'fastify';
import type { Logger } from '../log.js';
import type { ServingIdentity } from './serving-certificates.js';
import type { AdmissionWebhook } from './webhook.js';

/**
 * The API server sends the object and, on updates, the old object: twice the 1.5 MiB etcd object limit, plus
 * the envelope. Anything larger is not from an API server and is refused (413) before it is parsed.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
export const WEBHOOK_PATH = '/validate-sealedsecrets';

export interface WebhookServerDeps {
  readonly webhook: Pick<AdmissionWebhook, 'review'>;
  readonly identity: ServingIdentity;
  readonly log: Logger;
  /** Whole-request deadline (reading the body included); above the decision timeout. */
  readonly requestTimeoutMs: number;
  readonly bodyLimitBytes?: number;
}

/**
 * The webhook's HTTPS server (docs/admission.md, section 2): POST of an AdmissionReview at WEBHOOK_PATH, JSON only,
 * bounded in size and time; `/healthz` for probes. `setIdentity` swaps the certificate for new connections.
 */
export function buildWebhookServer(deps: WebhookServerDeps) {
  const app = fastify({
    loggerInstance: deps.log,
    logController: new LogController({ disableRequestLogging: true }),
    https: { key: deps.identity.key, cert: deps.identity.cert, minVersion: 'TLSv1.2' },
    bodyLimit: deps.bodyLimitBytes ?? WEBHOOK_BODY_LIMIT_BYTES,
    requestTimeout: deps.requestTimeoutMs,
    connectionTimeout: deps.requestTimeoutMs,
    return503OnClosing: true,
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500;
    request.log.info({ status, error: error.message }, 'Webhook request failed');
    return reply
      .code(status)
      .type('text/plain; charset=utf-8')
      .send(`${capMessage(error.message)}\n`);
  });
  app.get('/healthz', (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok\n'));
  app.post(WEBHOOK_PATH, async (request, reply) => {
    const answer = await deps.webhook.review(request.body);
    if (answer.status === 400) {
      request.log.info({ error: answer.message }, 'Not an AdmissionReview');
      return reply
        .code(400)
        .type('text/plain; charset=utf-8')
        .send(`${capMessage(answer.message)}\n`);
    }
    return reply.code(200).type('application/json').send(answer.body);
  });
  return Object.assign(app, {
    setIdentity(identity: ServingIdentity): void {
      (app.server as HttpsServer).setSecureContext({
        key: identity.key,
        cert: identity.cert,
        minVersion: 'TLSv1.2',
      });
    },
  });
}
