import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { KubeConfig } from '@kubernetes/client-node';
import type { SealedSecret, Secret } from '@ssts/core';
import { errorMessage } from '../errors.js';
import type { ApiAccess } from './api-access.js';
import { KubeError, kubeErrorFromResponse } from './kube-errors.js';
import type {
  EventRepeat,
  KubeEvent,
  KubeGateway,
  ListResult,
  ListScope,
  ResourceOfKind,
  WatchEvent,
  WatchedResource,
} from './kube-gateway.js';
import { TokenBucket } from './token-bucket.js';

export interface ClientNodeGatewayOptions {
  readonly qps: number;
  readonly burst: number;
  readonly userAgent: string;
}

/** The namespace of the kubeconfig's current context, if it names one. */
export function kubeConfigNamespace(kc: KubeConfig): string | undefined {
  const context = kc.getContextObject(kc.getCurrentContext());
  return context?.namespace ?? undefined;
}

const SEALED_SECRETS_PATH = '/apis/bitnami.com/v1alpha1';
const CORE_PATH = '/api/v1';
const LIST_PAGE_SIZE = 500;

function collectionPath(resource: WatchedResource, namespace: string | undefined): string {
  const base = resource === 'sealedsecrets' ? SEALED_SECRETS_PATH : CORE_PATH;
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${resource}`;
}

function objectPath(resource: WatchedResource, namespace: string, name: string): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

/**
 * KubeGateway over the API server's REST interface. An ApiAccess (ours for static credentials, client-node's
 * KubeConfig for plugins) supplies server, TLS material and credentials; requests are plain JSON so objects keep
 * their wire shape (no Date conversion, unknown fields preserved). Client-side rate limiting follows
 * --kubeclient-qps/--kubeclient-burst.
 */
export class ClientNodeGateway implements KubeGateway {
  readonly #kc: ApiAccess;
  readonly #server: URL;
  readonly #limiter: TokenBucket | undefined;
  readonly #userAgent: string;
  #agent: http.Agent | undefined;

  constructor(kc: ApiAccess, options: ClientNodeGatewayOptions) {
    const cluster = kc.getCurrentCluster();
    if (cluster === null) throw new KubeError('Unknown', 'the kubeconfig has no current cluster');
    this.#kc = kc;
    this.#server = new URL(cluster.server);
    // client-go: QPS 0 means "use the default" (5); a negative QPS disables limiting.
    const qps = options.qps === 0 ? 5 : options.qps;
    this.#limiter = qps < 0 ? undefined : new TokenBucket(qps, Math.max(1, options.burst));
    this.#userAgent = options.userAgent;
  }

  /** Closes pooled connections. */
  close(): void {
    this.#agent?.destroy();
  }

  async list<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
  ): Promise<ListResult<ResourceOfKind[R]>> {
    const items: ResourceOfKind[R][] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = (await this.#json('GET', collectionPath(resource, scope.namespace), {
        query: { labelSelector: scope.labelSelector, limit: String(LIST_PAGE_SIZE), continue: continueToken },
      })) as { items?: ResourceOfKind[R][]; metadata?: { resourceVersion?: string; continue?: string } };
      items.push(...(page.items ?? []));
      resourceVersion = page.metadata?.resourceVersion ?? '';
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken !== undefined);
    return { items, resourceVersion };
  }

  async watch<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    resourceVersion: string,
    onEvent: (event: WatchEvent<ResourceOfKind[R]>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    // Server-side timeout between 5 and 10 minutes, like client-go's reflector, so idle watches are renewed.
    const timeoutSeconds = 300 + Math.floor(Math.random() * 300);
    const response = await this.#send('GET', collectionPath(resource, scope.namespace), {
      query: {
        watch: 'true',
        resourceVersion,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
        labelSelector: scope.labelSelector,
      },
      signal,
      idleTimeoutMs: (timeoutSeconds + 30) * 1000,
    });
    if (response === undefined) return;
    if (response.statusCode !== 200) throw await errorFromResponse(response);
    await new Promise<void>((resolve, reject) => {
      let failed: Error | undefined;
      const lines = createInterface({ input: response });
      lines.on('line', (line) => {
        if (failed !== undefined || line.trim() === '') return;
        let event: { type?: string; object?: unknown };
        try {
          event = JSON.parse(line) as { type?: string; object?: unknown };
        } catch (cause) {
          failed = new KubeError('Unknown', 'the API server sent a malformed watch event', { cause });
          response.destroy();
          return;
        }
        if (event.type === 'ERROR') {
          const status = event.object as { code?: number } | undefined;
          failed = kubeErrorFromResponse(status?.code ?? 500, status, 'watch failed');
          response.destroy();
          return;
        }
        if (
          event.type === 'ADDED' ||
          event.type === 'MODIFIED' ||
          event.type === 'DELETED' ||
          event.type === 'BOOKMARK'
        ) {
          onEvent({ type: event.type, object: event.object as ResourceOfKind[R] });
        }
      });
      const finish = (error?: Error): void => {
        if (failed !== undefined) reject(failed);
        else if (error !== undefined && !signal.aborted)
          reject(new KubeError('Network', `watch connection failed: ${error.message}`, { cause: error }));
        else resolve();
      };
      response.once('error', finish);
      // readline re-emits input errors (e.g. the socket closed by an abort); unhandled they would crash.
      lines.once('error', finish);
      lines.once('close', () => finish());
    });
  }

  async getSealedSecret(namespace: string, name: string): Promise<SealedSecret | undefined> {
    return (await this.#getOrUndefined(objectPath('sealedsecrets', namespace, name))) as
      SealedSecret | undefined;
  }

  async updateSealedSecretStatus(sealedSecret: SealedSecret): Promise<SealedSecret> {
    const { namespace = '', name = '' } = sealedSecret.metadata;
    return (await this.#json('PUT', `${objectPath('sealedsecrets', namespace, name)}/status`, {
      body: sealedSecret,
    })) as SealedSecret;
  }

  async getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return (await this.#getOrUndefined(objectPath('secrets', namespace, name))) as Secret | undefined;
  }

  async createSecret(secret: Secret): Promise<Secret> {
    const namespace = secret.metadata.namespace ?? '';
    return (await this.#json('POST', collectionPath('secrets', namespace), {
      body: { apiVersion: 'v1', kind: 'Secret', ...secret },
    })) as Secret;
  }

  async updateSecret(secret: Secret): Promise<Secret> {
    const { namespace = '', name = '' } = secret.metadata;
    return (await this.#json('PUT', objectPath('secrets', namespace, name), {
      body: { apiVersion: 'v1', kind: 'Secret', ...secret },
    })) as Secret;
  }

  async deleteSecret(namespace: string, name: string): Promise<boolean> {
    try {
      await this.#json('DELETE', objectPath('secrets', namespace, name), {});
      return true;
    } catch (error) {
      if (error instanceof KubeError && error.code === 'NotFound') return false;
      throw error;
    }
  }

  async createEvent(event: KubeEvent): Promise<string> {
    const created = (await this.#json(
      'POST',
      `${CORE_PATH}/namespaces/${encodeURIComponent(event.namespace)}/events`,
      {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { generateName: `${event.involvedObject.name}.`, namespace: event.namespace },
          involvedObject: event.involvedObject,
          reason: event.reason,
          message: event.message,
          type: event.type,
          source: { component: event.sourceComponent },
          firstTimestamp: eventTime(event.firstTime ?? event.time),
          lastTimestamp: eventTime(event.time),
          count: event.count ?? 1,
          reportingComponent: event.sourceComponent,
        },
      },
    )) as { metadata?: { name?: string } };
    return created.metadata?.name ?? '';
  }

  async patchEvent(namespace: string, name: string, repeat: EventRepeat): Promise<void> {
    // The same strategic merge patch client-go's recorder sends for a repeated event.
    await this.#json(
      'PATCH',
      `${CORE_PATH}/namespaces/${encodeURIComponent(namespace)}/events/${encodeURIComponent(name)}`,
      {
        body: { count: repeat.count, lastTimestamp: eventTime(repeat.time) },
        contentType: 'application/strategic-merge-patch+json',
      },
    );
  }

  async namespaceExists(name: string): Promise<boolean> {
    return (await this.#getOrUndefined(`${CORE_PATH}/namespaces/${encodeURIComponent(name)}`)) !== undefined;
  }

  async #getOrUndefined(path: string): Promise<unknown> {
    try {
      return await this.#json('GET', path, {});
    } catch (error) {
      if (error instanceof KubeError && error.code === 'NotFound') return undefined;
      throw error;
    }
  }

  async #json(
    method: string,
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown; contentType?: string },
  ): Promise<unknown> {
    const response = await this.#send(method, path, options);
    if (response === undefined) throw new KubeError('Network', `${method} ${path} was aborted`);
    if (response.statusCode === undefined || response.statusCode >= 300)
      throw await errorFromResponse(response);
    const text = await readBody(response);
    try {
      return text === '' ? {} : (JSON.parse(text) as unknown);
    } catch (cause) {
      throw new KubeError('Unknown', `${method} ${path}: the API server returned invalid JSON`, { cause });
    }
  }

  /** Resolves undefined when `signal` aborted the request before a response arrived. */
  async #send(
    method: string,
    path: string,
    options: {
      query?: Record<string, string | undefined>;
      body?: unknown;
      contentType?: string;
      signal?: AbortSignal;
      idleTimeoutMs?: number;
    },
  ): Promise<http.IncomingMessage | undefined> {
    await this.#limiter?.take(options.signal);
    if (options.signal?.aborted) return undefined;
    const requestOptions: https.RequestOptions = {};
    try {
      await this.#kc.applyToHTTPSOptions(requestOptions);
    } catch (cause) {
      throw new KubeError('Unauthorized', `cannot prepare API credentials: ${errorMessage(cause)}`, {
        cause,
      });
    }
    const url = new URL(this.#server.toString());
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== '') url.searchParams.set(key, value);
    }
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: http.OutgoingHttpHeaders = {
      ...(requestOptions.headers as http.OutgoingHttpHeaders | undefined),
      Accept: 'application/json',
      'User-Agent': this.#userAgent,
    };
    if (requestOptions.auth)
      headers['Authorization'] = `Basic ${Buffer.from(requestOptions.auth).toString('base64')}`;
    if (body !== undefined) {
      headers['Content-Type'] = options.contentType ?? 'application/json';
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const isHttps = url.protocol === 'https:';
    this.#agent ??= isHttps
      ? new https.Agent({
          keepAlive: true,
          ca: requestOptions.ca,
          cert: requestOptions.cert,
          key: requestOptions.key,
          pfx: requestOptions.pfx,
          passphrase: requestOptions.passphrase,
          rejectUnauthorized: requestOptions.rejectUnauthorized ?? true,
          ...(requestOptions.servername === undefined ? {} : { servername: requestOptions.servername }),
        })
      : new http.Agent({ keepAlive: true });
    const transport = isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method, headers, agent: this.#agent }, (response) => {
        if (options.idleTimeoutMs !== undefined) {
          response.socket.setTimeout(options.idleTimeoutMs, () =>
            response.destroy(new Error('watch went idle')),
          );
        }
        resolve(response);
      });
      const onAbort = (): void => {
        request.destroy();
        resolve(undefined);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      request.once('close', () => options.signal?.removeEventListener('abort', onAbort));
      request.once('error', (cause) => {
        if (options.signal?.aborted) resolve(undefined);
        else reject(new KubeError('Network', `${method} ${url.pathname}: ${cause.message}`, { cause }));
      });
      if (options.idleTimeoutMs === undefined) {
        request.setTimeout(60_000, () => request.destroy(new Error('request timed out after 60s')));
      }
      request.end(body);
    });
  }
}

/** Event timestamps are RFC 3339 with whole seconds (metav1.Time). */
function eventTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

async function readBody(response: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function errorFromResponse(response: http.IncomingMessage): Promise<KubeError> {
  const status = response.statusCode ?? 0;
  const text = await readBody(response).catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return kubeErrorFromResponse(
    status,
    body,
    `the API server answered ${status} ${http.STATUS_CODES[status] ?? ''}`.trim(),
  );
}
