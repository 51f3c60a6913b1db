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
  | 'Network'
  | 'Unknown';

/** A failed Kubernetes API call. `message` is the API server's Status message (what upstream puts in statuses). */
export class KubeError extends Error {
  readonly code: KubeErrorCode;
  readonly status: number | undefined;
  constructor(code: KubeErrorCode, message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KubeError';
    this.code = code;
    this.status = options.status;
  }
}

export function isKubeError(error: unknown, code?: KubeErrorCode): error is KubeError {
  return error instanceof KubeError && (code === undefined || error.code === code);
}

interface StatusBody {
  reason?: unknown;
  message?: unknown;
  code?: unknown;
}

/** Builds a KubeError from an HTTP status and the (possibly non-JSON) body of a failed response. */
export function kubeErrorFromResponse(status: number, body: unknown, fallback: string): KubeError {
  const statusBody: StatusBody = typeof body === 'object' && body !== null ? (body as StatusBody) : {};
  const reason = typeof statusBody.reason === 'string' ? statusBody.reason : '';
  const message =
    typeof statusBody.message === 'string' && statusBody.message !== '' ? statusBody.message : fallback;
  return new KubeError(classify(status, reason), message, { status });
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
