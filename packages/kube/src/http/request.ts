// node:http(s) are looked up per request (see client.ts): never imported at start-up, never cached in a variable
// that a start-up snapshot would keep.
import type http from 'node:http';
import { isKubeError, KubeError } from '../errors.js';
import { formatGoDuration } from '@ssts/flags/go-duration';
import { describeNetworkError, goVerb, printableUrl } from './describe.js';
import { monotonicMs } from '../clock.js';
import type { HttpConnection } from './connection.js';

/** TLS settings of one request (the agent may carry them too). */
export interface TlsSettings {
  readonly ca?: Buffer | undefined;
  readonly cert?: Buffer | undefined;
  readonly key?: Buffer | undefined;
  /** false skips server certificate verification (`insecure-skip-tls-verify`). */
  readonly rejectUnauthorized?: boolean | undefined;
  readonly servername?: string | undefined;
}

export interface HttpRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers?: http.OutgoingHttpHeaders;
  readonly body?: string | Uint8Array | undefined;
  /** Pooled connections (keep-alive); without one the request opens its own connection. */
  readonly agent?: http.Agent | undefined;
  /**
   * Instead of node:http(s) and `agent`: the one connection of a short-lived client (connection.ts), whose TLS
   * settings are its own (`tls` gives only the client certificate). Not for openStream.
   */
  readonly connection?: HttpConnection | undefined;
  readonly tls?: TlsSettings | undefined;
  /** Total deadline: connect, TLS, headers and the whole body. 0 = none (the inactivity bound still applies). */
  readonly timeoutMs: number;
  /** Without a total deadline: fail when nothing arrives for this long (default INACTIVITY_TIMEOUT_MS). */
  readonly inactivityTimeoutMs?: number;
  /** When the deadline started earlier (retries of one call): its absolute time on monotonicMs()'s clock. */
  readonly deadlineAt?: number;
  /** Largest successful (2xx) body read; a larger one fails with TooLarge as soon as the cap is passed. */
  readonly maxBodyBytes: number;
  /** Error bodies are cut (not refused) at this size: they are read only to describe the failure. */
  readonly maxErrorBodyBytes?: number;
  readonly signal?: AbortSignal | undefined;
}

export interface HttpResponse {
  readonly status: number;
  /** The reason phrase the server sent (`Not Found`), as Go's `resp.Status` shows it. */
  readonly statusMessage: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** With no total deadline, a connection that sends nothing for this long fails (Go's dialer has 30 s). */
export const INACTIVITY_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_ERROR_BODY_BYTES = 64 * 1024;

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

function requestFailure(
  request: HttpRequest,
  code: KubeError['code'],
  reason: string,
  cause?: unknown,
): KubeError {
  return new KubeError(code, `${goVerb(request.method)} "${printableUrl(request.url)}": ${reason}`, {
    ...(cause === undefined ? {} : { cause }),
  });
}

interface Exchange {
  /** Resolves on the response headers; rejects with a KubeError (never a raw socket error). */
  readonly response: Promise<http.IncomingMessage>;
  /** Fails the exchange (the socket is destroyed); the first failure wins. */
  fail(error: KubeError): void;
  /** Rejects when the exchange fails after the headers (deadline, abort, socket error). */
  readonly failed: Promise<never>;
  /** True when the connection came from the pool (a failure may then be the server closing an idle one). */
  reusedSocket(): boolean;
  /** Data arrived: restarts the inactivity bound. */
  touch(): void;
  /** Stops the timers; call when done with the body. */
  finish(): void;
}

/** Starts one request; deadline, inactivity bound and abort apply until finish(). */
function exchange(request: HttpRequest, deadlineAt: number): Exchange {
  // The connection's request and response have the members used below (it is built to stand in for node:http).
  const transport =
    (request.connection as Pick<typeof http, 'request'> | undefined) ??
    (request.url.protocol === 'https:'
      ? process.getBuiltinModule('node:https')
      : process.getBuiltinModule('node:http'));
  const tls = request.tls ?? {};
  let rejectResponse: (error: KubeError) => void = () => undefined;
  let rejectFailed: (error: KubeError) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (rejectFailed = reject));
  failed.catch(() => undefined);
  let done = false;
  let phase: 'awaiting headers' | 'reading body' = 'awaiting headers';
  let deadline: NodeJS.Timeout | undefined;
  let inactivity: NodeJS.Timeout | undefined;
  const req = transport.request(request.url, {
    method: request.method,
    headers: request.headers,
    agent: request.agent ?? false,
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    ...(tls.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: tls.rejectUnauthorized }),
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
  });
  const finish = (): void => {
    done = true;
    clearTimeout(deadline);
    clearTimeout(inactivity);
    request.signal?.removeEventListener('abort', onAbort);
  };
  const fail = (error: KubeError): void => {
    if (done) return;
    finish();
    req.destroy(error);
    rejectResponse(error);
    rejectFailed(error);
  };
  const onAbort = (): void => fail(requestFailure(request, 'Aborted', 'request canceled'));
  const inactivityMs = request.inactivityTimeoutMs ?? INACTIVITY_TIMEOUT_MS;
  const touch = (): void => {
    if (request.timeoutMs > 0 || done) return;
    // One timer per exchange, restarted by refresh() (cheaper than a new timer per chunk); the message reads `phase`
    // when it fires.
    if (inactivity !== undefined) {
      inactivity.refresh();
      return;
    }
    inactivity = setTimeout(
      () =>
        fail(
          requestFailure(request, 'Timeout', `no data for ${formatGoDuration(inactivityMs)} while ${phase}`),
        ),
      inactivityMs,
    );
  };
  if (request.timeoutMs > 0) {
    deadline = setTimeout(
      () =>
        fail(
          requestFailure(
            request,
            'Timeout',
            `request timed out after ${formatGoDuration(request.timeoutMs)} (Client.Timeout exceeded while ${phase})`,
          ),
        ),
      Math.max(0, deadlineAt - monotonicMs()),
    );
  }
  touch();
  if (request.signal?.aborted) queueMicrotask(onAbort);
  else request.signal?.addEventListener('abort', onAbort, { once: true });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    rejectResponse = reject;
    req.once('response', (res) => {
      phase = 'reading body';
      touch();
      res.on('error', (cause) =>
        fail(requestFailure(request, 'Network', describeNetworkError(cause, request.url), cause)),
      );
      resolve(res);
    });
    req.on('error', (cause) => {
      if (cause instanceof KubeError) return; // our own fail() destroyed it
      fail(requestFailure(request, 'Network', describeNetworkError(cause, request.url), cause));
    });
  });
  response.catch(() => undefined);
  req.end(request.body);
  return { response, fail, failed, reusedSocket: () => req.reusedSocket, touch, finish };
}

/** Reads a body up to `max` bytes: past it, `overflow` decides between failing and keeping the first `max`. */
async function readBody(
  res: http.IncomingMessage,
  ex: Exchange,
  request: HttpRequest,
  max: number,
  overflow: 'fail' | 'truncate',
): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  const tooLarge = (): KubeError =>
    requestFailure(request, 'TooLarge', `the answer is larger than the ${formatBytes(max)} we read`);
  if (overflow === 'fail' && Number.isFinite(declared) && declared > max) {
    ex.fail(tooLarge());
    return ex.failed;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const body = new Promise<Buffer>((resolve) => {
    res.on('data', (chunk: Buffer) => {
      ex.touch();
      if (size + chunk.length > max) {
        if (overflow === 'fail') return ex.fail(tooLarge());
        chunks.push(chunk.subarray(0, max - size));
        size = max;
        ex.finish();
        res.destroy();
        resolve(Buffer.concat(chunks, size));
        return;
      }
      chunks.push(chunk);
      size += chunk.length;
    });
    res.once('end', () => resolve(Buffer.concat(chunks, size)));
  });
  return Promise.race([body, ex.failed]);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Sends the request and waits for the response headers. A kept-alive connection that the server closed while idle
 * fails at once: an idempotent request is then sent once more on a new connection (Node's documented pattern).
 */
async function responseOf(request: HttpRequest): Promise<{ ex: Exchange; res: http.IncomingMessage }> {
  const deadlineAt = request.deadlineAt ?? monotonicMs() + request.timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const ex = exchange(request, deadlineAt);
    try {
      return { ex, res: await ex.response };
    } catch (error) {
      const reused = ex.reusedSocket() && IDEMPOTENT.has(request.method) && isKubeError(error, 'Network');
      if (attempt > 0 || !reused) throw error;
    }
  }
}

/**
 * One bounded request: a total deadline over connect, headers and body, a capped body, and one retry when a
 * pooled connection turns out to be closed. Never throws for an HTTP status; throws KubeError (Network, Timeout,
 * TooLarge, Aborted) with a Go-like one-line message otherwise.
 */
export async function sendRequest(request: HttpRequest): Promise<HttpResponse> {
  const { ex, res } = await responseOf(request);
  const status = res.statusCode ?? 0;
  const ok = status >= 200 && status < 300;
  const body = ok
    ? await readBody(res, ex, request, request.maxBodyBytes, 'fail')
    : await readBody(res, ex, request, request.maxErrorBodyBytes ?? DEFAULT_MAX_ERROR_BODY_BYTES, 'truncate');
  ex.finish();
  return { status, statusMessage: res.statusMessage ?? '', headers: res.headers, body };
}

export type HttpStream =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: http.IncomingHttpHeaders;
      /** The body, to be consumed by the caller; the request's deadline no longer applies. */
      readonly response: http.IncomingMessage;
      /** Rejects when the stream fails (abort, socket error, fail()). */
      readonly failed: Promise<never>;
      /** Ends the stream with this error (e.g. a line over the bound). */
      fail(error: KubeError): void;
    }
  /** A non-2xx answer, read (bounded) so the caller can describe it. */
  | {
      readonly ok: false;
      readonly status: number;
      readonly headers: http.IncomingHttpHeaders;
      readonly body: Buffer;
    };

/** Opens a streaming request (a watch): the deadline covers connect and headers only. */
export async function openStream(request: HttpRequest): Promise<HttpStream> {
  if (request.connection !== undefined)
    throw new Error('openStream: a stream needs node:http(s), not a connection');
  const { ex, res } = await responseOf(request);
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const max = request.maxErrorBodyBytes ?? DEFAULT_MAX_ERROR_BODY_BYTES;
    const body = await readBody(res, ex, request, max, 'truncate');
    ex.finish();
    return { ok: false, status, headers: res.headers, body };
  }
  // From here the stream is the caller's: no deadline; the caller bounds idle time and line length.
  ex.finish();
  const failed = new Promise<never>((_, reject) => {
    const onError = (cause: Error): void =>
      reject(
        cause instanceof KubeError
          ? cause
          : requestFailure(request, 'Network', describeNetworkError(cause, request.url), cause),
      );
    res.on('error', onError);
    // An abort that destroys the socket without an error still ends the stream as Aborted.
    res.once('close', () => {
      if (request.signal?.aborted) onError(requestFailure(request, 'Aborted', 'request canceled'));
    });
  });
  failed.catch(() => undefined);
  const onAbort = (): void => {
    res.destroy(requestFailure(request, 'Aborted', 'request canceled'));
  };
  if (request.signal?.aborted) onAbort();
  else request.signal?.addEventListener('abort', onAbort, { once: true });
  res.once('close', () => request.signal?.removeEventListener('abort', onAbort));
  return {
    ok: true,
    status,
    headers: res.headers,
    response: res,
    failed,
    fail: (error) => res.destroy(error),
  };
}
