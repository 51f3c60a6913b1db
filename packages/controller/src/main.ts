import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import type { SealedSecret } from '@ssts/core';
import { systemClock } from './clock.js';
import { parseControllerConfig, type ControllerConfig } from './config.js';
import { DecryptPool } from './crypto/decrypt-pool.js';
import { ControllerError, errorMessage } from './errors.js';
import { buildMetricsServer, buildServer, parseListenAddress } from './http/server.js';
import { ACTIVE_KEY_SELECTOR, KeyStore } from './keys/key-store.js';
import { loadApiAccess } from './kube/api-access.js';
import { ClientNodeGateway } from './kube/client-node-gateway.js';
import { EventRecorder } from './kube/event-recorder.js';
import { isKubeError } from './kube/kube-errors.js';
import type { KubeGateway } from './kube/kube-gateway.js';
import { createLogger, type Logger } from './log.js';
import { Controller } from './loop/controller.js';
import { Informer } from './loop/informers.js';
import { ControllerMetrics } from './metrics.js';
import { reconcile } from './reconcile/reconcile.js';

const SERVICE_ACCOUNT_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

export interface ProcessIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the process is asked to stop (SIGTERM/SIGINT); installed by the caller. */
  readonly stopSignal: AbortSignal;
  /** SIGUSR1: generate a key now. */
  readonly onKeyRequest: (listener: () => void) => void;
  readonly version: string | undefined;
}

/**
 * Runs the controller until `io.stopSignal` aborts; returns the exit code (0 after a graceful stop, 1 for a
 * startup failure, 2 for bad flags). The only place that builds clients, servers and the key store.
 */
export async function runController(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  io: ProcessIo,
): Promise<number> {
  let config: ControllerConfig;
  try {
    const parsed = parseControllerConfig(argv, env);
    if (parsed.kind === 'version') {
      io.stdout.write(`controller version: ${io.version ?? 'UNKNOWN'}\n`);
      return 0;
    }
    if (parsed.kind === 'help') {
      io.stdout.write(parsed.text);
      return 0;
    }
    config = parsed.config;
  } catch (error) {
    if (!(error instanceof ControllerError)) throw error;
    io.stderr.write(`error: ${error.message}\n`);
    return error.code === 'USAGE' ? 2 : 1;
  }
  const log = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    infoToStdout: config.logInfoStdout,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  try {
    await runWithConfig(config, env, io, log);
    return 0;
  } catch (error) {
    log.fatal({ error: errorMessage(error) }, 'Controller failed');
    return 1;
  }
}

function ownNamespace(config: ControllerConfig): string {
  if (config.namespace !== undefined) return config.namespace;
  try {
    const text = readFileSync(SERVICE_ACCOUNT_NAMESPACE, 'utf8').trim();
    if (text !== '') return text;
  } catch {
    // Not in a pod: fall through to the default, like upstream.
  }
  return 'default';
}

async function watchedNamespaces(
  config: ControllerConfig,
  namespace: string,
  gateway: KubeGateway,
  log: Logger,
): Promise<string[] | undefined> {
  if (config.allNamespaces && config.additionalNamespaces.length === 0) return undefined;
  const result = [namespace];
  for (const extra of config.additionalNamespaces) {
    if (extra === namespace || result.includes(extra)) continue;
    if (await gateway.namespaceExists(extra)) result.push(extra);
    else log.warn({ namespace: extra }, 'Additional namespace not found, skipping it');
  }
  return result;
}

async function runWithConfig(
  config: ControllerConfig,
  env: Readonly<Record<string, string | undefined>>,
  io: ProcessIo,
  log: Logger,
): Promise<void> {
  // Measured (README: Performance): V8 grows the heap less eagerly and the idle controller stays smaller. Of the
  // heap flags only this one still works after start-up; --max-semi-space-size and friends need the command line.
  setFlagsFromString('--optimize-for-size');
  const clock = systemClock;
  const namespace = ownNamespace(config);
  const metrics = new ControllerMetrics(io.version ?? 'UNKNOWN');
  const kc = await loadApiAccess({ kubeconfig: config.kubeconfig, env });
  const gateway = new ClientNodeGateway(kc, {
    qps: config.kubeclientQps,
    burst: config.kubeclientBurst,
    userAgent: `sealed-secrets-controller/${io.version ?? 'UNKNOWN'}`,
  });
  if (config.keyOrderPriorityWarning !== undefined) log.error(config.keyOrderPriorityWarning);
  log.info({ namespace, version: io.version ?? 'UNKNOWN' }, 'Starting the sealed-secrets controller');

  const keyStore = new KeyStore({
    gateway,
    namespace,
    keyPrefix: config.keyPrefix,
    keySize: config.keySize,
    keyTtlMs: config.keyTtlMs,
    myCn: config.myCn,
    renewPeriodMs: config.keyRenewPeriodMs,
    cutoffTime: config.keyCutoffTime,
    orderBy: config.keyOrderPriority,
    privateKeyLabels: config.privateKeyLabels,
    privateKeyAnnotations: config.privateKeyAnnotations,
    clock,
    log: log.child({ component: 'keys' }),
  });
  const pool = new DecryptPool({ templateBudgetMs: config.templateTimeBudgetMs });
  keyStore.subscribe((ring) => pool.setKeyRing(ring));
  const stop = new AbortController();
  const onStop = (): void => stop.abort();
  io.stopSignal.addEventListener('abort', onStop, { once: true });
  try {
    await keyStore.load();
    pool.setKeyRing(keyStore.current());
    await keyStore.start();
    io.onKeyRequest(() => {
      log.info('SIGUSR1 received, generating a new key');
      keyStore
        .generateKey()
        .catch((error: unknown) => log.error({ error: errorMessage(error) }, 'Key generation failed'));
    });

    // Decryption and templates run in the pool's worker threads, under the per-object time budget.
    const unsealWith = (ss: SealedSecret) =>
      pool.unseal(ss, { acceptDeprecatedV1Data: config.acceptDeprecatedV1Data });

    const namespaces = await watchedNamespaces(config, namespace, gateway, log);
    const events = new EventRecorder({ gateway, clock });
    const controller: Controller = new Controller({
      gateway,
      namespaces,
      labelSelector: config.labelSelector,
      skipRecreate: config.skipRecreate,
      maxUnsealRetries: config.maxUnsealRetries,
      // Enough reconciles in flight that the decrypt pool stays busy while others wait for the API server.
      workers: config.workers > 0 ? config.workers : 4 * availableParallelism(),
      clock,
      log: log.child({ component: 'controller' }),
      onSealedSecretDeleted: (ns, name) => {
        metrics.forgetConditions(ns, name);
        pool.forget(`${ns}/${name}`);
      },
      reconcile: (key) =>
        reconcile(key, {
          gateway,
          getCached: (ns, name) => controller.getSealedSecret(ns, name),
          unseal: unsealWith,
          events,
          clock,
          log,
          metrics,
          updateStatus: config.updateStatus,
          oldGcBehavior: config.oldGcBehavior,
        }),
    });
    const keyWatch = config.watchForSecrets
      ? new Informer({
          gateway,
          resource: 'secrets',
          scope: { namespace, labelSelector: ACTIVE_KEY_SELECTOR },
          handlers: { onAdd: (secret) => keyStore.addSecret(secret) },
          clock,
          log: log.child({ component: 'key-watch' }),
        })
      : undefined;

    const api = buildServer({
      log: log.child({ component: 'http' }),
      metrics,
      certificatePem: () => keyStore.current().latest()?.certificate.pem,
      latestPublicKey: () => keyStore.current().latest()?.certificate.publicKey,
      unseal: unsealWith,
      readiness: () => {
        const reasons = [...controller.notReadyReasons()];
        if (keyWatch !== undefined && !(keyWatch.synced && keyWatch.healthy)) {
          reasons.push(`key watch: ${keyWatch.lastError ?? 'starting'}`);
        }
        return { ready: reasons.length === 0, reasons };
      },
      rateLimit: config.rateLimit,
      rateLimitBurst: config.rateLimitBurst,
      readTimeoutMs: config.readTimeoutMs,
      writeTimeoutMs: config.writeTimeoutMs,
    });
    const metricsServer = buildMetricsServer({ log: log.child({ component: 'metrics' }), metrics });

    const running = Promise.all([controller.start(stop.signal), keyWatch?.run(stop.signal)]);
    try {
      await api.listen(parseListenAddress(config.listenAddr));
      await metricsServer.listen(parseListenAddress(config.listenMetricsAddr));
      log.info({ api: config.listenAddr, metrics: config.listenMetricsAddr }, 'HTTP servers listening');
    } catch (error) {
      stop.abort();
      await running;
      throw new ControllerError('STARTUP', `cannot start the HTTP servers: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    await running;
    log.info('Stopping: watches closed and in-flight work finished, closing the HTTP servers');
    await Promise.all([api.close(), metricsServer.close()]);
    log.info('Stopped');
  } catch (error) {
    if (isKubeError(error))
      throw new ControllerError('STARTUP', `Kubernetes API: ${error.message}`, { cause: error });
    throw error;
  } finally {
    io.stopSignal.removeEventListener('abort', onStop);
    keyStore.stop();
    await pool.close();
    gateway.close();
  }
}
