import { setFlagsFromString } from 'node:v8';
import type { SealedSecret } from '@ssts/core';
import { inClusterNamespace, isKubeError, KubeClient, loadRestConfig, rateLimiter } from '@ssts/kube';
import { startWebhook, type RunningWebhook } from './admission/start-webhook.js';
import { AuditLog } from './audit/audit-log.js';
import { systemClock } from './clock.js';
import { parseControllerConfig, type ControllerConfig } from './config.js';
import { DecryptPool } from './crypto/decrypt-pool.js';
import { cpuBudget } from './cpu-budget.js';
import { ControllerError, errorMessage } from './errors.js';
import { buildMetricsServer, buildServer, parseListenAddress } from './http/server.js';
import { loadWebUi, type WebUi } from './http/web-ui.js';
import { certChainOf } from './keys/cert-link.js';
import { KeyInventory } from './keys/inventory.js';
import { ACTIVE_KEY_SELECTOR, KeyStore } from './keys/key-store.js';
import { EventQueue } from './kube/event-queue.js';
import { EventRecorder } from './kube/event-recorder.js';
import { RestGateway } from './kube/rest-gateway.js';
import { ALWAYS_LEADER, LeaderElector, leaderIdentity, type Leadership } from './leader/elector.js';
import { LeaderMetrics } from './leader/metrics.js';
import { isNotLeader, leaderOnlyGateway } from './leader/write-gate.js';
import { guardOutputStreams } from './log-streams.js';
import { createAuditLogger, createLogger, type Logger } from './log.js';
import { bootstrapAdditionalNamespaces } from './namespace-bootstrap.js';
import { Controller } from './loop/controller.js';
import { Informer } from './loop/informers.js';
import { ControllerMetrics } from './metrics.js';
import { reconcile } from './reconcile/reconcile.js';
import { logRuntimeAdvice } from './runtime-advice.js';

/** Total deadline of one API request (for a watch: until its headers). */
const API_REQUEST_TIMEOUT_MS = 60_000;
/**
 * Connections to the API server for requests (creates, status writes, events, GETs, list pages); more wait for one.
 * Each keep-alive TLS connection costs about 0.35 MiB of native memory on Node 24. Watches have connections of
 * their own and the lease renewals too (README: Performance, eighth pass).
 */
const API_CONNECTIONS = 6;
/** How long a graceful stop waits for queued events to be sent (client-go's broadcaster drops them at once). */
const EVENT_FLUSH_TIMEOUT_MS = 5_000;
/**
 * Fault injection for tests only: with --leader-elect, this replica acts as the leader without the Lease, so a
 * test can run two replicas that both believe they lead and check that the key guard still adds one key.
 */
export const ASSUME_LEADER_ENV = 'SSTS_TEST_ASSUME_LEADER';

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
  processIo: ProcessIo,
): Promise<number> {
  const streams = guardOutputStreams(processIo.stdout, processIo.stderr);
  const io: ProcessIo = { ...processIo, stdout: streams.stdout, stderr: streams.stderr };
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
  streams.onClosed(({ stream, code }) =>
    log.warn({ stream, code }, `Cannot write to ${stream} (${code}): its log lines are dropped from now on`),
  );
  try {
    await runWithConfig(config, env, io, log);
    return 0;
  } catch (error) {
    log.fatal({ error: errorMessage(error) }, 'Controller failed');
    return 1;
  }
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
  // --namespace or POD_NAMESPACE (config), else the service-account file, else `default`, like upstream.
  const namespace = config.namespace ?? (await inClusterNamespace({ env }));
  const metrics = new ControllerMetrics(io.version ?? 'UNKNOWN', {
    omitSecretLabels: config.metricsOmitSecretLabels,
  });
  const client = await KubeClient.create(await loadRestConfig({ kubeconfig: config.kubeconfig, env }), {
    rateLimiter: rateLimiter(config.kubeclientQps, config.kubeclientBurst),
    userAgent: `sealed-secrets-controller/${io.version ?? 'UNKNOWN'}`,
    timeoutMs: API_REQUEST_TIMEOUT_MS,
    maxSockets: API_CONNECTIONS,
    env,
  });
  // Two limiters with the same settings, like upstream's two clientsets: Secrets and namespaces on one, SealedSecrets
  // (list, watch, status writes) and Events on the other, so Secret writes never wait behind status writes or events.
  const gateway = new RestGateway(client, {
    sealedSecretsClient: client.withRateLimiter(rateLimiter(config.kubeclientQps, config.kubeclientBurst)),
  });
  const electing = config.leaderElection.enabled;
  const assumeLeader = electing && env[ASSUME_LEADER_ENV] === '1';
  // Leader election: only the leader writes, enforced at the gateway for every write (README: Several replicas).
  let leadership: Leadership = ALWAYS_LEADER;
  let elector: LeaderElector | undefined;
  const leaderTerm: { run?: (term: AbortSignal) => Promise<void> } = {};
  if (electing && !assumeLeader) {
    const leaderMetrics = new LeaderMetrics(metrics.registry);
    const le = config.leaderElection;
    elector = new LeaderElector({
      // Its own connections and no --kubeclient-qps limit: renewals must never queue behind reconciles.
      gateway: new RestGateway(await client.withOwnConnections(undefined)),
      namespace,
      name: le.leaseName,
      identity: leaderIdentity(env),
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      clock,
      log: log.child({ component: 'leader-election' }),
      onStartedLeading: (term) => leaderTerm.run?.(term) ?? Promise.resolve(),
      onChange: (change) => leaderMetrics.observe(change),
    });
    leadership = elector;
  }
  if (assumeLeader) log.warn(`${ASSUME_LEADER_ENV}=1: acting as the leader WITHOUT the Lease (tests only)`);
  const writer = electing ? leaderOnlyGateway(gateway, leadership) : gateway;
  if (config.keyOrderPriorityWarning !== undefined) log.error(config.keyOrderPriorityWarning);
  log.info({ namespace, version: io.version ?? 'UNKNOWN' }, 'Starting the sealed-secrets controller');
  logRuntimeAdvice(log);
  // The audit trail (docs/audit.md): JSON lines at info whatever --log-level and --log-format say.
  const audit = new AuditLog({
    log: createAuditLogger({ infoToStdout: config.logInfoStdout, stdout: io.stdout, stderr: io.stderr }),
    keyOf: (objectKey) => pool.keyOf(objectKey),
    sealingKey: () => keyStore.current().latest()?.fingerprint,
  });

  const keyStore = new KeyStore({
    gateway: writer,
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
    ...(electing && { leadership }),
    audit: (event) => audit.key(event),
  });
  const pool = new DecryptPool({ templateBudgetMs: config.templateTimeBudgetMs });
  keyStore.subscribe((ring) => pool.setKeyRing(ring));
  keyStore.subscribe((ring) => metrics.observeKeys(ring));
  metrics.keyRenewPeriod.set(Math.max(0, config.keyRenewPeriodMs) / 1000);
  const stop = new AbortController();
  const onStop = (): void => stop.abort();
  io.stopSignal.addEventListener('abort', onStop, { once: true });
  try {
    await keyStore.load();
    pool.setKeyRing(keyStore.current());
    // With leader election the leader makes the first key and renewals (leaderTerm below), not start-up.
    if (!electing) await keyStore.start();
    io.onKeyRequest(() => {
      log.info('SIGUSR1 received, generating a new key');
      if (electing && !leadership.isLeader()) {
        log.warn(
          { leader: elector?.observedLeader ?? null },
          'Not the leader: no key generated; send SIGUSR1 to the leader',
        );
        return;
      }
      (electing ? keyStore.requestKey() : keyStore.generateKey('signal')).catch((error: unknown) =>
        log.error({ error: errorMessage(error) }, 'Key generation failed'),
      );
    });

    // Decryption and templates run in the pool's worker threads, under the per-object time budget.
    const unsealWith = (ss: SealedSecret) =>
      pool.unseal(ss, { acceptDeprecatedV1Data: config.acceptDeprecatedV1Data });
    // The reconcile also learns which key decrypted which item, and why items do not decrypt (issue 14).
    const inventory = new KeyInventory();

    // Own-namespace mode with --all-namespaces=false or any additional namespace (compat §3.2); the additional
    // ones are looked up only after the HTTP servers listen (addendum §3.1).
    const ownNamespaceOnly = !config.allNamespaces || config.additionalNamespaces.length > 0;
    let bootstrapping = ownNamespaceOnly && config.additionalNamespaces.length > 0;
    const recorder = new EventRecorder({ gateway: writer, clock });
    const events = new EventQueue({
      // A replica that just stopped leading sends nothing more; the next leader records its own events.
      send: (event) =>
        recorder.record(event).catch((error: unknown) => {
          if (!isNotLeader(error)) throw error;
        }),
      log: log.child({ component: 'events' }),
    });
    const controller: Controller = new Controller({
      gateway: writer,
      leaderElected: electing,
      namespaces: ownNamespaceOnly ? [namespace] : undefined,
      labelSelector: config.labelSelector,
      skipRecreate: config.skipRecreate,
      maxUnsealRetries: config.maxUnsealRetries,
      // Enough reconciles in flight that the decrypt pool stays busy while others wait for the API server.
      workers: config.workers > 0 ? config.workers : 4 * cpuBudget(),
      clock,
      log: log.child({ component: 'controller' }),
      onSealedSecretDeleted: (ns, name) => {
        metrics.forgetConditions(ns, name);
        pool.forget(`${ns}/${name}`);
        inventory.forget(ns, name);
      },
      reconcile: (key) =>
        reconcile(key, {
          gateway: writer,
          getCached: (ns, name) => controller.getSealedSecret(ns, name),
          cachedSecret: (ns, name) => controller.secretState(ns, name),
          unseal: (ss) =>
            pool.unsealWithKeys(ss, {
              acceptDeprecatedV1Data: config.acceptDeprecatedV1Data,
              diagnose: true,
            }),
          recordKeys: (ss, itemKeys) => inventory.record(ss, itemKeys),
          events,
          clock,
          log,
          metrics,
          updateStatus: config.updateStatus,
          oldGcBehavior: config.oldGcBehavior,
          audit: (ss, result) => audit.unseal(ss, result),
        }),
    });
    // Followers learn the leader's new keys through this watch, so leader election turns it on.
    const keyWatch =
      config.watchForSecrets || electing
        ? new Informer({
            gateway,
            resource: 'secrets',
            scope: { namespace, labelSelector: ACTIVE_KEY_SELECTOR },
            handlers: { onAdd: (secret) => keyStore.addSecret(secret) },
            clock,
            log: log.child({ component: 'key-watch' }),
          })
        : undefined;
    leaderTerm.run = async (term) => {
      await keyStore.ensureKeys(term);
      keyStore.scheduleRenewals(term);
      await controller.lead(term);
      // The next leader reports the statuses; this replica's series would go stale.
      metrics.forgetAllConditions();
    };

    const keyInventory = () => inventory.report(keyStore.current(), controller.sealedSecrets());
    metrics.setKeyInventory(keyInventory);
    const api = buildServer({
      log: log.child({ component: 'http' }),
      metrics,
      certificatePem: () => keyStore.current().latest()?.certificate.pem,
      latestPublicKey: () => keyStore.current().latest()?.certificate.publicKey,
      decryptorFor: (objectKey) => pool.decryptorFor(objectKey),
      acceptDeprecatedV1Data: config.acceptDeprecatedV1Data,
      unseal: unsealWith,
      readiness: () => {
        // Upstream's /readyz: "not ready" without a reason while the additional namespaces are looked up.
        if (bootstrapping) return { ready: false, reasons: [] };
        const reasons = [...controller.notReadyReasons()];
        if (keyWatch !== undefined && !(keyWatch.synced && keyWatch.healthy)) {
          reasons.push(`key watch: ${keyWatch.lastError ?? 'starting'}`);
        }
        // A replica is ready when it can serve its certificate, whether it leads or not.
        if (electing && keyStore.current().size === 0) reasons.push('no sealing key loaded yet');
        return { ready: reasons.length === 0, reasons };
      },
      audit,
      keyInventory,
      certChain: () => certChainOf(keyStore.current()),
      rateLimit: config.rateLimit,
      rateLimitBurst: config.rateLimitBurst,
      readTimeoutMs: config.readTimeoutMs,
      writeTimeoutMs: config.writeTimeoutMs,
      ...(config.webUi && { webUi: await loadWebUiLogged(log) }),
    });
    const metricsServer = buildMetricsServer({ log: log.child({ component: 'metrics' }), metrics });

    const running = Promise.all([
      controller.start(stop.signal),
      keyWatch?.run(stop.signal),
      elector?.run(stop.signal),
      // The fault-injected "leader" leads from the start, for the process' life.
      assumeLeader ? leaderTerm.run(stop.signal) : undefined,
    ]);
    let webhook: RunningWebhook | undefined;
    try {
      await api.listen(parseListenAddress(config.listenAddr));
      await metricsServer.listen(parseListenAddress(config.listenMetricsAddr));
      log.info({ api: config.listenAddr, metrics: config.listenMetricsAddr }, 'HTTP servers listening');
      if (config.webhook !== undefined) {
        webhook = await startWebhook({
          config: config.webhook,
          gateway,
          namespace,
          watchedNamespaces: () =>
            ownNamespaceOnly ? [namespace, ...config.additionalNamespaces] : undefined,
          decryptorFor: (objectKey) => pool.decryptorFor(objectKey),
          acceptDeprecatedV1Data: config.acceptDeprecatedV1Data,
          keys: () => keyStore.current(),
          subscribeKeys: (listener) => keyStore.subscribe(listener),
          registry: metrics.registry,
          clock,
          log: log.child({ component: 'webhook' }),
        });
      }
    } catch (error) {
      stop.abort();
      await running;
      throw new ControllerError('STARTUP', `cannot start the HTTP servers: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    if (bootstrapping) {
      try {
        await bootstrapAdditionalNamespaces({
          namespaces: config.additionalNamespaces,
          ownNamespace: namespace,
          exists: (name) => gateway.namespaceExists(name),
          watch: (name) => controller.watchNamespace(name),
          log,
        });
      } catch (error) {
        stop.abort();
        await running;
        await Promise.all([api.close(), metricsServer.close(), webhook?.close()]);
        throw new ControllerError(
          'STARTUP',
          `cannot look up the additional namespaces: ${errorMessage(error)}`,
          {
            cause: error,
          },
        );
      }
      bootstrapping = false;
      log.info({ namespaces: config.additionalNamespaces.length }, 'Additional namespaces bootstrapped');
    }
    await running;
    await events.flush(EVENT_FLUSH_TIMEOUT_MS);
    log.info('Stopping: watches closed and in-flight work finished, closing the HTTP servers');
    await Promise.all([api.close(), metricsServer.close(), webhook?.close()]);
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

/** A missing page is logged and answered with 503 at `/`; it never stops the controller from unsealing. */
async function loadWebUiLogged(log: Logger): Promise<WebUi> {
  const webUi = await loadWebUi();
  if ('unavailable' in webUi) log.error(`--web-ui: ${webUi.unavailable}`);
  else log.info('Serving the sealing page at /');
  return webUi;
}
