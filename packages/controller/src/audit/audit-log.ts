import type { IncomingMessage } from 'node:http';
import { capMessage, type SealedSecret } from '@ssts/core';
import type { KeyEvent } from '../keys/key-store.js';
import type { Logger } from '../log.js';
import type { SyncResult } from '../reconcile/reconcile.js';

/**
 * The audit trail (issue 18, docs/audit.md): one JSON line per unseal, verify, rotate and key event, written by the
 * audit logger (log.ts `createAuditLogger`: always JSON, always at info, whatever --log-level/--log-format say).
 * Field names and values are a stable interface: add fields, never rename or remove them. Nothing here ever
 * receives a decrypted value, a ciphertext or a private key; every string that came from outside is capped.
 */

export type AuditEvent = 'unseal' | 'verify' | 'rotate' | 'key';
export type AuditOutcome = 'success' | 'failure';

/** The `msg` of every audit line. */
export const AUDIT_MESSAGE = 'audit';

/** Kubernetes names are at most 253 characters; anything longer was posted by someone probing. */
const NAME_BYTES = 253;
const HEADER_VALUE_BYTES = 256;
const URI_BYTES = 512;
/** X-Forwarded-For elements kept: the last ones, appended by the proxies nearest the controller. */
export const FORWARDED_FOR_ELEMENTS = 10;
const ADDRESS_BYTES = 64;
const IDENTITY_HEADER_NAMES = 16;
const IDENTITY_HEADER_VALUES = 16;

/**
 * Identity headers an authenticating proxy sets (`X-Remote-*`, the front-proxy/aggregator convention, as set by
 * kube-rbac-proxy) and the impersonation headers. kube-apiserver's service proxy consumes and strips all of them
 * (docs/audit.md, `e2e:audit` proves it), so they are logged as sent and never trusted.
 */
const IDENTITY_HEADER = /^(x-remote-(user|group|uid|extra-.+)|impersonate-(user|group|uid|extra-.+))$/;

export interface AuditObject {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
}

/** Where an HTTP request came from, as far as the controller can tell. */
export interface AuditRequest {
  readonly method: string;
  readonly path: string;
  /** The TCP peer: the API server for requests through its service proxy. */
  readonly remoteAddress: string | null;
  /** Every X-Forwarded-For element in order (the last FORWARDED_FOR_ELEMENTS); the API server appends its client. */
  readonly forwardedFor: readonly string[];
  /** X-Forwarded-Uri, set by kube-apiserver's proxy to the path it was called with (without the query). */
  readonly forwardedUri?: string;
  readonly userAgent?: string;
  /** Identity and impersonation headers exactly as they arrived (lower-case names): claims, not verified. */
  readonly identityHeaders?: Readonly<Record<string, readonly string[]>>;
}

export interface HttpAuditResult {
  readonly status: number;
  /** The posted SealedSecret, when the body could be decoded. */
  readonly object?: SealedSecret;
  /** Set on failures (already bounded by the caller or here). */
  readonly error?: string;
}

export interface AuditLogDeps {
  /** log.ts `createAuditLogger`. */
  readonly log: Logger;
  /** The key that last opened a value of `namespace/name` (the decrypt pool remembers it). */
  readonly keyOf: (objectKey: string) => string | undefined;
  /** The sealing (latest) key's fingerprint. */
  readonly sealingKey: () => string | undefined;
}

/** The controller's audit trail: builds each line from what the call site knows and writes it. */
export class AuditLog {
  readonly #deps: AuditLogDeps;

  constructor(deps: AuditLogDeps) {
    this.#deps = deps;
  }

  /** One reconcile pass of a SealedSecret that exists (a deleted one is not unsealed and not audited). */
  unseal(ss: SealedSecret, result: SyncResult): void {
    const object = auditObject(ss, true);
    // After a decryption failure the pool still remembers the key of an earlier pass: it is not this pass's.
    const decrypted = result.ok || result.reason !== 'unseal';
    const fingerprint = decrypted ? this.#deps.keyOf(objectKey(ss)) : undefined;
    this.#write({
      event: 'unseal',
      outcome: result.ok ? 'success' : 'failure',
      object,
      ...(fingerprint !== undefined && { fingerprint }),
      ...(result.ok
        ? { secret: result.secret }
        : { reason: result.reason, error: capMessage(result.message) }),
    });
  }

  /** One /v1/verify or /v1/rotate request that reached its handler (429 and 413 answers come before it). */
  http(event: 'verify' | 'rotate', request: IncomingMessage, path: string, result: HttpAuditResult): void {
    const ok = result.status === 200;
    const fingerprint =
      ok && result.object !== undefined ? this.#deps.keyOf(objectKey(result.object)) : undefined;
    const newFingerprint = ok && event === 'rotate' ? this.#deps.sealingKey() : undefined;
    this.#write({
      event,
      outcome: ok ? 'success' : 'failure',
      ...(result.object !== undefined && { object: auditObject(result.object, false) }),
      ...(fingerprint !== undefined && { fingerprint }),
      ...(newFingerprint !== undefined && { newFingerprint }),
      status: result.status,
      request: auditRequest(request, path),
      ...(result.error !== undefined && { error: capMessage(result.error) }),
    });
  }

  /** A key generated (first key, cut-off, renewal, SIGUSR1) or loaded (start-up list, key watch). */
  key(event: KeyEvent): void {
    this.#write({
      event: 'key',
      outcome: event.error === undefined ? 'success' : 'failure',
      action: event.action,
      trigger: event.trigger,
      object: { namespace: event.namespace, name: event.secretName ?? '' },
      ...(event.fingerprint !== undefined && { fingerprint: event.fingerprint }),
      ...(event.error !== undefined && { error: capMessage(event.error) }),
    });
  }

  #write(record: { event: AuditEvent; outcome: AuditOutcome } & Record<string, unknown>): void {
    this.#deps.log.info({ audit: true, ...record }, AUDIT_MESSAGE);
  }
}

function objectKey(ss: SealedSecret): string {
  return `${ss.metadata.namespace ?? ''}/${ss.metadata.name ?? ''}`;
}

/** From the API server (`stored`) all fields are real; from a request body they are whatever was posted. */
function auditObject(ss: SealedSecret, stored: boolean): AuditObject {
  const { namespace, name, uid, generation, resourceVersion } = ss.metadata;
  return {
    namespace: capMessage(namespace ?? '', NAME_BYTES),
    name: capMessage(name ?? '', NAME_BYTES),
    ...(typeof uid === 'string' && uid !== '' && { uid: capMessage(uid, NAME_BYTES) }),
    ...(stored && typeof generation === 'number' && { generation }),
    ...(stored && typeof resourceVersion === 'string' && { resourceVersion }),
  };
}

/** What the request says about its origin, bounded: values capped, lists cut. */
export function auditRequest(request: IncomingMessage, path: string): AuditRequest {
  const raw = request.rawHeaders;
  const forwardedFor: string[] = [];
  let forwardedUri: string | undefined;
  let userAgent: string | undefined;
  const identity = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'x-forwarded-for') {
      for (const element of value.split(',')) {
        const trimmed = element.trim();
        if (trimmed === '') continue;
        forwardedFor.push(capMessage(trimmed, ADDRESS_BYTES));
        if (forwardedFor.length > FORWARDED_FOR_ELEMENTS) forwardedFor.shift();
      }
    } else if (name === 'x-forwarded-uri') {
      forwardedUri = capMessage(value, URI_BYTES);
    } else if (name === 'user-agent') {
      userAgent = capMessage(value, HEADER_VALUE_BYTES);
    } else if (IDENTITY_HEADER.test(name)) {
      const key = capMessage(name, ADDRESS_BYTES);
      const values = identity.get(key) ?? [];
      if (values.length === 0 && identity.size >= IDENTITY_HEADER_NAMES) continue;
      if (values.length < IDENTITY_HEADER_VALUES) values.push(capMessage(value, HEADER_VALUE_BYTES));
      identity.set(key, values);
    }
  }
  return {
    method: request.method ?? '',
    path,
    remoteAddress: request.socket?.remoteAddress ?? null,
    forwardedFor,
    ...(forwardedUri !== undefined && { forwardedUri }),
    ...(userAgent !== undefined && { userAgent }),
    ...(identity.size > 0 && { identityHeaders: Object.fromEntries(identity) }),
  };
}
