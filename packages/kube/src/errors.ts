import { safeText } from './text/escape.js';

/** How an API call failed, classified by HTTP status and Status `reason`, never by message text. */
export type KubeErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Gone'
  | 'BadRequest'
  | 'TooManyRequests'
  | 'ServerError'
  /** No answer: connection refused or reset, DNS, TLS. */
  | 'Network'
  /** The request's total deadline passed (connect, headers and body together). */
  | 'Timeout'
  /** The answer (or one watch line) is larger than the bound we read. */
  | 'TooLarge'
  /** The caller aborted the request. */
  | 'Aborted'
  /** The kubeconfig or the in-cluster configuration cannot be used. */
  | 'Config'
  | 'Unknown';

/**
 * One `details.causes` entry of a Status: the field path (`data[.dockerconfigjson]`, `metadata.labels`) and the
 * cause's reason (`FieldValueInvalid`). Its message is not kept: it quotes the value (`Invalid value: "…"`).
 */
export interface StatusCause {
  readonly field: string;
  readonly reason: string;
}

export interface KubeErrorOptions {
  readonly status?: number;
  readonly cause?: unknown;
  readonly retryAfterSeconds?: number;
  readonly reason?: string;
  readonly causes?: readonly StatusCause[];
}

/**
 * A failed Kubernetes API call, or a configuration that cannot be used. `message` is the API server's Status
 * message (what upstream puts in statuses) with control characters escaped, or a Go-like transport error.
 */
export class KubeError extends Error {
  readonly code: KubeErrorCode;
  readonly status: number | undefined;
  /** Seconds the server asked us to wait (Retry-After), when it said so. */
  readonly retryAfterSeconds: number | undefined;
  /** The Status `reason` as the API server wrote it (`Invalid`, `Forbidden`, …), when it gave one. */
  readonly reason: string | undefined;
  /** The Status `details.causes` (field and reason only), when it gave some. */
  readonly causes: readonly StatusCause[];
  constructor(code: KubeErrorCode, message: string, options: KubeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KubeError';
    this.code = code;
    this.status = options.status;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.reason = options.reason;
    this.causes = options.causes ?? [];
  }
}

export function isKubeError(error: unknown, code?: KubeErrorCode): error is KubeError {
  return error instanceof KubeError && (code === undefined || error.code === code);
}

/** Longest Status message we keep; real ones (even long validation lists) are far shorter. */
export const MAX_STATUS_MESSAGE_CHARS = 4096;
/** Longest first line of a non-Status error body we quote. */
const MAX_QUOTED_LINE_CHARS = 200;
/** Causes kept from one Status, and the longest field path or reason kept of each. */
export const MAX_STATUS_CAUSES = 16;
const MAX_CAUSE_TEXT_CHARS = 256;

interface StatusBody {
  kind?: unknown;
  reason?: unknown;
  message?: unknown;
  details?: unknown;
}

function asStatus(body: unknown): StatusBody {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as StatusBody) : {};
}

/** The Status reason (escaped, bounded) when it has one. */
function reasonOf(body: StatusBody): string | undefined {
  return typeof body.reason === 'string' && body.reason !== ''
    ? safeText(body.reason, MAX_CAUSE_TEXT_CHARS)
    : undefined;
}

/** `details.causes` as field and reason, escaped, at most MAX_STATUS_CAUSES; malformed entries are skipped. */
function causesOf(body: StatusBody): StatusCause[] {
  const details = asStatus(body.details) as { causes?: unknown };
  if (!Array.isArray(details.causes)) return [];
  const causes: StatusCause[] = [];
  for (const item of details.causes.slice(0, MAX_STATUS_CAUSES)) {
    const { field, reason } = asStatus(item) as { field?: unknown; reason?: unknown };
    if (typeof field !== 'string' && typeof reason !== 'string') continue;
    causes.push({
      field: typeof field === 'string' ? safeText(field, MAX_CAUSE_TEXT_CHARS) : '',
      reason: typeof reason === 'string' ? safeText(reason, MAX_CAUSE_TEXT_CHARS) : '',
    });
  }
  return causes;
}

/** What a Status body gives a KubeError besides its message: the code, the reason and the causes. */
function statusDetails(
  status: number,
  body: StatusBody,
): { code: KubeErrorCode; reason?: string; causes: StatusCause[] } {
  const reason = reasonOf(body);
  return {
    code: classify(status, typeof body.reason === 'string' ? body.reason : ''),
    ...(reason !== undefined && { reason }),
    causes: causesOf(body),
  };
}

/** Builds a KubeError from an HTTP status and an already parsed body (e.g. a watch ERROR event's Status). */
export function kubeErrorFromResponse(status: number, body: unknown, fallback: string): KubeError {
  const statusBody = asStatus(body);
  const message =
    typeof statusBody.message === 'string' && statusBody.message !== ''
      ? safeText(statusBody.message, MAX_STATUS_MESSAGE_CHARS)
      : fallback;
  const { code, ...details } = statusDetails(status, statusBody);
  return new KubeError(code, message, { status, ...details });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * What a failed answer says, the way client-go reports it: the Status message when the body is a Status, else
 * the status code and the body's first line. Control characters are escaped and the text is bounded.
 */
export function describeFailedResponse(status: number, body: Uint8Array): string {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const parsed = asStatus(parseJson(text));
  if (parsed.kind === 'Status' && typeof parsed.message === 'string' && parsed.message !== '')
    return safeText(parsed.message, MAX_STATUS_MESSAGE_CHARS);
  const firstLine = safeText(text.split('\n')[0]?.trim() ?? '', MAX_QUOTED_LINE_CHARS);
  return `the server responded with status ${status}${firstLine === '' ? '' : ` (${firstLine})`}`;
}

/** A KubeError for a non-2xx answer, from its raw body. */
export function kubeErrorFromBody(status: number, body: Uint8Array, retryAfterSeconds?: number): KubeError {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  const { code, ...details } = statusDetails(status, asStatus(parseJson(text)));
  return new KubeError(code, describeFailedResponse(status, body), {
    status,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    ...details,
  });
}

function classify(status: number, reason: string): KubeErrorCode {
  switch (reason) {
    case 'NotFound':
    case 'AlreadyExists':
    case 'Conflict':
    case 'Invalid':
    case 'Forbidden':
    case 'Unauthorized':
    case 'Gone':
    case 'BadRequest':
    case 'TooManyRequests':
      return reason;
    case 'Expired':
      return 'Gone';
  }
  if (status === 404) return 'NotFound';
  if (status === 409) return 'Conflict';
  if (status === 422) return 'Invalid';
  if (status === 403) return 'Forbidden';
  if (status === 401) return 'Unauthorized';
  if (status === 410) return 'Gone';
  if (status === 400) return 'BadRequest';
  if (status === 429) return 'TooManyRequests';
  if (status >= 500) return 'ServerError';
  return 'Unknown';
}
