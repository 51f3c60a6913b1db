import { createPrivateKey, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { generateRsaKeyPair, issueCertificate, type Secret } from '@ssts/core';
import { isKubeError } from '@ssts/kube';
import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { KubeGateway } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';

/** The webhook's TLS identity: private key and certificate (PEM), for `tls.createSecureContext`. */
export interface ServingIdentity {
  readonly key: string;
  readonly cert: string;
  readonly notAfter: Date;
}

export interface ServingCertificatesOptions {
  readonly gateway: KubeGateway;
  /** The controller's namespace: where the CA Secret lives. */
  readonly namespace: string;
  readonly secretName: string;
  /** The ValidatingWebhookConfiguration whose webhooks get the CA bundle; empty: none is written. */
  readonly configurationName: string;
  /** subjectAltNames of the serving certificate (the Service's DNS names, or 127.0.0.1 out of cluster). */
  readonly hosts: readonly string[];
  readonly caValidityMs: number;
  readonly certValidityMs: number;
  /** How often the Secret and the configuration are checked again (a `helm upgrade` resets `caBundle`). */
  readonly syncIntervalMs: number;
  readonly clock: Clock;
  readonly log: Logger;
  /** Called with each new serving identity (the first one before `start` resolves). */
  readonly onIdentity: (identity: ServingIdentity) => void;
  /** RSA-2048 by default; tests inject cheaper or fixed keys. */
  readonly generateKey?: () => Promise<KeyObject>;
}

/** Secret keys: the current CA (`tls.crt`, `tls.key`) and the bundle the API server trusts (`ca.crt`). */
const CA_CERT = 'tls.crt';
const CA_KEY = 'tls.key';
const CA_BUNDLE = 'ca.crt';
/** A CA, or a serving certificate, is replaced once this share of its lifetime has passed. */
const RENEW_AT = 2 / 3;
/** Retry delay after a failed sync (the API server is down, RBAC is missing, the configuration is not there yet). */
const RETRY_MS = 5_000;
/** Certificates start this much before they are made (clock skew); lifetimes are counted from issuance. */
const BACKDATE_MS = 60_000;
/** Syncs never follow each other faster than this, whatever the validities. */
const MIN_SYNC_GAP_MS = 1_000;

interface Authority {
  readonly certPem: string;
  readonly key: KeyObject;
  readonly notBefore: number;
  readonly notAfter: number;
  /** PEM certificates of every CA still valid, the current one first. */
  readonly bundle: string;
}

/**
 * The webhook's private CA and serving certificate (docs/admission.md, "Certificates"). The CA lives in a Secret of
 * the controller's namespace, so every replica serves a certificate from the same CA; each replica issues its own
 * serving certificate from it in memory. The CA's certificate bundle is written into the webhooks of the
 * ValidatingWebhookConfiguration (`clientConfig.caBundle`). Rotation without a failed call: a new CA is made at 2/3 of
 * the old one's life and the bundle keeps the old one until it expires, so certificates of either verify; a serving
 * certificate is reissued at 2/3 of its life or when the CA changed, only after the bundle holding its CA was written.
 */
export class ServingCertificates {
  readonly #options: ServingCertificatesOptions;
  #authority: Authority | undefined;
  #identity: (ServingIdentity & { readonly renewAt: number; readonly caPem: string }) | undefined;
  #timer: unknown;
  #stopped = false;
  #lastInjectionError: string | undefined;

  constructor(options: ServingCertificatesOptions) {
    this.#options = options;
  }

  /** The CA bundle (PEM) the API server must trust; undefined before the first sync. */
  get caBundle(): string | undefined {
    return this.#authority?.bundle;
  }

  get identity(): ServingIdentity | undefined {
    return this.#identity;
  }

  /** The first sync (throws when there is no CA and none can be made), then periodic ones. */
  async start(): Promise<void> {
    const injected = await this.sync();
    this.#schedule(injected ? this.#options.syncIntervalMs : RETRY_MS);
  }

  stop(): void {
    this.#stopped = true;
    this.#options.clock.clearTimeout(this.#timer);
  }

  /**
   * One pass: load (or make, or rotate) the CA in its Secret, reissue the serving certificate when due, and write
   * the bundle into the webhook configuration. Throws only when no CA is available at all.
   */
  async sync(): Promise<boolean> {
    const now = this.#options.clock.now();
    const authority = await this.#loadAuthority(now);
    this.#authority = authority;
    const injected = await this.#inject(authority.bundle);
    const identity = this.#identity;
    // After a CA rotation the current certificate is kept until it is due: API servers see the new bundle a moment
    // after it is written, and until then trust only the CA that signed it. Reissued at once only when its CA
    // left the bundle (the Secret was replaced).
    if (identity === undefined || !authority.bundle.includes(identity.caPem) || now >= identity.renewAt) {
      const issued = await this.#issue(authority, now);
      this.#identity = issued;
      this.#options.log.info(
        { notAfter: issued.notAfter.toISOString(), hosts: this.#options.hosts.join(',') },
        'Webhook serving certificate issued',
      );
      this.#options.onIdentity(issued);
    }
    return injected;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    const { clock } = this.#options;
    const due = Math.min(
      this.#identity?.renewAt ?? Infinity,
      this.#authority === undefined
        ? Infinity
        : renewTime(this.#authority.notBefore, this.#authority.notAfter),
    );
    const wait = Math.max(MIN_SYNC_GAP_MS, Math.min(delayMs, due - clock.now()));
    this.#timer = clock.setTimeout(() => {
      this.sync().then(
        (injected) => this.#schedule(injected ? this.#options.syncIntervalMs : RETRY_MS),
        (error: unknown) => {
          this.#options.log.error({ error: errorMessage(error) }, 'Webhook certificate sync failed');
          this.#schedule(RETRY_MS);
        },
      );
    }, wait);
  }

  async #loadAuthority(now: number): Promise<Authority> {
    const { gateway, namespace, secretName, log } = this.#options;
    for (let attempt = 0; ; attempt++) {
      const secret = await gateway.getSecret(namespace, secretName);
      let current: Authority | undefined;
      if (secret !== undefined) {
        try {
          current = readAuthority(secret, now);
        } catch (error) {
          log.error(
            { secret: secretName, error: errorMessage(error) },
            'Webhook CA Secret unusable, replacing it',
          );
        }
      }
      const due = current === undefined || now >= renewTime(current.notBefore, current.notAfter);
      // A bundle that still lists expired CAs is pruned in the Secret too.
      if (current !== undefined && !due && secret?.data?.[CA_BUNDLE] === b64(current.bundle)) return current;
      const next = current !== undefined && !due ? current : await this.#newAuthority(now, current);
      const data = {
        [CA_CERT]: b64(next.certPem),
        [CA_KEY]: b64(next.key.export({ type: 'pkcs8', format: 'pem' }).toString()),
        [CA_BUNDLE]: b64(next.bundle),
      };
      try {
        if (secret === undefined) {
          await gateway.createSecret({
            metadata: {
              name: secretName,
              namespace,
              labels: { 'app.kubernetes.io/component': 'webhook-ca' },
            },
            type: 'kubernetes.io/tls',
            data,
          });
        } else {
          // resourceVersion makes the PUT conditional: of replicas rotating at once, one wins, the others reload.
          await gateway.updateSecret({ ...secret, data: { ...secret.data, ...data } });
        }
        if (due) {
          log.info(
            { secret: secretName, notAfter: new Date(next.notAfter).toISOString() },
            current === undefined ? 'Webhook CA created' : 'Webhook CA rotated',
          );
        }
        return next;
      } catch (error) {
        const raced = isKubeError(error, 'AlreadyExists') || isKubeError(error, 'Conflict');
        if (!raced || attempt >= 2) throw error;
      }
    }
  }

  async #newAuthority(now: number, previous: Authority | undefined): Promise<Authority> {
    const key = await this.#generateKey();
    const notAfter = now + this.#options.caValidityMs;
    const certPem = issueCertificate({
      key,
      selfSignKey: key,
      commonName: `sealed-secrets-webhook-ca-${Math.floor(now / 1000)}`,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(notAfter),
      serial: randomBytes(16),
      usage: 'ca',
    });
    // The bundle keeps every older CA that is still valid: serving certificates they signed still verify.
    const kept =
      previous === undefined ? [] : splitPem(previous.bundle).filter((pem) => stillValid(pem, now));
    const parsed = new X509Certificate(certPem);
    return {
      certPem,
      key,
      notBefore: Date.parse(parsed.validFrom),
      notAfter: Date.parse(parsed.validTo),
      bundle: [certPem, ...kept].join(''),
    };
  }

  async #issue(
    authority: Authority,
    now: number,
  ): Promise<ServingIdentity & { readonly renewAt: number; readonly caPem: string }> {
    const key = await this.#generateKey();
    const notBefore = now - BACKDATE_MS;
    const notAfter = Math.min(now + this.#options.certValidityMs, authority.notAfter);
    const cert = issueCertificate({
      key,
      issuer: { certificatePem: authority.certPem, privateKey: authority.key },
      commonName: this.#options.hosts[0] ?? 'sealed-secrets-webhook',
      notBefore: new Date(notBefore),
      notAfter: new Date(notAfter),
      serial: randomBytes(16),
      usage: 'server',
      hosts: this.#options.hosts,
    });
    return {
      key: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
      cert,
      notAfter: new Date(notAfter),
      renewAt: renewTime(notBefore, notAfter),
      caPem: authority.certPem,
    };
  }

  /** Writes the bundle into each webhook of the configuration that lacks it; false when it could not. */
  async #inject(bundle: string): Promise<boolean> {
    const { gateway, configurationName, log } = this.#options;
    if (configurationName === '') return true;
    const caBundle = b64(bundle);
    try {
      const configuration = await gateway.getValidatingWebhookConfiguration(configurationName);
      if (configuration === undefined) {
        this.#injectionFailed(`ValidatingWebhookConfiguration ${configurationName} not found`);
        return false;
      }
      const stale = (configuration.webhooks ?? [])
        .filter((w) => w.clientConfig?.caBundle !== caBundle)
        .map((w) => w.name);
      if (stale.length > 0) {
        await gateway.patchValidatingWebhookCaBundle(configurationName, stale, caBundle);
        log.info(
          { configuration: configurationName, webhooks: stale.join(',') },
          'Webhook CA bundle written',
        );
      }
      this.#lastInjectionError = undefined;
      return true;
    } catch (error) {
      this.#injectionFailed(`cannot write the CA bundle into ${configurationName}: ${errorMessage(error)}`);
      return false;
    }
  }

  /** Logged once per distinct error, not at every retry. */
  #injectionFailed(message: string): void {
    if (message !== this.#lastInjectionError) this.#options.log.error(message);
    this.#lastInjectionError = message;
  }

  async #generateKey(): Promise<KeyObject> {
    if (this.#options.generateKey !== undefined) return this.#options.generateKey();
    return (await generateRsaKeyPair(2048)).privateKey;
  }
}

/** 2/3 of the lifetime counted from issuance (notBefore is backdated). */
function renewTime(notBefore: number, notAfter: number): number {
  const issued = Math.min(notBefore + BACKDATE_MS, notAfter);
  return issued + (notAfter - issued) * RENEW_AT;
}

function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

function text(secret: Secret, key: string): string {
  const value = secret.data?.[key];
  if (value === undefined) throw new Error(`no ${key}`);
  return Buffer.from(value, 'base64').toString();
}

function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\r?\n?/g) ?? [];
}

function stillValid(pem: string, now: number): boolean {
  try {
    return Date.parse(new X509Certificate(pem).validTo) > now;
  } catch {
    return false;
  }
}

/** The CA of the Secret, when its key matches its certificate and it has not expired. */
function readAuthority(secret: Secret, now: number): Authority {
  const certPem = text(secret, CA_CERT);
  const cert = new X509Certificate(certPem);
  const key = createPrivateKey(text(secret, CA_KEY));
  if (!cert.checkPrivateKey(key)) throw new Error(`${CA_KEY} does not match ${CA_CERT}`);
  if (!cert.ca) throw new Error(`${CA_CERT} is not a CA certificate`);
  const notAfter = Date.parse(cert.validTo);
  if (notAfter <= now) throw new Error(`${CA_CERT} expired on ${cert.validTo}`);
  const bundled = secret.data?.[CA_BUNDLE] === undefined ? [] : splitPem(text(secret, CA_BUNDLE));
  const others = bundled.filter((pem) => pem.trim() !== certPem.trim() && stillValid(pem, now));
  return {
    certPem: splitPem(certPem)[0] ?? certPem,
    key,
    notBefore: Date.parse(cert.validFrom),
    notAfter,
    bundle: [splitPem(certPem)[0] ?? certPem, ...others].join(''),
  };
}
