import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeClient } from '../../packages/kube/src/index.js';
import { loadKube } from './workspace.js';

export type { KubeClient };

export interface BenchClientOptions {
  server: string;
  ca: string | Buffer;
  token: string;
}

/**
 * The bench talks to kube-apiserver with the project's own client (@ssts/kube): keep-alive, bounded answers,
 * Retry-After honoured (429 comes back e.g. while a fresh CRD's storage initialises). Concurrency is bounded by
 * the callers (mapBounded), not by the socket pool, so long-lived watches never starve creates.
 */
export async function benchClient(options: BenchClientOptions): Promise<KubeClient> {
  const { KubeClient, bearerToken } = await loadKube();
  return KubeClient.create(
    {
      server: new URL(options.server),
      tls: { ca: Buffer.from(options.ca) },
      credentials: bearerToken(options.token),
      impersonation: {},
      proxyUrl: undefined,
      source: 'kubeconfig',
    },
    { timeoutMs: 60_000, maxRetries: 20 },
  );
}

export interface WatchEvent<T> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

/** Handle of a running watch; `stop()` ends it for good. */
export interface WatchHandle {
  stop(): void;
}

/**
 * Lists `collectionPath`, hands every item to `onEvent` as ADDED, then watches from the list's resourceVersion; a
 * watch that ends is re-established from the last resourceVersion seen (a 410 relists).
 */
export async function listWatch<T extends { metadata: { resourceVersion?: string } }>(
  client: KubeClient,
  collectionPath: string,
  onEvent: (event: WatchEvent<T>) => void,
): Promise<WatchHandle> {
  const { isKubeError } = await loadKube();
  const stop = new AbortController();
  // Paged (500 a page, as client-go's informers) so a list of 20 000 objects stays under the body size limit.
  const relist = async (): Promise<string> => {
    let page: string | undefined;
    for (;;) {
      const list = await client.json<{
        metadata: { resourceVersion: string; continue?: string };
        items: T[];
      }>('GET', collectionPath, { query: { limit: '500', continue: page } });
      for (const item of list.items) onEvent({ type: 'ADDED', object: item });
      page = list.metadata.continue;
      if (page === undefined || page === '') return list.metadata.resourceVersion;
    }
  };
  let resourceVersion = await relist();
  const loop = async (): Promise<void> => {
    while (!stop.signal.aborted) {
      try {
        await client.watch(
          collectionPath,
          {
            query: { resourceVersion, allowWatchBookmarks: 'true' },
            signal: stop.signal,
            idleTimeoutMs: 10 * 60_000,
          },
          (event) => {
            const object = event.object as T;
            const rv = object.metadata.resourceVersion;
            if (rv !== undefined) resourceVersion = rv;
            if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED')
              onEvent({ type: event.type, object });
          },
        );
      } catch (error) {
        if (stop.signal.aborted) return;
        if (isKubeError(error, 'Gone')) resourceVersion = await relist().catch(() => resourceVersion);
        else await sleep(200);
      }
    }
  };
  void loop().catch(() => undefined);
  return { stop: () => stop.abort() };
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
