import type { KeyRing, ValueDecryptor } from '@ssts/core';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { WebhookConfig } from '../config.js';
import { ControllerError, errorMessage } from '../errors.js';
import { parseListenAddress } from '../http/server.js';
import { GcraLimiter } from '../http/rate-limiter.js';
import type { KubeGateway } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';
import { ProbeWorker } from './probe-worker.js';
import { ServingCertificates } from './serving-certificates.js';
import { AdmissionWebhook } from './webhook.js';
import { buildWebhookServer } from './webhook-server.js';

export interface StartWebhookDeps {
  readonly config: WebhookConfig;
  readonly gateway: KubeGateway;
  /** The controller's namespace (the CA Secret's; never checked). */
  readonly namespace: string;
  /** The namespaces the controller unseals in; undefined: all. */
  readonly watchedNamespaces: () => readonly string[] | undefined;
  readonly decryptorFor: (objectKey: string) => ValueDecryptor;
  readonly acceptDeprecatedV1Data: boolean;
  readonly keys: () => KeyRing;
  /** Calls back with every new key snapshot. */
  readonly subscribeKeys: (listener: (ring: KeyRing) => void) => void;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly log: Logger;
}

export interface RunningWebhook {
  close(): Promise<void>;
}

const SYNC_INTERVAL_MS = 60_000;

/**
 * Starts the validating admission webhook (docs/admission.md, section 2): its CA and serving certificate, the
 * CA bundle in the webhook configuration, the probe worker and the HTTPS server. Throws ControllerError STARTUP
 * when there is no CA (the Secret can be neither read nor created) or the port cannot be listened on.
 */
export async function startWebhook(deps: StartWebhookDeps): Promise<RunningWebhook> {
  const { config, clock, log } = deps;
  const reviews = new Counter({
    name: 'sealed_secrets_controller_admission_reviews_total',
    help: 'Admission reviews of the validating webhook by result (allowed, denied, skipped, rate_limited, deadline, overloaded, unchecked) and operation',
    labelNames: ['result', 'operation'],
    registers: [deps.registry],
  });
  const duration = new Histogram({
    name: 'sealed_secrets_controller_admission_review_duration_seconds',
    help: 'Time the validating webhook took to answer an admission review',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [deps.registry],
  });
  const probe = new ProbeWorker();
  probe.setKeyRing(deps.keys());
  deps.subscribeKeys((ring) => probe.setKeyRing(ring));
  const skipped = new Set([deps.namespace, ...config.skipNamespaces]);
  const webhook = new AdmissionWebhook({
    decryptorFor: deps.decryptorFor,
    acceptDeprecatedV1Data: deps.acceptDeprecatedV1Data,
    keys: deps.keys,
    probe: (blob, order) => probe.probe(blob, order),
    watches: (namespace) => {
      if (skipped.has(namespace)) return false;
      const watched = deps.watchedNamespaces();
      return watched === undefined || watched.includes(namespace);
    },
    limiter: new GcraLimiter({
      ratePerSecond: config.rateLimit,
      burst: config.rateLimitBurst,
      now: () => clock.now(),
    }),
    decisionTimeoutMs: config.timeoutMs,
    maxInFlight: config.maxInFlight,
    clock,
    log,
    onReview: (result, operation) => reviews.inc({ result, operation }),
  });

  let server: ReturnType<typeof buildWebhookServer> | undefined;
  const certificates = new ServingCertificates({
    gateway: deps.gateway,
    namespace: deps.namespace,
    secretName: config.caSecret,
    configurationName: config.configurationName,
    hosts: config.hosts,
    caValidityMs: config.caValidityMs,
    certValidityMs: config.certValidityMs,
    syncIntervalMs: SYNC_INTERVAL_MS,
    clock,
    log,
    onIdentity: (identity) => server?.setIdentity(identity),
  });
  try {
    await certificates.start();
    const identity = certificates.identity;
    if (identity === undefined) throw new Error('no serving certificate');
    server = buildWebhookServer({
      webhook: {
        review: async (body) => {
          const started = clock.now();
          try {
            return await webhook.review(body);
          } finally {
            duration.observe((clock.now() - started) / 1000);
          }
        },
      },
      identity,
      log,
      // Reading the body and the decision both fit in it; the API server gives up earlier anyway.
      requestTimeoutMs: config.timeoutMs + 10_000,
    });
    await server.listen(parseListenAddress(config.listenAddr));
  } catch (error) {
    certificates.stop();
    await probe.close();
    await server?.close();
    throw new ControllerError('STARTUP', `cannot start the admission webhook: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  log.info({ address: config.listenAddr, hosts: config.hosts.join(',') }, 'Admission webhook listening');
  return {
    async close() {
      certificates.stop();
      await server?.close();
      await probe.close();
    },
  };
}
