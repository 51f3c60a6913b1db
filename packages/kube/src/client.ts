// node:http and node:https are loaded when a client or request first needs them (process.getBuiltinModule), not at
// import: kubeseal's V8 start-up snapshot holds this package, and Node cannot put those two modules in a snapshot.
import type http from 'node:http';
import type https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeError, kubeErrorFromBody, kubeErrorFromResponse } from './errors.js';
import { formatBytes, openStream, sendRequest, type HttpResponse, type TlsSettings } from './http/request.js';
import { formatGoDuration } from '@ssts/flags/go-duration';
import { goVerb, printableUrl } from './http/describe.js';
import { LineSplitter } from './http/lines.js';
import { proxyAgent, proxyFor } from './http/proxy.js';
import { HttpConnection } from './http/connection.js';
import type { RestConfig } from './kubeconfig/client-config.js';
import type { Env } from './kubeconfig/types.js';
import type { RateLimiter } from './rate-limit.js';
import { monotonicMs } from './clock.js';

/** Largest answer read from the API server. Lists are paged (see the controller's gateway); one object ≤ 3 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Largest watch event (one line: one object). */
export const DEFAULT_MAX_WATCH_LINE_BYTES = 16 * 1024 * 1024;
/** client-go retries a 429 or 5xx that carries Retry-After up to 10 times. */
export const DEFAULT_MAX_RETRIES = 10;
/** Without a deadline, a Retry-After longer than this is not waited for. */
export const MAX_RETRY_AFTER_SECONDS = 60;

export interface KubeClientOptions {
  readonly userAgent?: string;
  /** Client-side rate limit (`rateLimiter(qps, burst)`); none when undefined. */
  readonly rateLimiter?: RateLimiter | undefined;
  /** Default total deadline of a request in ms (for watches: until the headers); 0 = none. */
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly maxWatchLineBytes?: number;
  /** Keep connections open between requests (default true). */
  readonly keepAlive?: boolean;
  /**
   * Most connections open at once for requests; more requests wait for one (within their deadline). Watches are
   * outside it: each holds a connection of its own for its lifetime (a pool of their own), so a cap never starves
   * an informer nor a watch a request. Default none.
   */
  readonly maxSockets?: number;
  readonly maxRetries?: number;
  /** For HTTPS_PROXY/HTTP_PROXY/NO_PROXY (client-go honours them); default none. */
  readonly env?: Env;
  /**
   * One HTTP/1.1 connection without node:http(s) (http/connection.ts) for a short-lived process's few requests
   * one after another (kubeseal); default false (pooled node:http(s) connections). Through a proxy, and for
   * watches, node:http(s) is used all the same.
   */
  readonly singleConnection?: boolean;
}

export interface KubeRequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  /** Objects are sent as JSON; strings and bytes as they are. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly accept?: string;
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
  readonly signal?: AbortSignal;
}

export interface KubeResponse extends HttpResponse {
  /** The body as UTF-8 text. */
  text(): string;
}

export interface WatchOptions {
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly signal: AbortSignal;
  /** The watch fails when nothing (not even a bookmark) arrives for this long. */
  readonly idleTimeoutMs: number;
  readonly maxLineBytes?: number;
}

/** One line of a watch stream; `object` is the decoded object (a Status for ERROR). */
export interface RawWatchEvent {
  readonly type: string;
  readonly object: unknown;
}

/** What views of a client share: the server, the connection pools and the credentials. */
interface Transport {
  readonly config: RestConfig;
  /** Requests (capped by `maxSockets`). Undefined with `connection`: a watch then opens its own connection. */
  readonly agent: http.Agent | undefined;
  /** Watches: never capped, so they neither wait for nor hold up requests. */
  readonly watchAgent: http.Agent | undefined;
  readonly connection: HttpConnection | undefined;
  readonly userAgent: string | undefined;
  readonly options: KubeClientOptions;
  /** Closes every pool of this client and of its views, those with connections of their own included. */
  readonly closers: (() => void)[];
}

function retryAfterSeconds(response: HttpResponse): number | undefined {
  const header = response.headers['retry-after'];
  if (typeof header !== 'string' || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

function encodeBody(body: unknown): string | Uint8Array | undefined {
  if (body === undefined || typeof body === 'string' || body instanceof Uint8Array) return body;
  return JSON.stringify(body);
}

/**
 * The one HTTP client for the Kubernetes API server: keep-alive connections, a total deadline per request, bounded
 * bodies and watch lines, client-side rate limiting, Retry-After honoured, and KubeError by status and reason.
 * `withRateLimiter` gives a view with its own limiter over the same connections (client-go keeps status writes on a
 * second client for this).
 */
export class KubeClient {
  readonly #transport: Transport;
  readonly #limiter: RateLimiter | undefined;

  private constructor(transport: Transport, limiter: RateLimiter | undefined) {
    this.#transport = transport;
    this.#limiter = limiter;
  }

  static async create(config: RestConfig, options: KubeClientOptions = {}): Promise<KubeClient> {
    return new KubeClient(
      await KubeClient.#newTransport(config, options, options.maxSockets, []),
      options.rateLimiter,
    );
  }

  static async #newTransport(
    config: RestConfig,
    options: KubeClientOptions,
    maxSockets: number | undefined,
    closers: (() => void)[],
  ): Promise<Transport> {
    const proxy = proxyFor(config.server, config.proxyUrl, options.env ?? {});
    if (proxy === undefined && options.singleConnection === true) {
      const connection = new HttpConnection(config.server, config.tls);
      closers.push(() => connection.close());
      const common = { config, agent: undefined, watchAgent: undefined, userAgent: options.userAgent };
      return { ...common, connection, options, closers };
    }
    const keepAlive = options.keepAlive ?? true;
    const newAgent = async (maxSockets: number | undefined): Promise<http.Agent> => {
      const agentOptions = { keepAlive, ...(maxSockets === undefined ? {} : { maxSockets }) };
      const agent =
        proxy !== undefined
          ? await proxyAgent(proxy, config.server, agentOptions, config.tls)
          : config.server.protocol === 'https:'
            ? new (process.getBuiltinModule('node:https').Agent)({
                ...agentOptions,
                ...tlsAgentOptions(config.tls),
              })
            : new (process.getBuiltinModule('node:http').Agent)(agentOptions);
      closers.push(() => agent.destroy());
      return agent;
    };
    const agent = await newAgent(maxSockets);
    const watchAgent = await newAgent(undefined);
    return {
      config,
      agent,
      watchAgent,
      connection: undefined,
      userAgent: options.userAgent,
      options,
      closers,
    };
  }

  /** A view of this client with another rate limiter (or none), sharing connections and credentials. */
  withRateLimiter(limiter: RateLimiter | undefined): KubeClient {
    return new KubeClient(this.#transport, limiter);
  }

  /**
   * A view with connections of its own (uncapped) and `limiter`, for requests that must never wait behind this
   * client's: the leader election's lease renewals. Same server and credentials; `close()` of any view closes it.
   */
  async withOwnConnections(limiter: RateLimiter | undefined): Promise<KubeClient> {
    const { config, options, closers } = this.#transport;
    return new KubeClient(await KubeClient.#newTransport(config, options, undefined, closers), limiter);
  }

  get server(): URL {
    return this.#transport.config.server;
  }

  /** Closes pooled connections (all views). */
  close(): void {
    for (const close of this.#transport.closers) close();
  }

  #url(path: string, query: KubeRequestOptions['query']): URL {
    const server = this.#transport.config.server;
    let end = server.pathname.length;
    while (end > 0 && server.pathname.charCodeAt(end - 1) === 0x2f /* / */) end--;
    const base = server.pathname.slice(0, end);
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== '') params.set(key, value);
    }
    const search = params.size === 0 ? '' : `${path.includes('?') ? '&' : '?'}${params.toString()}`;
    return new URL(`${server.origin}${base}${path}${search}`);
  }

  async #headers(options: KubeRequestOptions, body: string | Uint8Array | undefined) {
    const { credentials, impersonation } = this.#transport.config;
    const applied = await credentials.apply();
    const headers: http.OutgoingHttpHeaders = {
      Accept: options.accept ?? 'application/json',
      ...impersonation,
      ...options.headers,
      ...applied.headers,
    };
    if (this.#transport.userAgent !== undefined) headers['User-Agent'] = this.#transport.userAgent;
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    }
    const tls: TlsSettings = {
      ...(applied.cert === undefined ? {} : { cert: applied.cert }),
      ...(applied.key === undefined ? {} : { key: applied.key }),
    };
    return { headers, tls };
  }

  /**
   * One request; resolves with any HTTP status (so callers can read a proxied service's answers), throws KubeError
   * Network/Timeout/TooLarge/Aborted when there is no complete answer. Retries 429 and 5xx answers that carry
   * Retry-After, within the deadline.
   */
  async request(method: string, path: string, options: KubeRequestOptions = {}): Promise<KubeResponse> {
    const timeoutMs = options.timeoutMs ?? this.#transport.options.timeoutMs ?? 0;
    const deadlineAt = monotonicMs() + timeoutMs;
    const maxRetries = this.#transport.options.maxRetries ?? DEFAULT_MAX_RETRIES;
    const body = encodeBody(options.body);
    const url = this.#url(path, options.query);
    for (let attempt = 0; ; attempt++) {
      await this.#limiter?.take(options.signal);
      if (timeoutMs > 0 && deadlineAt <= monotonicMs()) {
        throw new KubeError(
          'Timeout',
          `${goVerb(method)} "${printableUrl(url)}": request timed out after ${formatGoDuration(timeoutMs)} (Client.Timeout exceeded while waiting to be sent)`,
        );
      }
      const { headers, tls } = await this.#headers(options, body);
      const response = await sendRequest({
        url,
        method,
        headers,
        body,
        agent: this.#transport.agent,
        connection: this.#transport.connection,
        tls,
        timeoutMs,
        deadlineAt,
        maxBodyBytes: options.maxBodyBytes ?? this.#transport.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        signal: options.signal,
      });
      if (response.status === 401) this.#transport.config.credentials.invalidate();
      const wait = retryAfterSeconds(response);
      const retriable = response.status === 429 || response.status >= 500;
      const fits =
        wait !== undefined &&
        (timeoutMs > 0 ? wait * 1000 < deadlineAt - monotonicMs() : wait <= MAX_RETRY_AFTER_SECONDS);
      if (!retriable || !fits || attempt >= maxRetries || options.signal?.aborted) {
        return { ...response, text: () => response.body.toString('utf8') };
      }
      await sleep(
        wait * 1000,
        undefined,
        options.signal === undefined ? {} : { signal: options.signal },
      ).catch(() => undefined);
    }
  }

  /** A JSON request: the decoded answer of a 2xx, else KubeError by status and Status reason. */
  async json<T = unknown>(method: string, path: string, options: KubeRequestOptions = {}): Promise<T> {
    const response = await this.#ok(method, path, options);
    const text = response.text();
    if (text === '') return {} as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new KubeError('Unknown', `${method} ${path}: the API server returned invalid JSON`, { cause });
    }
  }

  /**
   * A request whose answer is not needed: resolves on a 2xx without decoding the body (it is still read, within
   * the bound), else KubeError by status and Status reason. Saves parsing what a write echoes back.
   */
  async send(method: string, path: string, options: KubeRequestOptions = {}): Promise<void> {
    await this.#ok(method, path, options);
  }

  async #ok(method: string, path: string, options: KubeRequestOptions): Promise<KubeResponse> {
    const response = await this.request(method, path, options);
    if (response.status < 200 || response.status >= 300)
      throw kubeErrorFromBody(response.status, response.body, retryAfterSeconds(response));
    return response;
  }

  /**
   * Streams a watch: `onEvent` gets every decoded line until the server ends the watch (resolves), the caller
   * aborts `signal` (resolves), or it fails (rejects: an ERROR event as KubeError by its Status, a line over the
   * bound as TooLarge, silence for idleTimeoutMs as Timeout, a broken connection as Network).
   */
  async watch(path: string, options: WatchOptions, onEvent: (event: RawWatchEvent) => void): Promise<void> {
    await this.#limiter?.take(options.signal);
    if (options.signal.aborted) return;
    const url = this.#url(path, { ...options.query, watch: 'true' });
    const { headers, tls } = await this.#headers({}, undefined);
    let stream;
    try {
      stream = await openStream({
        url,
        method: 'GET',
        headers,
        agent: this.#transport.watchAgent,
        // Without an agent (single connection) the request carries the server's TLS settings itself.
        tls: this.#transport.watchAgent === undefined ? { ...this.#transport.config.tls, ...tls } : tls,
        timeoutMs: this.#transport.options.timeoutMs ?? 0,
        maxBodyBytes: 0,
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal.aborted) return;
      throw error;
    }
    if (!stream.ok) {
      if (stream.status === 401) this.#transport.config.credentials.invalidate();
      throw kubeErrorFromBody(stream.status, stream.body);
    }
    const { response } = stream;
    const maxLine =
      options.maxLineBytes ?? this.#transport.options.maxWatchLineBytes ?? DEFAULT_MAX_WATCH_LINE_BYTES;
    const fail = stream.fail;
    const socket = response.socket;
    const onIdle = (): void =>
      fail(
        new KubeError('Timeout', `watch ${url.pathname}: nothing received for ${options.idleTimeoutMs} ms`),
      );
    let handlerError: { error: unknown } | undefined;
    const ended = new Promise<void>((resolve, reject) => {
      const lines = new LineSplitter(
        maxLine,
        (line) => {
          const text = line.toString('utf8').trim();
          if (text === '') return;
          let event: { type?: unknown; object?: unknown };
          try {
            event = JSON.parse(text) as { type?: unknown; object?: unknown };
          } catch (cause) {
            lines.stop();
            fail(new KubeError('Unknown', 'the API server sent a malformed watch event', { cause }));
            return;
          }
          if (event.type === 'ERROR') {
            const status = event.object as { code?: unknown } | undefined;
            lines.stop();
            fail(
              kubeErrorFromResponse(
                typeof status?.code === 'number' ? status.code : 500,
                status,
                'watch failed',
              ),
            );
            return;
          }
          try {
            onEvent({ type: String(event.type), object: event.object });
          } catch (error) {
            // The caller's handler failed: end the watch with its error instead of crashing the stream.
            lines.stop();
            handlerError = { error };
            response.destroy();
          }
        },
        (bytes) =>
          fail(
            new KubeError(
              'TooLarge',
              `watch ${url.pathname}: an event is larger than the ${formatBytes(maxLine)} we read (${bytes}+ bytes)`,
            ),
          ),
      );
      socket.setTimeout(options.idleTimeoutMs, onIdle);
      response.on('data', (chunk: Buffer) => lines.push(chunk));
      response.once('end', () => {
        lines.end();
        if (handlerError !== undefined) reject(handlerError.error);
        else resolve();
      });
      response.once('close', () => {
        if (handlerError !== undefined) reject(handlerError.error);
      });
      stream.failed.catch((error: unknown) => {
        if (handlerError !== undefined) reject(handlerError.error);
        else if (options.signal.aborted) resolve();
        else reject(error);
      });
    });
    try {
      await ended;
    } finally {
      // The connection may go back to the pool: it must not keep this watch's idle timer.
      socket.setTimeout(0, onIdle);
    }
  }
}

function tlsAgentOptions(tls: TlsSettings): https.AgentOptions {
  return {
    ...(tls.ca === undefined ? {} : { ca: tls.ca }),
    ...(tls.cert === undefined ? {} : { cert: tls.cert }),
    ...(tls.key === undefined ? {} : { key: tls.key }),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
    ...(tls.servername === undefined ? {} : { servername: tls.servername }),
  };
}
