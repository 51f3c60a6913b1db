import { randomBytes, type KeyObject } from 'node:crypto';
import {
  buildKeySecret,
  createSelfSignedCertificate,
  generateRsaKeyPair,
  keyEntryFromSecret,
  KeyRing,
  LABEL_SEALED_SECRETS_KEY,
  parseCertificatePem,
  publicKeyFingerprint,
  type KeyEntry,
  type KeyOrderPriority,
  type Secret,
} from '@ssts/core';
import { isKubeError } from '@ssts/kube';
import { sleepUnlessAborted, type Clock } from '../clock.js';
import { ControllerError, errorMessage } from '../errors.js';
import type { KubeGateway } from '../kube/kube-gateway.js';
import type { Leadership } from '../leader/elector.js';
import type { Logger } from '../log.js';
import { linkFromPrevious } from './cert-link.js';
import { successorKeyName } from './successor-name.js';

/** The key Secret selector of compat §4.3. */
export const ACTIVE_KEY_SELECTOR = `${LABEL_SEALED_SECRETS_KEY}=active`;

export interface GeneratedKey {
  readonly privateKey: KeyObject;
  readonly certificatePem: string;
}

/** Key generation and parsing, injectable so schedule tests need not make RSA-4096 keys. */
export interface KeyMaterial {
  generate(options: {
    bits: number;
    commonName: string;
    notBefore: Date;
    validityMs: number;
  }): Promise<GeneratedKey>;
  readSecret(secret: Secret, orderBy: KeyOrderPriority): KeyEntry;
}

export const coreKeyMaterial: KeyMaterial = {
  async generate({ bits, commonName, notBefore, validityMs }) {
    const { privateKey, publicKey } = await generateRsaKeyPair(bits);
    const certificatePem = createSelfSignedCertificate({
      privateKey,
      publicKey,
      commonName,
      notBefore,
      validityMs,
      serial: randomBytes(16),
    });
    return { privateKey, certificatePem };
  },
  readSecret: (secret, orderBy) => keyEntryFromSecret(secret, { orderBy }),
};

/** Why a key was generated: none existed, the latest predates --key-cutoff-time, the schedule, or SIGUSR1. */
export type KeyTrigger = 'initial' | 'cutoff' | 'renewal' | 'signal';

/** A key added to the ring or refused (for the audit trail; never carries key material). */
export interface KeyEvent {
  readonly action: 'generated' | 'loaded';
  /** `generated`: a KeyTrigger; `loaded`: `startup` (the initial list) or `watch` (--watch-for-secrets). */
  readonly trigger: KeyTrigger | 'startup' | 'watch';
  readonly namespace: string;
  readonly secretName?: string;
  readonly fingerprint?: string;
  /** Set when the key could not be generated or the Secret could not be used. */
  readonly error?: string;
}

export interface KeyStoreOptions {
  readonly gateway: KubeGateway;
  readonly namespace: string;
  readonly keyPrefix: string;
  readonly keySize: number;
  readonly keyTtlMs: number;
  readonly myCn: string;
  readonly renewPeriodMs: number;
  readonly cutoffTime: Date | undefined;
  readonly orderBy: KeyOrderPriority;
  readonly privateKeyLabels: Readonly<Record<string, string>>;
  readonly privateKeyAnnotations: Readonly<Record<string, string>>;
  readonly clock: Clock;
  readonly log: Logger;
  readonly material?: KeyMaterial;
  /**
   * Set with leader election: only the leader creates keys, each creation checks the API for a newer key first
   * and uses the predecessor-derived name (successorKeyName), so even two replicas that both believe they lead
   * add one key per renewal (README: "Several replicas"). Unset: upstream's behaviour exactly.
   */
  readonly leadership?: Leadership;
  /** Called once per key added to the ring, and per failed generation or unusable key Secret. */
  readonly audit?: (event: KeyEvent) => void;
}

/** Retry bounds of the first key's creation by a leader (it cannot abort start-up like a single replica). */
const FIRST_KEY_RETRY_MS = { min: 1_000, max: 30_000 };
/** After a failed scheduled renewal, the next attempt waits at least this long. */
const RENEWAL_RETRY_MS = 30_000;

/**
 * Owns the sealing keys (compat §4): loads the key Secrets, generates the first key and renewals, and publishes
 * immutable KeyRing snapshots. Readers call `current()`; nothing ever mutates a published ring.
 */
export class KeyStore {
  readonly #options: KeyStoreOptions;
  readonly #material: KeyMaterial;
  readonly #listeners = new Set<(ring: KeyRing) => void>();
  #ring = KeyRing.empty();
  #timer: unknown;
  #generating: Promise<unknown> = Promise.resolve();
  /** The key being written by #generate: the watch may deliver its Secret first; it is audited as generated. */
  #ownKey: string | undefined;
  #stopped = false;

  constructor(options: KeyStoreOptions) {
    this.#options = options;
    this.#material = options.material ?? coreKeyMaterial;
  }

  current(): KeyRing {
    return this.#ring;
  }

  /** Called with every new snapshot; returns an unsubscribe function. */
  subscribe(listener: (ring: KeyRing) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Compat §4.3: the `active` key Secrets plus the legacy Secret named exactly like the prefix, registered in
   * creationTimestamp order. Unusable Secrets are logged and skipped (upstream crashes).
   */
  async load(): Promise<void> {
    const { gateway, namespace, keyPrefix } = this.#options;
    const { items } = await gateway.list('secrets', { namespace, labelSelector: ACTIVE_KEY_SELECTOR });
    const legacy = await gateway.getSecret(namespace, keyPrefix);
    if (legacy !== undefined && !items.some((s) => s.metadata.name === legacy.metadata.name))
      items.push(legacy);
    const ordered = items
      .map((secret, index) => ({
        secret,
        index,
        time: Date.parse(secret.metadata.creationTimestamp ?? '') || 0,
      }))
      .sort((a, b) => a.time - b.time || a.index - b.index);
    for (const { secret } of ordered) this.addSecret(secret, 'startup');
  }

  /** Registers a key Secret (startup list or the live watch). Returns false when it was unusable. */
  addSecret(secret: Secret, source: 'startup' | 'watch' = 'watch'): boolean {
    let entry: KeyEntry;
    const { name, namespace } = secret.metadata;
    try {
      entry = this.#material.readSecret(secret, this.#options.orderBy);
    } catch (error) {
      this.#options.log.error(
        { secret: name, namespace, error: errorMessage(error) },
        'Skipping a key Secret that cannot be used',
      );
      this.#options.audit?.({
        action: 'loaded',
        trigger: source,
        namespace: namespace ?? this.#options.namespace,
        ...(name !== undefined && { secretName: name }),
        error: errorMessage(error),
      });
      return false;
    }
    if (this.#register(entry) && entry.fingerprint !== this.#ownKey) {
      this.#options.audit?.({
        action: 'loaded',
        trigger: source,
        namespace: namespace ?? this.#options.namespace,
        ...(name !== undefined && { secretName: name }),
        fingerprint: entry.fingerprint,
      });
    }
    return true;
  }

  /**
   * Publishes a ring with `entry` in one reference swap (addendum §3.2): readers see either the old ring or the
   * new one, never a key that is present but not yet considered for "latest". With `replace`, an entry with the
   * same fingerprint is replaced: a key this process generated takes its ordering time "now" even when the key
   * watch registered its Secret first with the certificate's NotBefore, which has second precision and can tie
   * with or predate the previous key.
   */
  #register(entry: KeyEntry, replace = false): boolean {
    const current = this.#ring;
    const next = replace
      ? KeyRing.of([...current.all().filter((e) => e.fingerprint !== entry.fingerprint), entry])
      : current.with(entry);
    if (next === current) return false;
    this.#ring = next;
    this.#options.log.info(
      { secret: entry.secretName, fingerprint: entry.fingerprint, keys: next.size },
      'Registered a sealing key',
    );
    for (const listener of this.#listeners) listener(next);
    return true;
  }

  /**
   * Compat §4.5 startup: generate a key when there is none or the latest predates the cutoff (failure aborts
   * startup), then arm the renewal schedule.
   */
  async start(): Promise<void> {
    const latest = this.#ring.latest();
    const cutoff = this.#options.cutoffTime;
    if (latest === undefined || (cutoff !== undefined && latest.orderingTime.getTime() < cutoff.getTime())) {
      try {
        await this.generateKey(latest === undefined ? 'initial' : 'cutoff');
      } catch (error) {
        throw new ControllerError('KEYS', `cannot create the first sealing key: ${errorMessage(error)}`, {
          cause: error,
        });
      }
    }
    this.#schedule();
  }

  #schedule(): void {
    const period = this.#options.renewPeriodMs;
    if (period <= 0 || this.#stopped) return;
    const { clock } = this.#options;
    const latest = this.#ring.latest();
    const age = latest === undefined ? period : clock.now() - latest.orderingTime.getTime();
    let next = clock.now() + Math.max(0, period - age);
    const arm = (): void => {
      this.#timer = clock.setTimeout(() => {
        if (this.#stopped) return;
        // Fixed cadence: the next renewal is one period after this one was due, not after the key was made.
        next += period;
        arm();
        this.generateKey('renewal').catch((error: unknown) =>
          this.#options.log.error({ error: errorMessage(error) }, 'Scheduled key renewal failed'),
        );
      }, next - clock.now());
    };
    arm();
  }

  /** Writes a new key Secret, then registers it with ordering time "now" (compat §4.4). Serialized. */
  generateKey(trigger: KeyTrigger = 'signal'): Promise<KeyEntry> {
    return this.#serialized(() => this.#generate(trigger));
  }

  #serialized<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#generating.then(task);
    this.#generating = run.catch(() => undefined);
    return run;
  }

  /**
   * Leader election, at the start of a leader's term: like a single replica's start-up (a key when there is none
   * or the latest predates the cutoff, a renewal when one is overdue), retried until it worked or `signal` aborts,
   * since a leader cannot abort the process as upstream's start-up does.
   */
  async ensureKeys(signal: AbortSignal): Promise<void> {
    let backoff = FIRST_KEY_RETRY_MS.min;
    while (!signal.aborted) {
      try {
        await this.#serialized(() => this.#renewIfDue(true));
        if (this.#ring.latest() !== undefined) return;
      } catch (error) {
        this.#options.log.error(
          { error: errorMessage(error), retryInMs: backoff },
          'Cannot create a sealing key',
        );
      }
      await sleepUnlessAborted(this.#options.clock, backoff, signal);
      backoff = Math.min(FIRST_KEY_RETRY_MS.max, backoff * 2);
    }
  }

  /**
   * Leader election, during a leader's term: renews when the latest key is one period old. The latest key is read
   * from the API again before deciding, so a key another replica made counts even when the watch lags.
   */
  scheduleRenewals(signal: AbortSignal): void {
    const { renewPeriodMs: period, clock, log } = this.#options;
    if (period <= 0 || signal.aborted) return;
    let timer: unknown;
    const arm = (minDelayMs: number): void => {
      if (signal.aborted) return;
      const latest = this.#ring.latest();
      const due = latest === undefined ? 0 : latest.orderingTime.getTime() + period - clock.now();
      timer = clock.setTimeout(
        () => {
          if (signal.aborted) return;
          this.#serialized(() => this.#renewIfDue(false))
            .then(() => arm(0))
            .catch((error: unknown) => {
              log.error({ error: errorMessage(error) }, 'Scheduled key renewal failed');
              arm(RENEWAL_RETRY_MS);
            });
        },
        Math.max(minDelayMs, due),
      );
    };
    signal.addEventListener('abort', () => clock.clearTimeout(timer), { once: true });
    arm(0);
  }

  /** Leader election, SIGUSR1: a key now on the leader (no due check; still one successor per key). */
  requestKey(): Promise<KeyEntry | undefined> {
    return this.#serialized(async () => {
      await this.load();
      if (this.#options.leadership?.isLeader() === false) return undefined;
      return this.#createSuccessor(this.#ring.latest(), 'signal');
    });
  }

  /**
   * Why a key is due, if it is: none yet, the cutoff (at a leader's start only, like upstream's start-up), or a
   * renewal period.
   */
  #due(atLeaderStart: boolean): KeyTrigger | undefined {
    const latest = this.#ring.latest();
    if (latest === undefined) return 'initial';
    const { cutoffTime, renewPeriodMs: period, clock } = this.#options;
    const ordered = latest.orderingTime.getTime();
    if (atLeaderStart && cutoffTime !== undefined && ordered < cutoffTime.getTime()) return 'cutoff';
    if (period <= 0) return undefined;
    // A timer may fire a little early; a key younger than that is someone else's renewal of this period.
    const slack = Math.min(1_000, period / 10);
    return clock.now() - ordered >= period - slack ? 'renewal' : undefined;
  }

  async #renewIfDue(atLeaderStart: boolean): Promise<void> {
    await this.load();
    const trigger = this.#due(atLeaderStart);
    if (trigger === undefined || this.#options.leadership?.isLeader() === false) return;
    await this.#createSuccessor(this.#ring.latest(), trigger);
  }

  /**
   * Creates the key that succeeds `predecessor` under its one possible name: when another replica created it
   * first (AlreadyExists), that key is loaded instead. A name taken by something else (a relabelled key, a
   * foreign Secret) falls back to upstream's random name; the fresh list just before found no newer key.
   */
  async #createSuccessor(
    predecessor: KeyEntry | undefined,
    trigger: KeyTrigger,
  ): Promise<KeyEntry | undefined> {
    const { gateway, namespace, keyPrefix, log } = this.#options;
    const name = successorKeyName(keyPrefix, predecessor?.fingerprint);
    log.info({ secret: name, trigger }, 'Creating a sealing key');
    try {
      return await this.#generate(trigger, name);
    } catch (error) {
      if (!isKubeError(error, 'AlreadyExists')) throw error;
    }
    const existing = await gateway.getSecret(namespace, name);
    if (
      existing !== undefined &&
      existing.metadata.labels?.[LABEL_SEALED_SECRETS_KEY] === 'active' &&
      this.addSecret(existing)
    ) {
      const entry = this.#ring.all().find((e) => e.secretName === name);
      if (entry !== undefined && entry.fingerprint !== predecessor?.fingerprint) {
        log.info({ secret: name }, 'Another replica created this key first; using it');
        return entry;
      }
    }
    log.warn({ secret: name }, 'The successor key name is taken by another Secret; using a random name');
    return this.#generate(trigger);
  }

  /**
   * Generates and writes a key, audited as generated (success or failure). A successor name another replica took
   * first (AlreadyExists) is not a failure: #createSuccessor loads that key instead.
   */
  async #generate(trigger: KeyTrigger, name?: string): Promise<KeyEntry> {
    const { audit, namespace } = this.#options;
    try {
      const entry = await this.#write(name);
      audit?.({
        action: 'generated',
        trigger,
        namespace,
        ...(entry.secretName !== undefined && { secretName: entry.secretName }),
        fingerprint: entry.fingerprint,
      });
      return entry;
    } catch (error) {
      if (name === undefined || !isKubeError(error, 'AlreadyExists'))
        audit?.({ action: 'generated', trigger, namespace, error: errorMessage(error) });
      throw error;
    }
  }

  async #write(name: string | undefined): Promise<KeyEntry> {
    const o = this.#options;
    const now = new Date(o.clock.now());
    const key = await this.#material.generate({
      bits: o.keySize,
      commonName: o.myCn,
      notBefore: now,
      validityMs: o.keyTtlMs,
    });
    // Key continuity: the current sealing key signs the new certificate (keys/cert-link.ts).
    const previous = linkFromPrevious(this.#ring.latest(), key.certificatePem);
    if (previous !== undefined && 'error' in previous) {
      o.log.error(
        { error: errorMessage(previous.error) },
        'Cannot sign the new certificate with the previous key',
      );
    }
    const link = previous !== undefined && 'link' in previous ? previous : undefined;
    const built = buildKeySecret({
      prefix: o.keyPrefix,
      namespace: o.namespace,
      privateKey: key.privateKey,
      certificatePem: key.certificatePem,
      labels: o.privateKeyLabels,
      annotations: { ...o.privateKeyAnnotations, ...link?.annotations },
    });
    let secret = built;
    if (name !== undefined) {
      const { generateName: _random, ...metadata } = built.metadata;
      secret = { ...built, metadata: { ...metadata, name } };
    }
    const fingerprint = publicKeyFingerprint(key.privateKey);
    this.#ownKey = fingerprint;
    let created: Secret;
    try {
      created = await o.gateway.createSecret(secret);
    } catch (error) {
      this.#ownKey = undefined;
      throw error;
    }
    const entry: KeyEntry = {
      fingerprint,
      privateKey: key.privateKey,
      certificate: parseCertificatePem(key.certificatePem),
      orderingTime: now,
      ...(created.metadata.name !== undefined && { secretName: created.metadata.name }),
      ...(link !== undefined && { link: link.link }),
    };
    this.#register(entry, true);
    this.#ownKey = undefined;
    // Upstream logs the new certificate so users without cluster access can copy it; never the private key.
    o.log.info({ secret: created.metadata.name, certificate: key.certificatePem }, 'Certificate generated');
    return entry;
  }

  /** Stops the renewal schedule. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
  }
}
