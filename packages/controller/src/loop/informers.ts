import { ANNOTATION_MANAGED, SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND, type Secret } from '@ssts/core';
import { sleepUnlessAborted, type Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import { isKubeError } from '@ssts/kube';
import type {
  KubeGateway,
  ListPageInfo,
  ListScope,
  ResourceOfKind,
  WatchEvent,
  WatchedResource,
} from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';

/** Synchronous callbacks: they only enqueue keys or register keys, never do I/O themselves. */
export interface InformerHandlers<T> {
  onAdd?(object: T): void;
  onUpdate?(previous: T, current: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions<R extends WatchedResource> {
  readonly gateway: KubeGateway;
  readonly resource: R;
  readonly scope: ListScope;
  readonly handlers: InformerHandlers<ResourceOfKind[R]>;
  readonly clock: Clock;
  readonly log: Logger;
  /** Backoff after a failed list/watch: doubles from `minBackoffMs` up to `maxBackoffMs`, with jitter. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Applied to every listed or watched object before it is cached or handed to a handler (client-go's
   * SetTransform), so fields nobody reads (managedFields, Secret data) do not stay in memory. `cached` is the
   * object cached under the same key until now, if any; `initialList` is true for the objects of the lists before
   * the first one succeeded (`synced`); `page` is where a listed object's page sits (undefined for a watch event).
   */
  readonly transform?: (
    object: ResourceOfKind[R],
    cached: ResourceOfKind[R] | undefined,
    initialList: boolean,
    page: ListPageInfo | undefined,
  ) => ResourceOfKind[R];
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * The informer transform for cached objects: drops `metadata.managedFields` and kubectl's last-applied annotation
 * (often larger than the object itself). A status PUT without managedFields keeps the server's (the API server
 * only replaces them when the field is sent), and the status subresource ignores metadata.
 */
export function withoutBookkeeping<T extends { metadata: object }>(object: T): T {
  const { managedFields, ...metadata } = object.metadata as {
    managedFields?: unknown;
    annotations?: Record<string, string>;
  };
  const annotations = metadata.annotations;
  if (managedFields === undefined && (annotations === undefined || !(LAST_APPLIED in annotations)))
    return object;
  // Copies without the fields rather than `delete`: a deleted property turns an object into a dictionary, which
  // costs about five times the memory of the same object with fast properties (measured in heap snapshots).
  if (annotations !== undefined && LAST_APPLIED in annotations) {
    const { [LAST_APPLIED]: _lastApplied, ...kept } = annotations;
    metadata.annotations = kept;
  }
  return { ...object, metadata };
}

/**
 * For Secrets watched only to notice deletions (compat §3.3): a new object with what that check reads, the name, the
 * controller reference and the `managed` annotation, and the resourceVersion (a relist compares it). About a third
 * of the stripped object; the data, labels and other annotations are never kept.
 */
export function secretOwnership(secret: Secret): Secret {
  const { name, namespace, resourceVersion, ownerReferences, annotations } = secret.metadata;
  const owner = ownerReferences?.find((ref) => ref.controller === true);
  const managed = annotations?.[ANNOTATION_MANAGED];
  return {
    metadata: {
      ...(name !== undefined && { name }),
      ...(namespace !== undefined && { namespace }),
      ...(resourceVersion !== undefined && { resourceVersion }),
      ...(owner !== undefined && {
        ownerReferences: [
          {
            // The usual values are shared constants rather than one parsed copy per Secret.
            apiVersion:
              owner.apiVersion === SEALED_SECRET_API_VERSION ? SEALED_SECRET_API_VERSION : owner.apiVersion,
            kind: owner.kind === SEALED_SECRET_KIND ? SEALED_SECRET_KIND : owner.kind,
            name: owner.name === name ? name : owner.name,
            uid: owner.uid,
            controller: true,
          },
        ],
      }),
      ...(managed !== undefined && { annotations: { [ANNOTATION_MANAGED]: managed } }),
    },
  };
}

export function objectKey(object: { metadata: { namespace?: string; name?: string } }): string {
  return `${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

/** The namespace and name of an objectKey (a namespace has no `/`; a name may not either, but stays whole). */
export function splitObjectKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * List + watch with a local cache (a reflector). A watch that ends is resumed from the last resourceVersion; a
 * `410 Gone` relists at once; any other failure relists after a jittered exponential backoff. While the watch is
 * down `healthy` is false, so readiness reports it instead of the controller going silently deaf.
 */
export class Informer<R extends WatchedResource> {
  readonly #options: InformerOptions<R>;
  readonly #cache = new Map<string, ResourceOfKind[R]>();
  #synced = false;
  #healthy = false;
  #lastError: string | undefined;
  readonly #syncWaiters: (() => void)[] = [];

  constructor(options: InformerOptions<R>) {
    this.#options = options;
  }

  get synced(): boolean {
    return this.#synced;
  }
  get healthy(): boolean {
    return this.#healthy;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** The cached object (shared: callers must structuredClone before editing). */
  get(namespace: string, name: string): ResourceOfKind[R] | undefined {
    return this.#cache.get(`${namespace}/${name}`);
  }

  list(): ResourceOfKind[R][] {
    return [...this.#cache.values()];
  }

  /**
   * Replaces the cached object with `rewrite(cached)` (a smaller copy of it; handlers are not called). Nothing
   * happens when nothing is cached under that key or `rewrite` returns undefined.
   */
  rewrite(
    namespace: string,
    name: string,
    rewrite: (cached: ResourceOfKind[R]) => ResourceOfKind[R] | undefined,
  ): void {
    const key = `${namespace}/${name}`;
    const cached = this.#cache.get(key);
    const replacement = cached === undefined ? undefined : rewrite(cached);
    if (replacement !== undefined) this.#cache.set(key, replacement);
  }

  /** Resolves after the first successful list (or when `signal` aborts). */
  waitForSync(signal: AbortSignal): Promise<void> {
    if (this.#synced || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      this.#syncWaiters.push(resolve);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Runs until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    const { minBackoffMs = 1000, maxBackoffMs = 30_000 } = this.#options;
    let backoff = minBackoffMs;
    while (!signal.aborted) {
      try {
        let resourceVersion = await this.#relist();
        backoff = minBackoffMs;
        while (!signal.aborted) {
          this.#healthy = true;
          const started = this.#options.clock.now();
          await this.#options.gateway.watch(
            this.#options.resource,
            this.#options.scope,
            resourceVersion,
            (event) => {
              resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
              this.#apply(event);
            },
            signal,
          );
          // A server that keeps closing watches at once must not turn this into a tight loop.
          if (this.#options.clock.now() - started < minBackoffMs)
            await sleepUnlessAborted(this.#options.clock, minBackoffMs, signal);
        }
      } catch (error) {
        this.#healthy = false;
        this.#lastError = errorMessage(error);
        if (signal.aborted) break;
        if (isKubeError(error, 'Gone')) {
          this.#options.log.info({ resource: this.#options.resource }, 'Watch expired, relisting');
          continue;
        }
        this.#options.log.error(
          { resource: this.#options.resource, error: this.#lastError, retryInMs: backoff },
          'List/watch failed, retrying',
        );
        await sleepUnlessAborted(this.#options.clock, backoff * (0.8 + Math.random() * 0.4), signal);
        backoff = Math.min(maxBackoffMs, backoff * 2);
      }
    }
    this.#healthy = false;
  }

  async #relist(): Promise<string> {
    const transform = this.#options.transform;
    const initialList = !this.#synced;
    // Transformed page by page (the cache does not change while listing).
    const { items, resourceVersion } = await this.#options.gateway.list(
      this.#options.resource,
      this.#options.scope,
      transform === undefined
        ? undefined
        : (listed, page) => transform(listed, this.#cache.get(objectKey(listed)), initialList, page),
    );
    const seen = new Set<string>();
    for (const item of items) {
      const key = objectKey(item);
      seen.add(key);
      const previous = this.#cache.get(key);
      this.#cache.set(key, item);
      if (previous === undefined) this.#options.handlers.onAdd?.(item);
      else if (previous.metadata.resourceVersion !== item.metadata.resourceVersion) {
        this.#options.handlers.onUpdate?.(previous, item);
      }
    }
    for (const [key, object] of this.#cache) {
      if (seen.has(key)) continue;
      this.#cache.delete(key);
      this.#options.handlers.onDelete?.(object);
    }
    if (!this.#synced) {
      this.#synced = true;
      for (const waiter of this.#syncWaiters.splice(0)) waiter();
    }
    return resourceVersion;
  }

  #apply(received: WatchEvent<ResourceOfKind[R]>): void {
    if (received.type === 'BOOKMARK') return;
    const transform = this.#options.transform;
    const key = objectKey(received.object);
    const previous = this.#cache.get(key);
    const event =
      transform === undefined
        ? received
        : { ...received, object: transform(received.object, previous, false, undefined) };
    if (event.type === 'DELETED') {
      this.#cache.delete(key);
      this.#options.handlers.onDelete?.(event.object);
      return;
    }
    this.#cache.set(key, event.object);
    if (previous === undefined) this.#options.handlers.onAdd?.(event.object);
    else this.#options.handlers.onUpdate?.(previous, event.object);
  }
}
