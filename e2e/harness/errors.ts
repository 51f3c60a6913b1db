export type ControlPlaneErrorCode =
  | 'GoMissing'
  | 'BuildFailed'
  | 'PkiFailed'
  | 'StartFailed'
  | 'AddressInUse'
  | 'Timeout'
  | 'ApiError'
  | 'NetnsFailed';

/** Every failure of the harness; `code` tells callers what went wrong without parsing messages. */
export class ControlPlaneError extends Error {
  override readonly name = 'ControlPlaneError';
  readonly code: ControlPlaneErrorCode;

  constructor(code: ControlPlaneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A non-2xx answer of the API server, with its status code and `reason` (e.g. NotFound, AlreadyExists). */
export class KubeApiError extends ControlPlaneError {
  readonly status: number;
  readonly reason: string | undefined;

  constructor(method: string, path: string, status: number, body: string) {
    const reason = parseReason(body);
    super(
      'ApiError',
      `${method} ${path} -> ${status}${reason === undefined ? '' : ` ${reason}`}: ${body.slice(0, 500)}`,
    );
    this.status = status;
    this.reason = reason;
  }
}

function parseReason(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'reason' in parsed &&
      typeof parsed.reason === 'string'
    ) {
      return parsed.reason;
    }
  } catch {
    // not a Status object
  }
  return undefined;
}
