import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { KeyRing, SealedSecret } from '@ssts/core';
import type { KeyInventoryReport } from './keys/inventory.js';
import type { ErrorReason } from './reconcile/decide.js';

const PREFIX = 'sealed_secrets_controller';
const INSTANCE_LABEL = 'app.kubernetes.io/instance';

type ConditionLabels = Record<'namespace' | 'name' | 'condition' | 'ss_app_kubernetes_io_instance', string>;

/** The metrics of compat §8, names and labels exactly as upstream, on their own registry. */
export class ControllerMetrics {
  readonly registry = new Registry();
  readonly buildInfo: Gauge<'revision'>;
  readonly unsealRequests: Counter;
  readonly unsealErrors: Counter<'reason' | 'namespace'>;
  readonly conditionInfo: Gauge<'namespace' | 'name' | 'condition' | 'ss_app_kubernetes_io_instance'>;
  readonly httpRequests: Counter<'path' | 'code' | 'method'>;
  readonly httpDuration: Histogram<'path' | 'method'>;
  /** Ours (issue 14): per loaded key, its ordering time (compat §4.4) in Unix seconds. */
  readonly keyCreation: Gauge<'fingerprint'>;
  /** Ours: per loaded key, 1 for the sealing (latest) key, 0 for the others. */
  readonly keySealing: Gauge<'fingerprint'>;
  /** Ours: `--key-renew-period` in seconds, 0 when automatic renewal is off. */
  readonly keyRenewPeriod: Gauge;
  /** Ours (issue 14): per loaded key, the SealedSecrets whose last unseal used it (computed at scrape time). */
  readonly keyObjects: Gauge<'fingerprint'>;
  /** Ours: per loaded key, the items it decrypted over those SealedSecrets. */
  readonly keyItems: Gauge<'fingerprint'>;
  #inventory: (() => KeyInventoryReport) | undefined;
  /** Per `namespace/name`, the label sets of its `condition_info` series (the objects prom-client keeps too). */
  readonly #conditionSeries = new Map<string, ConditionLabels[]>();

  readonly #omitSecretLabels: boolean;

  /**
   * `omitSecretLabels` (`--metrics-omit-secret-labels`, addendum §1.4): condition_info is never registered or set,
   * so the family is absent from /metrics (no HELP/TYPE either); everything else is unchanged.
   */
  constructor(version: string, options: { defaultMetrics?: boolean; omitSecretLabels?: boolean } = {}) {
    const registers = [this.registry];
    this.#omitSecretLabels = options.omitSecretLabels ?? false;
    // Registered with its revision label but never set, so it reads 0 (upstream quirk kept for dashboards).
    this.buildInfo = new Gauge({
      name: `${PREFIX}_build_info`,
      help: 'Build information.',
      labelNames: ['revision'],
      registers,
    });
    this.buildInfo.set({ revision: version }, 0);
    this.unsealRequests = new Counter({
      name: `${PREFIX}_unseal_requests_total`,
      help: 'Total number of sealed secret unseal requests',
      registers,
    });
    this.unsealErrors = new Counter({
      name: `${PREFIX}_unseal_errors_total`,
      help: 'Total number of sealed secret unseal errors by reason',
      labelNames: ['reason', 'namespace'],
      registers,
    });
    this.conditionInfo = new Gauge({
      name: `${PREFIX}_condition_info`,
      help: 'Current SealedSecret condition status. Values are -1 (false), 0 (unknown or absent), 1 (true)',
      labelNames: ['namespace', 'name', 'condition', 'ss_app_kubernetes_io_instance'],
      registers: this.#omitSecretLabels ? [] : registers,
    });
    this.httpRequests = new Counter({
      name: `${PREFIX}_http_requests_total`,
      help: 'Total number of HTTP requests by status code, method and path',
      labelNames: ['path', 'code', 'method'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: `${PREFIX}_http_request_duration_seconds`,
      help: 'HTTP request latencies in seconds',
      labelNames: ['path', 'method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    // Labelled by fingerprint only: a controller holds a key per renewal period (about twelve a year), so the
    // series stay few; the Secret name would add nothing a join on the fingerprint cannot find.
    this.keyCreation = new Gauge({
      name: `${PREFIX}_key_creation_timestamp_seconds`,
      help: 'Creation time of each loaded sealing key (certificate NotBefore, or the key Secret creationTimestamp with --key-order-priority=SecretCreationTimestamp), in Unix seconds',
      labelNames: ['fingerprint'],
      registers,
    });
    this.keySealing = new Gauge({
      name: `${PREFIX}_key_sealing`,
      help: 'Whether each loaded key is the one new SealedSecrets are sealed with (1) or only used to unseal (0)',
      labelNames: ['fingerprint'],
      registers,
    });
    this.keyRenewPeriod = new Gauge({
      name: `${PREFIX}_key_renew_period_seconds`,
      help: 'Configured key renewal period (--key-renew-period) in seconds, 0 when automatic renewal is disabled',
      registers,
    });
    // Computed from the key inventory when scraped, so the series always match /v1/keys. prom-client runs the
    // collect() of every family back to back in one synchronous pass, so both families share one report (one walk
    // over the cached SealedSecrets) until the next microtask; a scrape that ran them apart would only count twice.
    let scrape: { readonly report: KeyInventoryReport | undefined } | undefined;
    const inventory = (): KeyInventoryReport | undefined => {
      if (scrape === undefined) {
        scrape = { report: this.#inventory?.() };
        queueMicrotask(() => {
          scrape = undefined;
        });
      }
      return scrape.report;
    };
    this.keyObjects = new Gauge({
      name: `${PREFIX}_key_objects`,
      help: 'SealedSecrets whose last unseal used each loaded key for at least one item (0: the key is no longer needed by any watched SealedSecret)',
      labelNames: ['fingerprint'],
      registers,
      collect() {
        const report = inventory();
        this.reset();
        for (const key of report?.keys ?? []) this.set({ fingerprint: key.fingerprint }, key.objects);
      },
    });
    this.keyItems = new Gauge({
      name: `${PREFIX}_key_items`,
      help: 'Items (encryptedData values) that each loaded key decrypted in the last unseal of the watched SealedSecrets',
      labelNames: ['fingerprint'],
      registers,
      collect() {
        const report = inventory();
        this.reset();
        for (const key of report?.keys ?? []) this.set({ fingerprint: key.fingerprint }, key.items);
      },
    });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Where key_objects and key_items come from (the controller's key inventory); unset, they have no series. */
  setKeyInventory(source: () => KeyInventoryReport): void {
    this.#inventory = source;
  }

  /** Replaces the per-key series with the keys of `ring` (called with every new key snapshot). */
  observeKeys(ring: KeyRing): void {
    const sealing = ring.latest()?.fingerprint;
    this.keyCreation.reset();
    this.keySealing.reset();
    for (const entry of ring.all()) {
      const labels = { fingerprint: entry.fingerprint };
      this.keyCreation.set(labels, entry.orderingTime.getTime() / 1000);
      this.keySealing.set(labels, entry.fingerprint === sealing ? 1 : 0);
    }
  }

  unsealError(reason: ErrorReason, namespace: string): void {
    this.unsealErrors.inc({ reason, namespace });
  }

  /** Refreshes `condition_info` from an SS status (compat §8): -1 False, 1 True, 0 otherwise. */
  observeConditions(ss: SealedSecret): void {
    if (this.#omitSecretLabels) return;
    const namespace = ss.metadata.namespace ?? '';
    const name = ss.metadata.name ?? '';
    const instance = ss.metadata.labels?.[INSTANCE_LABEL] ?? '';
    for (const condition of ss.status?.conditions ?? []) {
      const value = condition.status === 'True' ? 1 : condition.status === 'False' ? -1 : 0;
      const labels = { namespace, name, condition: condition.type, ss_app_kubernetes_io_instance: instance };
      this.conditionInfo.set(labels, value);
      const key = `${namespace}/${name}`;
      // The newest labels object, as prom-client keeps the last one it was given: one copy per series.
      const series = this.#conditionSeries.get(key);
      const index = series?.findIndex((known) => sameLabels(known, labels)) ?? -1;
      if (series === undefined) this.#conditionSeries.set(key, [labels]);
      else if (index < 0) series.push(labels);
      else series[index] = labels;
    }
  }

  /** Drops every `condition_info` series: a replica that stopped leading no longer reports statuses. */
  forgetAllConditions(): void {
    this.conditionInfo.reset();
    this.#conditionSeries.clear();
  }

  /** Drops every `condition_info` series of a deleted SealedSecret. */
  forgetConditions(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    for (const labels of this.#conditionSeries.get(key) ?? []) this.conditionInfo.remove(labels);
    this.#conditionSeries.delete(key);
  }
}

function sameLabels(a: ConditionLabels, b: ConditionLabels): boolean {
  return a.condition === b.condition && a.ss_app_kubernetes_io_instance === b.ss_app_kubernetes_io_instance;
}
