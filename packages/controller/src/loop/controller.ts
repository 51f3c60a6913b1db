import { isDeepStrictEqual } from 'node:util';
import {
  ANNOTATION_CLUSTER_WIDE,
  ANNOTATION_MANAGED,
  ANNOTATION_NAMESPACE_WIDE,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import type { Clock } from '../clock.js';
import { errorMessage } from '../errors.js';
import type { KubeGateway, ListPageInfo, ListScope } from '../kube/kube-gateway.js';
import type { Logger } from '../log.js';
import { KeyUseLists } from '../keys/inventory.js';
import { isControlledBy } from '../reconcile/decide.js';
import type { CachedSecretState, ReconcileResult } from '../reconcile/reconcile.js';
import { Informer, objectKey, secretOwnership, splitObjectKey, withoutBookkeeping } from './informers.js';
import { isSettled, sameGeneration, sealedSecretTransform, settled } from './settled.js';
import { PREFETCH_WINDOW, SpecPrefetch } from './spec-prefetch.js';
import { WorkQueue } from './work-queue.js';

export interface ControllerOptions {
  readonly gateway: KubeGateway;
  /** Namespaces to watch; undefined → all namespaces (compat §3.2). */
  readonly namespaces: readonly string[] | undefined;
  readonly labelSelector: string;
  readonly skipRecreate: boolean;
  readonly maxUnsealRetries: number;
  readonly clock: Clock;
  readonly log: Logger;
  /**
   * One reconcile pass; gets the caches through `getSealedSecret` and `secretState`. A result's `tail` (the status
   * write) runs after the worker is free; the key is not handed out again before it ends.
   */
  readonly reconcile: (key: string) => Promise<ReconcileResult>;
  /** Called when a SealedSecret leaves the cache (metrics series, decrypt preferences). */
  readonly onSealedSecretDeleted?: (namespace: string, name: string) => void;
  readonly queue?: WorkQueue;
  readonly informerBackoffMs?: number;
  /**
   * Reconciles run concurrently on distinct keys (`--workers`; upstream has one). The queue never hands one key
   * to two workers, so per-object ordering is unchanged. Default 1.
   */
  readonly workers?: number;
  /** Prefetch page size and window (loop/spec-prefetch.ts); tests make them small. */
  readonly prefetchPageSize?: number;
  readonly prefetchWindow?: number;
  /**
   * Leader election: informers run on every replica (warm caches, readiness), but workers run only inside
   * `lead(term)`, each term with a fresh queue filled from the cache. Default false: `start` runs the workers.
   */
  readonly leaderElected?: boolean;
}

/** Whether the cached SealedSecret already reports Synced=True for its current generation. */
function syncedForGeneration(ss: SealedSecret): boolean {
  return (
    ss.status?.observedGeneration === ss.metadata.generation &&
    ss.status?.conditions?.some((c) => c.type === 'Synced' && c.status === 'True') === true
  );
}

/**
 * A SealedSecret informer whose initial list caches objects without their spec, except its first objects while the
 * initial lists together kept fewer than the prefetch window whole (`ahead`): a start-up of up to that many objects
 * downloads each spec once and runs no prefetch. `start` is where the first prefetch goes on from.
 */
interface DeferredList {
  readonly scope: ListScope;
  /** Keys the initial list cached whole (handed to the first term's prefetch, then cleared). */
  ahead: Set<string>;
  /** The end of the initial list's last page cached whole: its continue token and last key. */
  start: { readonly continue: string; readonly lastKey: string } | undefined;
  /** The page being listed: its offset and continue token, and whether every object so far was kept whole. */
  page: { offset: number; continue: string | undefined; whole: boolean; lastKey: string };
}

/** Same object, same resourceVersion. */
function sameVersion(a: SealedSecret, b: SealedSecret): boolean {
  return (
    a.metadata.uid === b.metadata.uid &&
    a.metadata.resourceVersion !== undefined &&
    a.metadata.resourceVersion === b.metadata.resourceVersion
  );
}

const SCOPE_ANNOTATIONS = [ANNOTATION_CLUSTER_WIDE, ANNOTATION_NAMESPACE_WIDE];

/**
 * Compat §3.3 plus one deliberate change: an update is reconciled when the spec changed (upstream) **or** a scope
 * annotation changed, since the scope decides whether the object still decrypts (README: quirk decisions).
 */
export function needsReconcile(previous: SealedSecret, current: SealedSecret): boolean {
  if (!isDeepStrictEqual(previous.spec, current.spec)) return true;
  return SCOPE_ANNOTATIONS.some(
    (key) => previous.metadata.annotations?.[key] !== current.metadata.annotations?.[key],
  );
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * The control loop: SealedSecret (and, unless --skip-recreate, Secret) informers feed `ns/name` keys into one work
 * queue; `workers` concurrent loops reconcile distinct keys with retries per compat §3.4. `start` resolves once
 * stopped and every in-flight reconcile finished.
 */
export class Controller {
  readonly #options: ControllerOptions;
  /** The queue of the running term; without leader election, one for the process' life. */
  #queue: WorkQueue | undefined;
  readonly #sealedSecrets: Informer<'sealedsecrets'>[] = [];
  readonly #secrets: Informer<'secrets'>[] = [];
  /** run() of every informer started so far, including namespaces added after start(). */
  readonly #running: Promise<void>[] = [];
  /** Tails of finished passes still writing (their keys stay busy in the queue). */
  readonly #tails = new Set<Promise<void>>();
  /** Namespace (undefined: all) → its Secret informer, for `secretState`. */
  readonly #secretsByNamespace = new Map<string | undefined, Informer<'secrets'>>();
  /** For passes of settled objects while they run: the SealedSecret fetched for the pass (undefined: gone). */
  readonly #fetched = new Map<string, SealedSecret | undefined>();
  /** The key-use lists of settled objects' statuses, shared. */
  readonly #keyUses = new KeyUseLists();
  /** Each SealedSecret informer whose initial list caches objects without their spec, and how it listed. */
  readonly #deferred = new Map<Informer<'sealedsecrets'>, DeferredList>();
  /** The running term's prefetch of those objects, per informer. */
  #prefetches = new Map<Informer<'sealedsecrets'>, SpecPrefetch>();
  #signal: AbortSignal | undefined;

  constructor(options: ControllerOptions) {
    this.#options = options;
    this.#queue = options.leaderElected
      ? undefined
      : (options.queue ?? new WorkQueue({ clock: options.clock }));
    for (const namespace of options.namespaces === undefined ? [undefined] : options.namespaces) {
      this.#addInformers(namespace, true);
    }
  }

  /**
   * `deferSpecs`: the initial list caches SealedSecrets without their spec (settled.ts), and each term's prefetch
   * pages their specs in as the passes take them (spec-prefetch.ts), so the memory of a start-up does not grow
   * with the objects waiting for their first pass. Namespaces added while running keep whole objects (their
   * informer starts after the term's prefetch).
   */
  #addInformers(
    namespace: string | undefined,
    deferSpecs: boolean,
  ): { run(signal: AbortSignal): Promise<void> }[] {
    const options = this.#options;
    const selector = options.labelSelector === '' ? {} : { labelSelector: options.labelSelector };
    const scope = { ...selector, ...(namespace !== undefined && { namespace }) };
    const common = {
      gateway: options.gateway,
      clock: options.clock,
      log: options.log,
      ...(options.informerBackoffMs !== undefined && { minBackoffMs: options.informerBackoffMs }),
    };
    const transform = sealedSecretTransform(this.#keyUses);
    const deferred: DeferredList = {
      scope,
      ahead: new Set(),
      start: undefined,
      page: { offset: -1, continue: undefined, whole: true, lastKey: '' },
    };
    const sealedSecrets = new Informer({
      ...common,
      resource: 'sealedsecrets',
      scope,
      transform: deferSpecs
        ? (object, cached, initialList, page) =>
            initialList && page !== undefined
              ? this.#initiallyListed(deferred, withoutBookkeeping(object), page)
              : transform(object, cached)
        : transform,
      handlers: {
        onAdd: (ss) => this.#queue?.add(objectKey(ss)),
        onUpdate: (previous, current) => {
          if (needsReconcile(previous, current)) this.#queue?.add(objectKey(current));
          else options.log.debug({ sealedSecret: objectKey(current) }, 'update suppressed');
        },
        onDelete: (ss) => {
          options.onSealedSecretDeleted?.(ss.metadata.namespace ?? '', ss.metadata.name ?? '');
          this.#queue?.add(objectKey(ss));
        },
      },
    });
    this.#sealedSecrets.push(sealedSecrets);
    if (deferSpecs) this.#deferred.set(sealedSecrets, deferred);
    if (options.skipRecreate) return [sealedSecrets];
    const secrets = new Informer({
      ...common,
      resource: 'secrets',
      scope,
      // Only deletions are handled, and they need the owner and the `managed` annotation alone.
      transform: secretOwnership,
      handlers: { onDelete: (secret) => this.#onSecretDeleted(secret) },
    });
    this.#secrets.push(secrets);
    this.#secretsByNamespace.set(namespace, secrets);
    return [sealedSecrets, secrets];
  }

  /**
   * An object of a deferred informer's initial list: whole while every object before it in the list was and the
   * initial lists together kept fewer than the prefetch window whole (pages come in key order, so the whole ones are
   * the first the passes take), else without its spec. A page kept whole only in part is listed again by the
   * prefetch, which goes on after the last page kept whole to its end.
   */
  #initiallyListed(deferred: DeferredList, object: SealedSecret, page: ListPageInfo): SealedSecret {
    const current = deferred.page;
    if (page.offset !== current.offset) {
      if (page.offset === 0) {
        // A new list (the first, or one after a failed attempt): what an attempt before kept does not count.
        deferred.ahead.clear();
        deferred.start = undefined;
        current.whole = true;
      } else if (current.whole && current.continue !== undefined) {
        // The page before was kept whole to its end: a prefetch goes on after it.
        deferred.start = { continue: current.continue, lastKey: current.lastKey };
      }
      current.offset = page.offset;
      current.continue = page.continue;
    }
    let keptWhole = 0;
    for (const other of this.#deferred.values()) keptWhole += other.ahead.size;
    const key = objectKey(object);
    if (current.whole && keptWhole < (this.#options.prefetchWindow ?? PREFETCH_WINDOW)) {
      deferred.ahead.add(key);
      current.lastKey = key;
      return object;
    }
    current.whole = false;
    return settled(object, this.#keyUses);
  }

  /**
   * Starts watching one more namespace while running (the additional-namespace bootstrap after the HTTP servers
   * are up, addendum §3.1). Returns at once; `ready()` is false until its informers listed. Call after start().
   */
  watchNamespace(namespace: string): void {
    const signal = this.#signal;
    if (signal === undefined) throw new Error('watchNamespace() needs a started controller');
    for (const informer of this.#addInformers(namespace, false)) this.#running.push(informer.run(signal));
  }

  /** How many reconciles may run at once. */
  get workerCount(): number {
    return Math.max(1, Math.floor(this.#options.workers ?? 1));
  }

  /** Number of Secret informers (0 with --skip-recreate; compat §9.2 #3). */
  get secretInformerCount(): number {
    return this.#secrets.length;
  }

  /**
   * The SealedSecret a pass works on (shared: never mutate it): the cached one, or for an object whose cache entry
   * is settled (no ciphertext, see settled.ts) the one fetched for the pass under way. A settled entry outside a
   * pass throws: unsealing it would give a Secret without data.
   */
  getSealedSecret(namespace: string, name: string): SealedSecret | undefined {
    const key = `${namespace}/${name}`;
    if (this.#fetched.has(key)) return this.#fetched.get(key);
    const cached = this.#cached(namespace, name);
    if (cached !== undefined && isSettled(cached))
      throw new Error(`internal error: ${key} is cached without its spec and was not fetched for this pass`);
    return cached;
  }

  #cached(namespace: string, name: string): SealedSecret | undefined {
    return this.#cachedIn(namespace, name)?.object;
  }

  #cachedIn(
    namespace: string,
    name: string,
  ): { informer: Informer<'sealedsecrets'>; object: SealedSecret } | undefined {
    for (const informer of this.#sealedSecrets) {
      const object = informer.get(namespace, name);
      if (object !== undefined) return { informer, object };
    }
    return undefined;
  }

  /**
   * What the Secret informers know about `namespace/name`. `absent` only from a synced informer that sees every
   * Secret of that namespace: with a label selector it sees only matching ones, so that is `unknown` (like
   * `--skip-recreate`, which has no Secret informer). Cached Secrets carry no data, so `present` still needs a GET.
   */
  secretState(namespace: string, name: string): CachedSecretState {
    if (this.#options.labelSelector !== '') return 'unknown';
    const informer = this.#secretsByNamespace.get(undefined) ?? this.#secretsByNamespace.get(namespace);
    if (informer === undefined || !informer.synced) return 'unknown';
    return informer.get(namespace, name) === undefined ? 'absent' : 'present';
  }

  /**
   * Every cached SealedSecret once (shared with the informers: never mutate them). Settled ones (isSettled) have
   * no spec: metadata and status only.
   */
  *sealedSecrets(): Generator<SealedSecret> {
    const seen = new Set<string>();
    for (const informer of this.#sealedSecrets) {
      for (const ss of informer.list()) {
        const key = objectKey(ss);
        if (seen.has(key)) continue;
        seen.add(key);
        yield ss;
      }
    }
  }

  /** True once every informer listed and while every watch is up. */
  ready(): boolean {
    return [...this.#sealedSecrets, ...this.#secrets].every((i) => i.synced && i.healthy);
  }

  /** Why the controller is not ready, for the readiness endpoint and logs. */
  notReadyReasons(): string[] {
    return [...this.#sealedSecrets, ...this.#secrets]
      .filter((i) => !(i.synced && i.healthy))
      .map((i) => i.lastError ?? 'waiting for the initial list');
  }

  /**
   * Runs informers, waits for their caches, then the workers (unless leader-elected: see `lead`); resolves after
   * `signal` aborts and work drains.
   */
  async start(signal: AbortSignal): Promise<void> {
    this.#signal = signal;
    const informers = [...this.#sealedSecrets, ...this.#secrets];
    this.#running.push(...informers.map((informer) => informer.run(signal)));
    await this.#synced(signal);
    const queue = this.#queue;
    if (!signal.aborted && queue !== undefined)
      this.#options.log.info(
        { informers: informers.length, workers: this.workerCount },
        'Caches synced, starting the workers',
      );
    const prefetch = signal.aborted || queue === undefined ? undefined : this.#prefetch(queue, signal);
    const workers =
      signal.aborted || queue === undefined
        ? []
        : Array.from({ length: this.workerCount }, () => this.#work(queue));
    await untilAborted(signal);
    queue?.shutDown();
    // Each worker exits after its in-flight reconcile: shutDown only makes the *next* get() return undefined.
    await Promise.all([...workers, ...this.#running, prefetch]);
    await this.#drainTails();
  }

  /** Waits for the tails (status writes) of passes that already ended. */
  async #drainTails(): Promise<void> {
    while (this.#tails.size > 0) await Promise.all(this.#tails);
  }

  #synced(signal: AbortSignal): Promise<unknown> {
    const informers = [...this.#sealedSecrets, ...this.#secrets];
    return Promise.all(informers.map((informer) => informer.waitForSync(signal)));
  }

  /**
   * One leadership term (leader election): a fresh queue gets every cached SealedSecret, those not yet Synced for
   * their generation first (objects applied or in flight while no one led), then the rest, as a restarted
   * upstream controller re-processes everything. Workers run until `term` aborts; resolves when the in-flight
   * reconciles finished. Call after start().
   */
  async lead(term: AbortSignal): Promise<void> {
    const signal = this.#signal;
    if (signal === undefined) throw new Error('lead() needs a started controller');
    const stop = AbortSignal.any([signal, term]);
    await this.#synced(stop);
    if (stop.aborted) return;
    const queue = new WorkQueue({ clock: this.#options.clock });
    const cached = this.#sealedSecrets.flatMap((informer) => informer.list());
    const pending = cached.filter((ss) => !syncedForGeneration(ss));
    for (const ss of pending) queue.add(objectKey(ss));
    for (const ss of cached) queue.add(objectKey(ss));
    this.#queue = queue;
    this.#options.log.info(
      { sealedSecrets: cached.length, notSynced: pending.length, workers: this.workerCount },
      'Leading: reconciling every SealedSecret',
    );
    const prefetch = this.#prefetch(queue, stop);
    const workers = Array.from({ length: this.workerCount }, () => this.#work(queue));
    await untilAborted(stop);
    this.#queue = undefined;
    queue.shutDown();
    await Promise.all([...workers, prefetch]);
    await this.#drainTails();
  }

  /**
   * The term's prefetch: one SpecPrefetch per informer with deferred specs, one after the other (the initial lists
   * queued their keys in that order). Wanted: a key queued or in flight in this term's queue whose cache entry,
   * still the listed version, has no spec.
   */
  async #prefetch(queue: WorkQueue, signal: AbortSignal): Promise<void> {
    const prefetches = new Map<Informer<'sealedsecrets'>, SpecPrefetch>();
    for (const [informer, deferred] of this.#deferred) {
      // The first term goes on from where the initial list stopped keeping whole objects; later ones list afresh.
      const { scope, start } = deferred;
      const ahead = [...deferred.ahead].filter((key) => {
        const { namespace, name } = splitObjectKey(key);
        const cached = informer.get(namespace, name);
        return queue.has(key) && cached !== undefined && !isSettled(cached);
      });
      deferred.ahead = new Set();
      deferred.start = undefined;
      prefetches.set(
        informer,
        new SpecPrefetch({
          gateway: this.#options.gateway,
          scope,
          clock: this.#options.clock,
          log: this.#options.log,
          ...(this.#options.prefetchPageSize !== undefined && { pageSize: this.#options.prefetchPageSize }),
          ...(this.#options.prefetchWindow !== undefined && { window: this.#options.prefetchWindow }),
          ...(start !== undefined && { start }),
          ahead,
          wanted: (key, listed) => {
            if (!queue.has(key)) return false;
            const { namespace, name } = splitObjectKey(key);
            const cached = informer.get(namespace, name);
            return cached !== undefined && isSettled(cached) && sameVersion(cached, listed);
          },
        }),
      );
    }
    this.#prefetches = prefetches;
    for (const [informer, prefetch] of prefetches) {
      // Nothing cached without its spec (an empty namespace): no page to ask for.
      if (!informer.list().some((ss) => isSettled(ss))) continue;
      await prefetch.run(signal);
      if (signal.aborted) break;
    }
    if (signal.aborted && this.#prefetches === prefetches) this.#prefetches = new Map();
  }

  async #work(queue: WorkQueue): Promise<void> {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      let tail: Promise<void> | undefined;
      try {
        const result = await this.#pass(key);
        tail = result.tail;
        this.#handle(queue, key, result);
      } finally {
        if (tail === undefined) queue.done(key);
        else this.#track(queue, key, tail);
      }
    }
  }

  #track(queue: WorkQueue, key: string, tail: Promise<void>): void {
    const settled: Promise<void> = tail
      .catch((error: unknown) =>
        this.#options.log.error({ sealedSecret: key, error: errorMessage(error) }, 'Reconcile tail failed'),
      )
      .finally(() => {
        this.#tails.delete(settled);
        queue.done(key);
      });
    this.#tails.add(settled);
  }

  /**
   * One pass of `key`. A settled object is fetched first (the pass needs its ciphertext). A pass of a cached full
   * object that ends `done` settles it: the Secret is written, the ciphertext is not needed until the next pass.
   */
  async #pass(key: string): Promise<ReconcileResult> {
    const { namespace, name } = splitObjectKey(key);
    const found = this.#cachedIn(namespace, name);
    let cached = found?.object;
    try {
      let read: SealedSecret | undefined;
      if (found !== undefined && cached !== undefined && isSettled(cached)) {
        const prefetch = this.#prefetches.get(found.informer);
        const listed = await prefetch?.take(key);
        cached = this.#cached(namespace, name); // the cache may have moved on while waiting
        if (cached !== undefined && isSettled(cached)) {
          read =
            listed !== undefined && sameVersion(cached, listed)
              ? listed
              : await this.#options.gateway.getSealedSecret(namespace, name);
          this.#fetched.set(key, read === undefined ? undefined : withoutBookkeeping(read));
        }
      } else if (found !== undefined) this.#prefetches.get(found.informer)?.discard(key);
      const result = await this.#options.reconcile(key);
      if (result.kind === 'done' && cached !== undefined && !isSettled(cached)) this.#settle(cached);
      // A failed pass keeps what it read for its retry, as a pass of a whole cached object does.
      if (result.kind !== 'done' && read !== undefined) this.#unsettle(withoutBookkeeping(read));
      return result;
    } catch (error) {
      return { kind: 'retry', error: errorMessage(error) };
    } finally {
      this.#fetched.delete(key);
    }
  }

  /** Drops the ciphertext of the cached version(s) of what a pass just synced, unless the spec moved on since. */
  #settle(synced: SealedSecret): void {
    const { namespace = '', name = '' } = synced.metadata;
    for (const informer of this.#sealedSecrets) {
      informer.rewrite(namespace, name, (current) =>
        !isSettled(current) && sameGeneration(current, synced) ? settled(current, this.#keyUses) : undefined,
      );
    }
  }

  /** Caches `read` whole again while the cached entry is still the same version without its spec. */
  #unsettle(read: SealedSecret): void {
    const { namespace = '', name = '' } = read.metadata;
    for (const informer of this.#sealedSecrets) {
      informer.rewrite(namespace, name, (current) =>
        isSettled(current) && sameVersion(current, read) ? read : undefined,
      );
    }
  }

  #handle(queue: WorkQueue, key: string, outcome: ReconcileResult): void {
    const { log, maxUnsealRetries } = this.#options;
    if (outcome.kind === 'done') {
      queue.forget(key);
      return;
    }
    if (outcome.kind === 'terminal') {
      log.error(
        { sealedSecret: key, error: outcome.error },
        'Not retrying: the error cannot be fixed by retrying',
      );
      queue.forget(key);
      return;
    }
    if (queue !== this.#queue) return; // the term ended: the next leader starts this object afresh
    if (queue.numRequeues(key) < maxUnsealRetries) {
      log.info({ sealedSecret: key, error: outcome.error, retries: queue.numRequeues(key) }, 'Retrying');
      queue.addRateLimited(key);
      return;
    }
    log.error({ sealedSecret: key, error: outcome.error }, 'giving up');
    queue.forget(key);
  }

  /** Compat §3.3: re-create a deleted Secret when its SealedSecret (live GET) controls it or it was `managed`. */
  #onSecretDeleted(secret: Secret): void {
    const namespace = secret.metadata.namespace ?? '';
    const name = secret.metadata.name ?? '';
    this.#options.gateway
      .getSealedSecret(namespace, name)
      .then((ss) => {
        if (ss === undefined) return;
        if (isControlledBy(secret, ss) || secret.metadata.annotations?.[ANNOTATION_MANAGED] === 'true') {
          if (this.#queue === undefined) return; // not leading: the next leader's first pass re-creates it
          this.#options.log.info({ namespace, name }, 'Secret deleted, re-creating it');
          this.#queue.add(`${namespace}/${name}`);
        }
      })
      .catch((error: unknown) =>
        this.#options.log.error(
          { namespace, name, error: errorMessage(error) },
          'Cannot check a deleted Secret',
        ),
      );
  }
}
