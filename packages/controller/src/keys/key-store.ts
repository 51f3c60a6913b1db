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
import type { Clock } from '../clock.js';
import { ControllerError, errorMessage } from '../errors.js';
import type { KubeGateway } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';
import { linkFromPrevious } from './cert-link.js';

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
  /** Called once per key added to the ring, and per failed generation or unusable key Secret. */
  readonly audit?: (event: KeyEvent) => void;
}

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
    const run = this.#generating.then(() => this.#generate());
    this.#generating = run.catch(() => undefined);
    const { audit, namespace } = this.#options;
    if (audit !== undefined) {
      run.then(
        (entry) =>
          audit({
            action: 'generated',
            trigger,
            namespace,
            ...(entry.secretName !== undefined && { secretName: entry.secretName }),
            fingerprint: entry.fingerprint,
          }),
        (error: unknown) => audit({ action: 'generated', trigger, namespace, error: errorMessage(error) }),
      );
    }
    return run;
  }

  async #generate(): Promise<KeyEntry> {
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
    const secret = buildKeySecret({
      prefix: o.keyPrefix,
      namespace: o.namespace,
      privateKey: key.privateKey,
      certificatePem: key.certificatePem,
      labels: o.privateKeyLabels,
      annotations: { ...o.privateKeyAnnotations, ...link?.annotations },
    });
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
