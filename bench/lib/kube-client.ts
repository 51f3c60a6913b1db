import { Agent, request } from 'node:https';
import type { IncomingMessage } from 'node:http';

export interface KubeClientOptions {
  server: string;
  ca: string | Buffer;
  token: string;
  /** Sockets kept open to the API server (bounds the client-side concurrency). */
  maxSockets?: number;
}

export interface KubeResponse {
  readonly status: number;
  readonly body: string;
}

export class KubeClientError extends Error {
  readonly code = 'KUBE_REQUEST_FAILED';
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'KubeClientError';
  }
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

/** Handle of a running watch; `stop()` ends it for good. */
export interface WatchHandle {
  stop(): void;
}

/** A small HTTPS client for kube-apiserver with keep-alive connections (the harness's client opens one per request). */
export class KubeClient {
  readonly #agent: Agent;
  readonly #options: KubeClientOptions;

  constructor(options: KubeClientOptions) {
    this.#options = options;
    this.#agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 16, ca: options.ca });
  }

  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeResponse> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: `Bearer ${this.#options.token}`,
    };
    if (payload !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = String(Buffer.byteLength(payload));
    }
    const url = new URL(path, this.#options.server);
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent: this.#agent, timeout: 60_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Parses the JSON answer; throws KubeClientError for non-2xx answers. */
  async json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    let res = await this.request(method, path, body, contentType);
    // 429 comes back e.g. while a fresh CRD's storage initialises; bounded retries honour Retry-After.
    for (let attempt = 1; res.status === 429 && attempt <= 20; attempt++) {
      await new Promise((r) => setTimeout(r, retryAfterMs(res.body)));
      res = await this.request(method, path, body, contentType);
    }
    if (res.status < 200 || res.status > 299) {
      throw new KubeClientError(
        `${method} ${path}: HTTP ${res.status} ${res.body.slice(0, 300)}`,
        res.status,
      );
    }
    return (res.body === '' ? undefined : JSON.parse(res.body)) as T;
  }

  /**
   * Lists `collectionPath`, hands every item to `onEvent` as ADDED, then watches from the list's resourceVersion;
   * a watch that ends is re-established from the last resourceVersion seen (a 410 relists).
   */
  async listWatch<T extends { metadata: { resourceVersion?: string } }>(
    collectionPath: string,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<WatchHandle> {
    let stopped = false;
    let current: { destroy(): void } | undefined;
    let resourceVersion = await this.#relist(collectionPath, onEvent);
    const loop = async (): Promise<void> => {
      while (!stopped) {
        const outcome = await this.#watchOnce<T>(
          collectionPath,
          resourceVersion,
          (event) => {
            const rv = event.object.metadata.resourceVersion;
            if (rv !== undefined) resourceVersion = rv;
            if (event.type !== 'BOOKMARK') onEvent(event);
          },
          (req) => (current = req),
        );
        if (stopped) return;
        if (outcome === 'gone') resourceVersion = await this.#relist(collectionPath, onEvent);
        else if (outcome === 'failed') await new Promise((r) => setTimeout(r, 200));
      }
    };
    void loop().catch(() => undefined);
    return {
      stop: () => {
        stopped = true;
        current?.destroy();
      },
    };
  }

  async #relist<T extends { metadata: { resourceVersion?: string } }>(
    collectionPath: string,
    onEvent: (event: WatchEvent<T>) => void,
  ): Promise<string> {
    const list = await this.json<{ metadata: { resourceVersion: string }; items: T[] }>(
      'GET',
      collectionPath,
    );
    for (const item of list.items) onEvent({ type: 'ADDED', object: item });
    return list.metadata.resourceVersion;
  }

  #watchOnce<T>(
    collectionPath: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent<T>) => void,
    onRequest: (req: { destroy(): void }) => void,
  ): Promise<'ended' | 'gone' | 'failed'> {
    const separator = collectionPath.includes('?') ? '&' : '?';
    const url = new URL(
      `${collectionPath}${separator}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`,
      this.#options.server,
    );
    return new Promise((resolve) => {
      const req = request(
        url,
        {
          method: 'GET',
          headers: { Accept: 'application/json', Authorization: `Bearer ${this.#options.token}` },
          ca: this.#options.ca,
          agent: false,
        },
        (res: IncomingMessage) => {
          if (res.statusCode === 410) {
            res.resume();
            resolve('gone');
            return;
          }
          if (res.statusCode !== 200) {
            res.resume();
            resolve('failed');
            return;
          }
          let buffered = '';
          let gone = false;
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            buffered += chunk;
            let newline: number;
            while ((newline = buffered.indexOf('\n')) >= 0) {
              const line = buffered.slice(0, newline).trim();
              buffered = buffered.slice(newline + 1);
              if (line === '') continue;
              const event = JSON.parse(line) as WatchEvent<T>;
              if (event.type === 'ERROR') {
                gone = (event.object as { code?: number }).code === 410;
                continue;
              }
              onEvent(event);
            }
          });
          res.on('end', () => resolve(gone ? 'gone' : 'ended'));
          res.on('error', () => resolve('failed'));
        },
      );
      onRequest(req);
      req.on('error', () => resolve('failed'));
      req.end();
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight; the first failure rejects (after in-flight ones settle). */
export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
    }
  });
  await Promise.all(workers);
  return results;
}

function retryAfterMs(body: string): number {
  try {
    const seconds = (JSON.parse(body) as { details?: { retryAfterSeconds?: number } }).details
      ?.retryAfterSeconds;
    return typeof seconds === 'number' && seconds > 0 ? Math.min(seconds, 5) * 1000 : 250;
  } catch {
    return 250;
  }
}
