import { listWatch, type KubeClient, type WatchHandle } from './kube-client.js';

interface Meta {
  metadata: { name?: string; namespace?: string; resourceVersion?: string };
}
interface SealedSecretLike extends Meta {
  status?: { conditions?: { type?: string; status?: string; message?: string }[] };
}

interface Waiter {
  /** Called with the name an event was about; true when the wait is over. */
  check(name: string): boolean;
  resolve(at: number): void;
}

/**
 * Watches the SealedSecrets and Secrets of one namespace and records, per name, when its Secret first appeared
 * and when its SealedSecret first reported Synced=True (performance.now() at the watch event).
 */
export class NamespaceTracker {
  readonly secretSeenAt = new Map<string, number>();
  readonly syncedAt = new Map<string, number>();
  readonly failures = new Map<string, string>();
  readonly #waiters = new Set<Waiter>();
  readonly #handles: WatchHandle[] = [];

  private constructor() {}

  /**
   * Tracks one namespace, names as they are; with `namespace` undefined, every namespace (one cluster-wide watch
   * per kind) and names as `<namespace>/<name>`.
   */
  static async start(client: KubeClient, namespace: string | undefined): Promise<NamespaceTracker> {
    const tracker = new NamespaceTracker();
    const scope = namespace === undefined ? '' : `/namespaces/${namespace}`;
    const key = (meta: Meta['metadata']): string | undefined =>
      namespace === undefined && meta.name !== undefined ? `${meta.namespace ?? ''}/${meta.name}` : meta.name;
    tracker.#handles.push(
      await listWatch<Meta>(client, `/api/v1${scope}/secrets`, (event) => {
        const name = key(event.object.metadata);
        if (name === undefined) return;
        if (event.type === 'DELETED') tracker.secretSeenAt.delete(name);
        else if (!tracker.secretSeenAt.has(name)) tracker.secretSeenAt.set(name, performance.now());
        tracker.#notify(name);
      }),
      await listWatch<SealedSecretLike>(
        client,
        `/apis/bitnami.com/v1alpha1${scope}/sealedsecrets`,
        (event) => {
          const name = key(event.object.metadata);
          if (name === undefined || event.type === 'DELETED') return;
          const synced = event.object.status?.conditions?.find((c) => c.type === 'Synced');
          if (synced?.status === 'True') {
            if (!tracker.syncedAt.has(name)) tracker.syncedAt.set(name, performance.now());
            tracker.failures.delete(name);
          } else if (synced?.status === 'False') {
            tracker.failures.set(name, synced.message ?? 'Synced=False');
          }
          tracker.#notify(name);
        },
      ),
    );
    return tracker;
  }

  #done(name: string): boolean {
    return this.secretSeenAt.has(name) && this.syncedAt.has(name);
  }

  progress(names: readonly string[]): string {
    const secrets = names.filter((n) => this.secretSeenAt.has(n)).length;
    const synced = names.filter((n) => this.syncedAt.has(n)).length;
    const failed = names.filter((n) => this.failures.has(n));
    const sample =
      failed.length > 0 ? `; e.g. ${failed[0] ?? ''}: ${this.failures.get(failed[0] ?? '') ?? ''}` : '';
    return `${secrets}/${names.length} Secrets, ${synced}/${names.length} Synced=True, ${failed.length} Synced=False${sample}`;
  }

  /** Resolves with performance.now() at the event that completed the last of `names`; rejects after `timeoutMs`. */
  waitForAll(names: readonly string[], timeoutMs: number): Promise<number> {
    const pending = new Set(names.filter((n) => !this.#done(n)));
    if (pending.size === 0) return Promise.resolve(performance.now());
    return this.#wait(
      (name) => {
        if (pending.has(name) && this.#done(name)) pending.delete(name);
        return pending.size === 0;
      },
      timeoutMs,
      () => this.progress(names),
    );
  }

  /** Resolves with performance.now() at the event that first showed Secret `name`. */
  waitForSecret(name: string, timeoutMs: number): Promise<number> {
    const seen = this.secretSeenAt.get(name);
    if (seen !== undefined) return Promise.resolve(seen);
    return this.#wait(
      (n) => n === name && this.secretSeenAt.has(name),
      timeoutMs,
      () => `Secret ${name} not created`,
    );
  }

  #wait(check: (name: string) => boolean, timeoutMs: number, describe: () => string): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms: ${describe()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: (at) => {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(at);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  #notify(name: string): void {
    if (this.#waiters.size === 0) return;
    const now = performance.now();
    for (const waiter of [...this.#waiters]) if (waiter.check(name)) waiter.resolve(now);
  }

  stop(): void {
    for (const handle of this.#handles.splice(0)) handle.stop();
  }
}
