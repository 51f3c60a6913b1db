import { capMessage } from '@ssts/core';

/** The parts of an `admission.k8s.io/v1` AdmissionReview request the webhook reads. */
export interface AdmissionRequest {
  readonly uid: string;
  readonly group: string;
  readonly kind: string;
  readonly subResource: string;
  readonly operation: string;
  readonly namespace: string;
  readonly username: string;
  readonly object: unknown;
  readonly oldObject: unknown;
}

/** The body is not an AdmissionReview v1 request: HTTP 400 (the API server then applies its failurePolicy). */
export class BadReviewError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadReviewError';
  }
}

/** A UID is a UUID (36 characters); anything much longer is not from an API server. */
const MAX_UID_CHARS = 128;

/** Validates the envelope (never the object, which the caller parses). */
export function parseAdmissionReview(value: unknown): AdmissionRequest {
  const review = record(value, 'the body');
  if (review['apiVersion'] !== 'admission.k8s.io/v1' || review['kind'] !== 'AdmissionReview') {
    throw new BadReviewError('expected an admission.k8s.io/v1 AdmissionReview');
  }
  const request = record(review['request'], 'request');
  const uid = request['uid'];
  if (typeof uid !== 'string' || uid === '' || uid.length > MAX_UID_CHARS) {
    throw new BadReviewError(`request.uid must be a string of 1 to ${MAX_UID_CHARS} characters`);
  }
  const kind = optionalRecord(request['kind'], 'request.kind');
  const userInfo = optionalRecord(request['userInfo'], 'request.userInfo');
  return {
    uid,
    group: text(kind['group'], 'request.kind.group'),
    kind: text(kind['kind'], 'request.kind.kind'),
    subResource: text(request['subResource'], 'request.subResource'),
    operation: text(request['operation'], 'request.operation'),
    namespace: text(request['namespace'], 'request.namespace'),
    username: text(userInfo['username'], 'request.userInfo.username'),
    object: request['object'] ?? undefined,
    oldObject: request['oldObject'] ?? undefined,
  };
}

/** What the webhook decided; `message` is shown for a denial, `warnings` in any case. */
export interface AdmissionDecision {
  readonly allowed: boolean;
  readonly message?: string;
  readonly warnings: readonly string[];
}

/**
 * The AdmissionReview answer. A denial is 422 Invalid, as the API server answers for a
 * ValidatingAdmissionPolicy, so both layers fail the same way; it prefixes the message with
 * `admission webhook "<name>" denied the request: `.
 */
export function admissionResponse(uid: string, decision: AdmissionDecision): object {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid,
      allowed: decision.allowed,
      ...(!decision.allowed && {
        status: {
          code: 422,
          reason: 'Invalid',
          message: capMessage(decision.message ?? 'refused'),
        },
      }),
      // The API server may cut warnings over 256 characters and drops them past 4 KiB in all.
      ...(decision.warnings.length > 0 && { warnings: decision.warnings.map((w) => capMessage(w, 256)) }),
    },
  };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadReviewError(`${what} must be an object`);
  }
  return value as Record<string, unknown>;
}

function optionalRecord(value: unknown, what: string): Record<string, unknown> {
  return value === undefined || value === null ? {} : record(value, what);
}

function text(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new BadReviewError(`${what} must be a string`);
  return value;
}
