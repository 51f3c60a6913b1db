import { isDeepStrictEqual } from 'node:util';
import {
  ANNOTATION_CLUSTER_WIDE,
  ANNOTATION_NAMESPACE_WIDE,
  decodeBase64Strict,
  encryptionLabelText,
  parseSealedSecret,
  quoteUserText,
  readSealHints,
  scopeFromAnnotations,
  type KeyRing,
  type SealedSecret,
  type ValueDecryptor,
} from '@ssts/core';
import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import {
  decryptEachValue,
  NotDecryptableError,
  type ValueOutcome,
  type ValueOutcomes,
} from '../http/decrypt-items.js';
import { boundedClientKey, type GcraLimiter } from '../http/rate-limiter.js';
import type { Logger } from '../log.js';
import {
  admissionResponse,
  parseAdmissionReview,
  type AdmissionDecision,
  type AdmissionRequest,
} from './admission-review.js';
import { candidateLabels, describeFailures, matchLabel, type ValueVerdict } from './diagnose.js';
import { labelHash, type ProbeResult } from './oaep-probe.js';

/** Values of one object that are trial-decrypted; more are admitted unchecked, with a warning. */
export const MAX_CHECKED_VALUES = 256;
/** RSA operations spent per request on finding out why values fail (the probe); the rest are not diagnosed. */
export const DIAGNOSIS_RSA_BUDGET = 64;

/** How a review ended, for metrics and logs. */
export type ReviewResult =
  | 'allowed' // checked: every value decrypts
  | 'denied' // checked: some value cannot be decrypted
  | 'skipped' // not ours to check: another kind, a deletion, a metadata-only update, a namespace not watched
  | 'rate_limited' // the requesting user's bucket is empty: admitted unchecked
  | 'deadline' // no decision within the decision timeout: admitted unchecked
  | 'overloaded' // too many reviews in flight: admitted unchecked
  | 'unchecked'; // cannot be checked (no keys, an object we cannot read, an internal error): admitted

export interface WebhookDeps {
  /** The decrypt pool's decryptor for `ns/name` (the same path as /v1/verify). */
  readonly decryptorFor: (objectKey: string) => ValueDecryptor;
  readonly acceptDeprecatedV1Data: boolean;
  readonly keys: () => KeyRing;
  /** probeValue on a worker thread with the keys of `order`. */
  readonly probe: (blob: Uint8Array, order: readonly string[]) => Promise<ProbeResult>;
  /** Whether this controller unseals SealedSecrets of `namespace` (own-namespace mode watches only some). */
  readonly watches: (namespace: string) => boolean;
  /** Per-user buckets of this webhook (their own limiter, not /v1/verify's). */
  readonly limiter: GcraLimiter;
  /** The webhook's own deadline, below the API server's `timeoutSeconds`. */
  readonly decisionTimeoutMs: number;
  /** Reviews whose trial decryptions may run at once; beyond it a review is admitted unchecked at once. */
  readonly maxInFlight: number;
  readonly clock: Clock;
  readonly log: Logger;
  readonly onReview?: (result: ReviewResult, operation: string) => void;
}

export type WebhookAnswer =
  | { readonly status: 200; readonly body: object; readonly result: ReviewResult }
  | { readonly status: 400; readonly message: string };

const WARNING_PREFIX = 'sealed-secrets webhook:';

/**
 * The validating webhook's decision for one AdmissionReview (docs/admission.md, section 2): trial-decrypts each
 * value with the loaded keys through decryptEachValue (never `spec.template`, so the answer cannot depend on
 * what `template.data` says), and for the values that fail, probes which key and label they were made for.
 * Bounded per user (rate limit), per request (values checked, RSA operations for the diagnosis, a deadline) and
 * in all (reviews in flight). Whenever it cannot decide, it admits with a warning: the controller still reports
 * the failure on the object later, and a validating layer should never stop a cluster's writes on its own.
 */
export class AdmissionWebhook {
  readonly #deps: WebhookDeps;
  #inFlight = 0;

  constructor(deps: WebhookDeps) {
    this.#deps = deps;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  async review(body: unknown): Promise<WebhookAnswer> {
    let request: AdmissionRequest;
    try {
      request = parseAdmissionReview(body);
    } catch (error) {
      return { status: 400, message: errorMessage(error) };
    }
    const { decision, result } = await this.#decide(request);
    this.#deps.onReview?.(result, request.operation);
    return { status: 200, body: admissionResponse(request.uid, decision), result };
  }

  async #decide(request: AdmissionRequest): Promise<{ decision: AdmissionDecision; result: ReviewResult }> {
    const skip = { decision: { allowed: true, warnings: [] }, result: 'skipped' as const };
    if (request.group !== 'bitnami.com' || request.kind !== 'SealedSecret' || request.subResource !== '') {
      return skip;
    }
    if (request.operation !== 'CREATE' && request.operation !== 'UPDATE') return skip;
    if (!this.#deps.watches(request.namespace)) return skip;
    let ss: SealedSecret;
    let old: SealedSecret | undefined;
    try {
      ss = parseSealedSecret(request.object);
      old = request.operation === 'UPDATE' ? parseSealedSecret(request.oldObject) : undefined;
    } catch (error) {
      return unchecked(`cannot read the object: ${errorMessage(error)}`);
    }
    if (ss.metadata.deletionTimestamp) return skip;
    if (old !== undefined && !changesWhatTheControllerReads(old, ss)) return skip;

    const limit = this.#deps.limiter.check(boundedClientKey(request.username));
    if (!limit.allowed) {
      return {
        decision: {
          allowed: true,
          warnings: [
            `${WARNING_PREFIX} not checked: too many requests from ${quoteUserText(request.username, 64)}, retry ` +
              `in ${limit.retryAfterSeconds}s to have it checked`,
          ],
        },
        result: 'rate_limited',
      };
    }
    if (this.#inFlight >= this.#deps.maxInFlight) {
      return {
        decision: { allowed: true, warnings: [`${WARNING_PREFIX} not checked: the controller is busy`] },
        result: 'overloaded',
      };
    }
    const ring = this.#deps.keys();
    if (ring.size === 0) return unchecked('the controller has no keys loaded yet');

    this.#inFlight++;
    const work = this.#check(ss, old, ring).finally(() => this.#inFlight--);
    let timer: unknown;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = this.#deps.clock.setTimeout(() => resolve('deadline'), this.#deps.decisionTimeoutMs);
    });
    try {
      const outcome = await Promise.race([work, deadline]);
      if (outcome === 'deadline') {
        // The trial decryptions go on and still count as in flight; only the answer is not waited for.
        work.catch(() => undefined);
        return {
          decision: {
            allowed: true,
            warnings: [
              `${WARNING_PREFIX} not checked: no decision within ${this.#deps.decisionTimeoutMs / 1000}s`,
            ],
          },
          result: 'deadline',
        };
      }
      if (!outcome.allowed) {
        this.#deps.log.info(
          {
            namespace: ss.metadata.namespace,
            name: ss.metadata.name,
            user: request.username,
            error: outcome.message,
          },
          'Admission refused: the SealedSecret cannot be unsealed',
        );
      }
      return { decision: outcome, result: outcome.allowed ? 'allowed' : 'denied' };
    } catch (error) {
      this.#deps.log.error({ error: errorMessage(error) }, 'Admission review failed');
      return unchecked('internal error');
    } finally {
      this.#deps.clock.clearTimeout(timer);
    }
  }

  /** Trial decryption, then a diagnosis of each failing value. */
  async #check(ss: SealedSecret, old: SealedSecret | undefined, ring: KeyRing): Promise<AdmissionDecision> {
    const warnings: string[] = [];
    const names = Object.keys(ss.spec.encryptedData);
    let checked = ss;
    if (names.length > MAX_CHECKED_VALUES) {
      const kept = names.sort().slice(0, MAX_CHECKED_VALUES);
      checked = {
        ...ss,
        spec: {
          ...ss.spec,
          encryptedData: Object.fromEntries(kept.map((k) => [k, ss.spec.encryptedData[k] ?? ''])),
        },
      };
      warnings.push(
        `${WARNING_PREFIX} only the first ${MAX_CHECKED_VALUES} of ${names.length} values were checked`,
      );
    }
    let outcomes: ValueOutcomes;
    try {
      outcomes = await decryptEachValue(checked, {
        decrypt: this.#deps.decryptorFor(`${ss.metadata.namespace ?? ''}/${ss.metadata.name ?? ''}`),
        acceptDeprecatedV1Data: this.#deps.acceptDeprecatedV1Data,
      });
    } catch (error) {
      if (error instanceof NotDecryptableError)
        return { allowed: false, message: `spec.data: ${error.message}`, warnings };
      throw error;
    }
    const values: [string, string, ValueOutcome][] =
      outcomes.kind === 'legacy'
        ? [['data', ss.spec.data ?? '', outcomes.blob]]
        : [...outcomes.items].map(([key, outcome]) => [key, ss.spec.encryptedData[key] ?? '', outcome]);
    const failed: [string, string, ValueOutcome][] = [];
    for (const entry of values) {
      const outcome = entry[2];
      if ('plaintext' in outcome) outcome.plaintext.fill(0);
      else failed.push(entry);
    }
    if (failed.length === 0) return { allowed: true, warnings };

    const verdicts = await this.#diagnose(ss, old, ring, failed);
    if (verdicts.size === 0) return { allowed: true, warnings };
    return {
      allowed: false,
      message: describeFailures(ss, verdicts, outcomes.kind === 'legacy' ? 'data' : 'encryptedData'),
      warnings,
    };
  }

  async #diagnose(
    ss: SealedSecret,
    old: SealedSecret | undefined,
    ring: KeyRing,
    failed: readonly [string, string, ValueOutcome][],
  ): Promise<Map<string, ValueVerdict>> {
    const candidates = candidateLabels(ss, old);
    const scope = scopeFromAnnotations(ss.metadata.annotations);
    const ownHash = labelHash(
      encryptionLabelText(ss.metadata.namespace ?? '', ss.metadata.name ?? '', scope),
    );
    const sizes = [
      ...new Set(
        ring.all().map((k) => Math.ceil((k.privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8)),
      ),
    ];
    const sealedWith = readSealHints(ss.metadata).sealedWith;
    const verdicts = new Map<string, ValueVerdict>();
    let spent = 0;
    let lastKey: string | undefined;
    for (const [name, value, outcome] of failed) {
      if ('failure' in outcome && outcome.cause === 'base64') {
        verdicts.set(name, { kind: 'bad-base64', message: outcome.failure });
        continue;
      }
      if (spent >= DIAGNOSIS_RSA_BUDGET) {
        verdicts.set(name, { kind: 'not-diagnosed', budget: DIAGNOSIS_RSA_BUDGET });
        continue;
      }
      const order = ring.decryptionOrder(lastKey === undefined ? [] : [lastKey]).map((k) => k.fingerprint);
      const result = await this.#deps.probe(decodeBase64Strict(value), order);
      switch (result.kind) {
        case 'malformed':
          verdicts.set(name, { kind: 'malformed', bytes: result.bytes, rsaBytes: result.rsaBytes });
          break;
        case 'no-key':
          spent += result.attempts;
          verdicts.set(name, {
            kind: 'no-key',
            rsaBytes: result.rsaBytes,
            sizes,
            keyCount: ring.size,
            ...(sealedWith !== undefined && { sealedWith }),
          });
          break;
        case 'found': {
          spent += result.attempts;
          lastKey = result.fingerprint;
          // Made for this very object and intact: a key that reached the probe after the decryption ran.
          if (result.intact && ownHash.equals(result.labelHash)) break;
          const sealedFor = matchLabel(candidates, result.labelHash);
          verdicts.set(name, { kind: 'our-key', sealedFor, intact: result.intact });
          break;
        }
      }
    }
    return verdicts;
  }
}

function unchecked(reason: string): { decision: AdmissionDecision; result: ReviewResult } {
  return {
    decision: { allowed: true, warnings: [`${WARNING_PREFIX} not checked: ${reason}`] },
    result: 'unchecked',
  };
}

/**
 * Only the spec and the scope annotations decide whether a SealedSecret unseals: an update of anything else
 * (labels, other annotations, owner references, finalizers) is let through, so that objects created before the
 * webhook, or in a namespace it did not check, can still be relabelled and deleted. The chart's matchConditions
 * say the same to the API server, which then does not call the webhook at all.
 */
function changesWhatTheControllerReads(old: SealedSecret, ss: SealedSecret): boolean {
  if (!isDeepStrictEqual(old.spec, ss.spec)) return true;
  return [ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE].some(
    (a) => old.metadata.annotations?.[a] !== ss.metadata.annotations?.[a],
  );
}
