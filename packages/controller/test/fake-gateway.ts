import { isDeepStrictEqual } from 'node:util';
import type { SealedSecret, SealedSecretStatus, Secret } from '@ssts/core';
import { KubeError } from '@ssts/kube';
import type {
  EventRepeat,
  KubeEvent,
  KubeGateway,
  Lease,
  ListPage,
  ListPageInfo,
  ListResult,
  ListScope,
  ResourceOfKind,
  StatusTarget,
  WatchEvent,
  WatchedResource,
  WebhookConfiguration,
} from '../src/kube/kube-gateway.js';
import { secretWriteError } from '../src/kube/secret-write-error.js';

type AnyObject = SealedSecret | Secret;

/** An Event as stored by the fake API server: name, running count and last time. */
export type StoredEvent = KubeEvent & { name: string; count: number; lastTime: Date };

interface Watcher {
  readonly resource: WatchedResource;
  readonly scope: ListScope;
  readonly onEvent: (event: WatchEvent<AnyObject>) => void;
  readonly end: (error?: Error) => void;
}

/** Simple equality/existence selectors (`a=b,c`), enough for the controller's own selectors. */
function matches(
  labels: Readonly<Record<string, string>> | undefined,
  selector: string | undefined,
): boolean {
  if (selector === undefined || selector === '') return true;
  return selector.split(',').every((term) => {
    const [key = '', value] = term.split('=');
    return value === undefined ? labels?.[key] !== undefined : labels?.[key] === value;
  });
}

function fakeKeyOf(o: { metadata: { namespace?: string; name?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

/**
 * An in-memory API server for unit tests: resourceVersions, uids, generateName, generation bumps on SealedSecret
 * spec changes, immutable Secrets, watches, events, and injectable failures per call.
 */
export class FakeGateway implements KubeGateway {
  readonly objects = new Map<string, AnyObject>();
  readonly events: StoredEvent[] = [];
  readonly calls: string[] = [];
  /**
   * Objects per page of `list` (key order, each page's continue token as listPage's); undefined: one page in the
   * order the objects were stored.
   */
  listPageSize: number | undefined = undefined;
  /** Every listPage answered: its first offset and how many objects it held. */
  readonly pagesListed: { resource: WatchedResource; start: number; count: number }[] = [];
  /** Every status write as sent: the target's identity and the status. */
  readonly statusWrites: { target: StatusTarget; status: SealedSecretStatus }[] = [];
  readonly namespaces = new Set<string>(['default']);
  /** ValidatingWebhookConfigurations by name. */
  readonly webhookConfigurations = new Map<string, WebhookConfiguration>();
  /** Next call of that name throws this error (once). */
  readonly failures = new Map<string, Error>();
  /** Every call of that name throws this error until removed. */
  readonly persistentFailures = new Map<string, Error>();
  /** Leases by `namespace/name`. */
  readonly leases = new Map<string, Lease>();
  #rv = 100;
  #uid = 0;
  #watchers: Watcher[] = [];
  #leaseWatchers: {
    readonly key: string;
    readonly onEvent: (event: WatchEvent<Lease>) => void;
    readonly end: (error?: Error) => void;
  }[] = [];

  #key(resource: WatchedResource, namespace: string, name: string): string {
    return `${resource}/${namespace}/${name}`;
  }

  #fail(call: string): void {
    this.calls.push(call);
    const persistent = this.persistentFailures.get(call.split(' ')[0] ?? '');
    if (persistent !== undefined) throw persistent;
    const error = this.failures.get(call.split(' ')[0] ?? '');
    if (error !== undefined) {
      this.failures.delete(call.split(' ')[0] ?? '');
      throw error;
    }
  }

  /** Seeds or overwrites an object as if another client wrote it. */
  put<R extends WatchedResource>(resource: R, object: ResourceOfKind[R]): ResourceOfKind[R] {
    const copy = structuredClone(object);
    const { namespace = 'default' } = copy.metadata;
    if (copy.metadata.name === undefined) {
      copy.metadata.name = `${copy.metadata.generateName ?? 'obj'}${String(++this.#uid).padStart(5, 'x')}`;
    }
    const key = this.#key(resource, namespace, copy.metadata.name);
    const previous = this.objects.get(key);
    copy.metadata.namespace = namespace;
    copy.metadata.uid = previous?.metadata.uid ?? copy.metadata.uid ?? `uid-${++this.#uid}`;
    copy.metadata.creationTimestamp =
      previous?.metadata.creationTimestamp ?? copy.metadata.creationTimestamp ?? '2026-01-01T00:00:00Z';
    copy.metadata.resourceVersion = String(++this.#rv);
    if (resource === 'sealedsecrets') {
      const prevGen = previous?.metadata.generation ?? 0;
      const specChanged = !isDeepStrictEqual(
        (previous as SealedSecret | undefined)?.spec,
        (copy as SealedSecret).spec,
      );
      copy.metadata.generation = previous === undefined ? 1 : specChanged ? prevGen + 1 : prevGen;
    }
    if (resource === 'secrets' && (copy as Secret).type === undefined) (copy as Secret).type = 'Opaque';
    if (resource === 'secrets' && (copy as Secret).type === '') (copy as Secret).type = 'Opaque';
    this.objects.set(key, copy);
    this.#notify(resource, previous === undefined ? 'ADDED' : 'MODIFIED', copy);
    return structuredClone(copy) as ResourceOfKind[R];
  }

  remove(resource: WatchedResource, namespace: string, name: string): boolean {
    const key = this.#key(resource, namespace, name);
    const previous = this.objects.get(key);
    if (previous === undefined) return false;
    this.objects.delete(key);
    this.#notify(resource, 'DELETED', previous);
    return true;
  }

  get<R extends WatchedResource>(
    resource: R,
    namespace: string,
    name: string,
  ): ResourceOfKind[R] | undefined {
    const object = this.objects.get(this.#key(resource, namespace, name));
    return object === undefined ? undefined : (structuredClone(object) as ResourceOfKind[R]);
  }

  /** Ends every open watch, with an error when given (e.g. KubeError Gone). */
  endWatches(error?: Error): void {
    const watchers = this.#watchers;
    this.#watchers = [];
    for (const watcher of watchers) watcher.end(error);
  }

  get openWatches(): number {
    return this.#watchers.length;
  }

  get openLeaseWatches(): number {
    return this.#leaseWatchers.length;
  }

  /** Ends every open Lease watch, with an error when given. */
  endLeaseWatches(error?: Error): void {
    const watchers = this.#leaseWatchers;
    this.#leaseWatchers = [];
    for (const watcher of watchers) watcher.end(error);
  }

  /** Seeds, overwrites (`putLease`) or deletes (`removeLease`) a Lease as if another client did it. */
  putLease(lease: Lease): Lease {
    const copy = structuredClone(lease);
    const namespace = copy.metadata.namespace ?? 'default';
    const key = `${namespace}/${copy.metadata.name ?? ''}`;
    const previous = this.leases.get(key);
    copy.metadata.namespace = namespace;
    copy.metadata.uid = previous?.metadata.uid ?? copy.metadata.uid ?? `uid-${++this.#uid}`;
    copy.metadata.resourceVersion = String(++this.#rv);
    this.leases.set(key, copy);
    this.#notifyLease(key, previous === undefined ? 'ADDED' : 'MODIFIED', copy);
    return structuredClone(copy);
  }

  removeLease(namespace: string, name: string): boolean {
    const key = `${namespace}/${name}`;
    const previous = this.leases.get(key);
    if (previous === undefined) return false;
    this.leases.delete(key);
    this.#notifyLease(key, 'DELETED', previous);
    return true;
  }

  #notifyLease(key: string, type: 'ADDED' | 'MODIFIED' | 'DELETED', lease: Lease): void {
    for (const watcher of this.#leaseWatchers) {
      if (watcher.key === key) watcher.onEvent({ type, object: structuredClone(lease) });
    }
  }

  #notify(resource: WatchedResource, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: AnyObject): void {
    for (const watcher of this.#watchers) {
      if (watcher.resource !== resource) continue;
      if (watcher.scope.namespace !== undefined && watcher.scope.namespace !== object.metadata.namespace)
        continue;
      if (!matches(object.metadata.labels, watcher.scope.labelSelector)) continue;
      watcher.onEvent({ type, object: structuredClone(object) });
    }
  }

  async list<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    each?: (object: ResourceOfKind[R], page: ListPageInfo) => ResourceOfKind[R],
  ): Promise<ListResult<ResourceOfKind[R]>> {
    this.#fail(`list ${resource}`);
    const all = [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`${resource}/`))
      .map(([, object]) => object)
      .filter((o) => scope.namespace === undefined || o.metadata.namespace === scope.namespace)
      .filter((o) => matches(o.metadata.labels, scope.labelSelector))
      .map((o) => structuredClone(o) as ResourceOfKind[R]);
    const pageSize = this.listPageSize;
    if (pageSize === undefined) {
      const items = all.map((o) => (each === undefined ? o : each(o, { offset: 0, continue: undefined })));
      return Promise.resolve({ items, resourceVersion: String(this.#rv) });
    }
    // Paged as the API server pages: key order, the token of a page as listPage's (its last key).
    all.sort((a, b) => (fakeKeyOf(a) < fakeKeyOf(b) ? -1 : fakeKeyOf(a) > fakeKeyOf(b) ? 1 : 0));
    const items: ResourceOfKind[R][] = [];
    for (let offset = 0; offset < all.length; offset += pageSize) {
      const page = all.slice(offset, offset + pageSize);
      const last = page.at(-1);
      const info: ListPageInfo = {
        offset,
        continue: offset + pageSize < all.length && last !== undefined ? fakeKeyOf(last) : undefined,
      };
      for (const o of page) items.push(each === undefined ? o : each(o, info));
    }
    return Promise.resolve({ items, resourceVersion: String(this.#rv) });
  }

  /**
   * Pages in `namespace/name` order, as the API server lists; the continue token is the last key of the page, and
   * the next page starts after it among the objects of the moment (the API server's token also holds the key to
   * start after, and a snapshot this fake does not keep).
   */
  listPage<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    page: { readonly limit: number; readonly continue?: string },
  ): Promise<ListPage<ResourceOfKind[R]>> {
    this.#fail(`listPage ${resource}`);
    const keyOf = fakeKeyOf;
    const all = [...this.objects.entries()]
      .filter(([key]) => key.startsWith(`${resource}/`))
      .map(([, object]) => object)
      .filter((o) => scope.namespace === undefined || o.metadata.namespace === scope.namespace)
      .filter((o) => matches(o.metadata.labels, scope.labelSelector))
      .sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    const after = page.continue;
    const start = after === undefined ? 0 : all.findIndex((o) => keyOf(o) > after);
    const end = start < 0 ? all.length : start + Math.max(1, page.limit);
    const items = start < 0 ? [] : all.slice(start, end).map((o) => structuredClone(o) as ResourceOfKind[R]);
    this.pagesListed.push({ resource, start, count: items.length });
    const last = items.at(-1);
    return Promise.resolve({
      items,
      resourceVersion: String(this.#rv),
      continue: end < all.length && last !== undefined ? keyOf(last) : undefined,
    });
  }

  watch<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    _resourceVersion: string,
    onEvent: (event: WatchEvent<ResourceOfKind[R]>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.#fail(`watch ${resource}`);
    return new Promise((resolve, reject) => {
      const watcher: Watcher = {
        resource,
        scope,
        onEvent: onEvent as (event: WatchEvent<AnyObject>) => void,
        end: (error) => (error === undefined ? resolve() : reject(error)),
      };
      this.#watchers.push(watcher);
      signal.addEventListener(
        'abort',
        () => {
          this.#watchers = this.#watchers.filter((w) => w !== watcher);
          resolve();
        },
        { once: true },
      );
    });
  }

  getSealedSecret(namespace: string, name: string): Promise<SealedSecret | undefined> {
    this.#fail(`getSealedSecret ${namespace}/${name}`);
    return Promise.resolve(this.get('sealedsecrets', namespace, name));
  }

  updateSealedSecretStatus(target: StatusTarget, status: SealedSecretStatus): Promise<void> {
    const { namespace, name } = target;
    this.#fail(`updateSealedSecretStatus ${namespace}/${name}`);
    this.statusWrites.push({ target, status: structuredClone(status) });
    const current = this.get('sealedsecrets', namespace, name);
    if (current === undefined)
      throw new KubeError('NotFound', `sealedsecrets.bitnami.com "${name}" not found`);
    if (
      (target.resourceVersion !== undefined && target.resourceVersion !== current.metadata.resourceVersion) ||
      (target.uid !== undefined && target.uid !== current.metadata.uid)
    ) {
      throw new KubeError('Conflict', `Operation cannot be fulfilled on sealedsecrets.bitnami.com "${name}"`);
    }
    this.put('sealedsecrets', { ...current, status: structuredClone(status) });
    return Promise.resolve();
  }

  getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    this.#fail(`getSecret ${namespace}/${name}`);
    return Promise.resolve(this.get('secrets', namespace, name));
  }

  createSecret(secret: Secret): Promise<Secret> {
    const { namespace = '', name = secret.metadata.generateName ?? '' } = secret.metadata;
    this.#fail(`createSecret ${namespace}/${name}`);
    if (
      secret.metadata.name !== undefined &&
      this.get('secrets', namespace, secret.metadata.name) !== undefined
    ) {
      throw secretWriteError(
        'create',
        name,
        new KubeError('AlreadyExists', `secrets "${name}" already exists`, {
          status: 409,
          reason: 'AlreadyExists',
        }),
      );
    }
    return Promise.resolve(this.put('secrets', secret));
  }

  updateSecret(secret: Secret): Promise<Secret> {
    const { namespace = '', name = '' } = secret.metadata;
    this.#fail(`updateSecret ${namespace}/${name}`);
    const current = this.get('secrets', namespace, name);
    // What RestGateway makes of the API server's answers: their messages withheld (secret-write-error.ts).
    const refused = (error: KubeError): unknown => secretWriteError('update', name, error);
    if (current === undefined)
      throw refused(
        new KubeError('NotFound', `secrets "${name}" not found`, { status: 404, reason: 'NotFound' }),
      );
    if (secret.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw refused(
        new KubeError('Conflict', `Operation cannot be fulfilled on secrets "${name}"`, {
          status: 409,
          reason: 'Conflict',
        }),
      );
    }
    if (current.immutable === true && !isDeepStrictEqual(current.data ?? {}, secret.data ?? {})) {
      throw refused(
        new KubeError(
          'Invalid',
          `Secret "${name}" is invalid: data: Forbidden: field is immutable when \`immutable\` is set`,
          { status: 422, reason: 'Invalid', causes: [{ field: 'data', reason: 'FieldValueForbidden' }] },
        ),
      );
    }
    return Promise.resolve(this.put('secrets', secret));
  }

  deleteSecret(namespace: string, name: string): Promise<boolean> {
    this.#fail(`deleteSecret ${namespace}/${name}`);
    return Promise.resolve(this.remove('secrets', namespace, name));
  }

  createEvent(event: KubeEvent): Promise<string> {
    this.#fail(`createEvent ${event.reason}`);
    const name = `${event.involvedObject.name}.${String(++this.#uid).padStart(5, '0')}`;
    this.events.push({ ...event, name, count: event.count ?? 1, lastTime: event.time });
    return Promise.resolve(name);
  }

  patchEvent(namespace: string, name: string, repeat: EventRepeat): Promise<void> {
    this.#fail(`patchEvent ${name}`);
    const stored = this.events.find((e) => e.namespace === namespace && e.name === name);
    if (stored === undefined) throw new KubeError('NotFound', `events "${name}" not found`, { status: 404 });
    stored.count = repeat.count;
    stored.lastTime = repeat.time;
    return Promise.resolve();
  }

  namespaceExists(name: string): Promise<boolean> {
    this.#fail(`namespaceExists ${name}`);
    return Promise.resolve(this.namespaces.has(name));
  }

  getValidatingWebhookConfiguration(name: string): Promise<WebhookConfiguration | undefined> {
    this.#fail(`getValidatingWebhookConfiguration ${name}`);
    const stored = this.webhookConfigurations.get(name);
    return Promise.resolve(stored === undefined ? undefined : structuredClone(stored));
  }

  patchValidatingWebhookCaBundle(name: string, webhooks: readonly string[], caBundle: string): Promise<void> {
    this.#fail(`patchValidatingWebhookCaBundle ${name}`);
    const stored = this.webhookConfigurations.get(name);
    if (stored === undefined) {
      throw new KubeError('NotFound', `validatingwebhookconfigurations "${name}" not found`, { status: 404 });
    }
    this.webhookConfigurations.set(name, {
      metadata: { ...stored.metadata, resourceVersion: String(++this.#rv) },
      webhooks: (stored.webhooks ?? []).map((w) =>
        webhooks.includes(w.name) ? { ...w, clientConfig: { ...w.clientConfig, caBundle } } : w,
      ),
    });
    return Promise.resolve();
  }

  async getLease(namespace: string, name: string): Promise<Lease | undefined> {
    this.#fail(`getLease ${namespace}/${name}`);
    const lease = this.leases.get(`${namespace}/${name}`);
    return Promise.resolve(lease === undefined ? undefined : structuredClone(lease));
  }

  async createLease(lease: Lease): Promise<Lease> {
    const { namespace = 'default', name = '' } = lease.metadata;
    this.#fail(`createLease ${namespace}/${name}`);
    if (this.leases.has(`${namespace}/${name}`)) {
      throw new KubeError('AlreadyExists', `leases.coordination.k8s.io "${name}" already exists`, {
        status: 409,
      });
    }
    return Promise.resolve(this.putLease(lease));
  }

  async updateLease(lease: Lease): Promise<Lease> {
    const { namespace = 'default', name = '' } = lease.metadata;
    this.#fail(`updateLease ${namespace}/${name}`);
    const current = this.leases.get(`${namespace}/${name}`);
    if (current === undefined) {
      throw new KubeError('NotFound', `leases.coordination.k8s.io "${name}" not found`, { status: 404 });
    }
    if (lease.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new KubeError(
        'Conflict',
        `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified`,
        { status: 409 },
      );
    }
    return Promise.resolve(this.putLease(lease));
  }

  watchLease(
    namespace: string,
    name: string,
    _resourceVersion: string,
    onEvent: (event: WatchEvent<Lease>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.#fail(`watchLease ${namespace}/${name}`);
    return new Promise((resolve, reject) => {
      const watcher = {
        key: `${namespace}/${name}`,
        onEvent,
        end: (error?: Error) => (error === undefined ? resolve() : reject(error)),
      };
      this.#leaseWatchers.push(watcher);
      signal.addEventListener(
        'abort',
        () => {
          this.#leaseWatchers = this.#leaseWatchers.filter((w) => w !== watcher);
          resolve();
        },
        { once: true },
      );
    });
  }
}
