import { isKubeError, type KubeClient } from '@ssts/kube';
import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type SealedSecret,
  type SealedSecretStatus,
  type Secret,
} from '@ssts/core';
import type {
  EventRepeat,
  KubeEvent,
  KubeGateway,
  Lease,
  LeaseCallOptions,
  ListPage,
  ListPageInfo,
  ListResult,
  ListScope,
  ResourceOfKind,
  StatusTarget,
  WatchEvent,
  WatchedResource,
  WebhookConfiguration,
} from './kube-gateway.js';
import { secretWriteError } from './secret-write-error.js';

const SEALED_SECRETS_PATH = '/apis/bitnami.com/v1alpha1';
const CORE_PATH = '/api/v1';
const WEBHOOK_CONFIGURATIONS_PATH = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const COORDINATION_PATH = '/apis/coordination.k8s.io/v1';
/** Objects per list page; halved (down to 1) when a page is larger than the client's body bound. */
export const LIST_PAGE_SIZE = 500;

function collectionPath(resource: WatchedResource, namespace: string | undefined): string {
  const base = resource === 'sealedsecrets' ? SEALED_SECRETS_PATH : CORE_PATH;
  const ns = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
  return `${base}${ns}/${resource}`;
}

function leasePath(namespace: string, name?: string): string {
  const collection = `${COORDINATION_PATH}/namespaces/${encodeURIComponent(namespace)}/leases`;
  return name === undefined ? collection : `${collection}/${encodeURIComponent(name)}`;
}

/** Watch timeout between 5 and 10 minutes, like client-go's reflector, so idle watches are renewed. */
function watchTimeoutSeconds(): number {
  return 300 + Math.floor(Math.random() * 300);
}

function objectPath(resource: WatchedResource, namespace: string, name: string): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

/** Event timestamps are RFC 3339 with whole seconds (metav1.Time). */
function eventTime(time: Date): string {
  return `${time.toISOString().slice(0, 19)}Z`;
}

/** The wire form of a Secret: TypeMeta added when the object lacks it, nothing else copied or changed. */
function secretBody(secret: Secret): Secret {
  return secret.apiVersion && secret.kind ? secret : { apiVersion: 'v1', kind: 'Secret', ...secret };
}

export interface RestGatewayOptions {
  /**
   * Client for what reports on SealedSecrets: the `bitnami.com` API (list, watch, get, status writes) and Events;
   * default the main client. Upstream builds two clientsets, each with its own rate limiter, and writes status
   * through the SealedSecret one, so status writes never wait behind Secret writes. Events go here too (upstream
   * sends them through the core clientset): at the default limit a Secret write then waits behind no status write
   * and no event, and the two limiters together allow what upstream's two allow. `client.withRateLimiter(...)`
   * gives the second limiter over the same connections.
   */
  readonly sealedSecretsClient?: KubeClient;
}

/**
 * KubeGateway over the API server's REST interface, through @ssts/kube's client (credentials, deadlines, bounds,
 * rate limit). Objects keep their wire shape: plain JSON, no Date conversion, unknown fields preserved.
 */
export class RestGateway implements KubeGateway {
  readonly #client: KubeClient;
  readonly #ssClient: KubeClient;

  constructor(client: KubeClient, options: RestGatewayOptions = {}) {
    this.#client = client;
    this.#ssClient = options.sealedSecretsClient ?? client;
  }

  /** Closes pooled connections. */
  close(): void {
    this.#client.close();
    if (this.#ssClient !== this.#client) this.#ssClient.close();
  }

  #clientFor(resource: WatchedResource): KubeClient {
    return resource === 'sealedsecrets' ? this.#ssClient : this.#client;
  }

  async list<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    each?: (object: ResourceOfKind[R], page: ListPageInfo) => ResourceOfKind[R],
  ): Promise<ListResult<ResourceOfKind[R]>> {
    const items: ResourceOfKind[R][] = [];
    let continueToken: string | undefined;
    let limit = LIST_PAGE_SIZE;
    for (;;) {
      const page = await this.#page(resource, scope, limit, continueToken);
      limit = page.limit;
      const info: ListPageInfo = { offset: items.length, continue: page.continue };
      for (const item of page.items) items.push(each === undefined ? item : each(item, info));
      continueToken = page.continue;
      if (continueToken === undefined) return { items, resourceVersion: page.resourceVersion };
    }
  }

  async listPage<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    page: { readonly limit: number; readonly continue?: string },
  ): Promise<ListPage<ResourceOfKind[R]>> {
    const {
      items,
      resourceVersion,
      continue: next,
    } = await this.#page(resource, scope, page.limit, page.continue);
    return { items, resourceVersion, continue: next };
  }

  /** One page; a page larger than the client's body bound is asked again for half as many objects. */
  async #page<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    limit: number,
    continueToken: string | undefined,
  ): Promise<ListPage<ResourceOfKind[R]> & { limit: number }> {
    for (;;) {
      let page: { items?: ResourceOfKind[R][]; metadata?: { resourceVersion?: string; continue?: string } };
      try {
        page = await this.#clientFor(resource).json('GET', collectionPath(resource, scope.namespace), {
          query: { labelSelector: scope.labelSelector, limit: String(limit), continue: continueToken },
        });
      } catch (error) {
        // A page of big objects may pass the body bound: ask for fewer (the continue token stays valid).
        if (isKubeError(error, 'TooLarge') && limit > 1) {
          limit = Math.floor(limit / 2);
          continue;
        }
        throw error;
      }
      return {
        items: page.items ?? [],
        resourceVersion: page.metadata?.resourceVersion ?? '',
        continue: page.metadata?.continue || undefined,
        limit,
      };
    }
  }

  async watch<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    resourceVersion: string,
    onEvent: (event: WatchEvent<ResourceOfKind[R]>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const timeoutSeconds = watchTimeoutSeconds();
    await this.#clientFor(resource).watch(
      collectionPath(resource, scope.namespace),
      {
        query: {
          resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(timeoutSeconds),
          labelSelector: scope.labelSelector,
        },
        signal,
        idleTimeoutMs: (timeoutSeconds + 30) * 1000,
      },
      (event) => {
        if (
          event.type === 'ADDED' ||
          event.type === 'MODIFIED' ||
          event.type === 'DELETED' ||
          event.type === 'BOOKMARK'
        ) {
          onEvent({ type: event.type, object: event.object as ResourceOfKind[R] });
        }
      },
    );
  }

  async getSealedSecret(namespace: string, name: string): Promise<SealedSecret | undefined> {
    return (await this.#getOrUndefined(objectPath('sealedsecrets', namespace, name), {
      client: this.#ssClient,
    })) as SealedSecret | undefined;
  }

  async updateSealedSecretStatus(target: StatusTarget, status: SealedSecretStatus): Promise<void> {
    // The status subresource copies everything but `status` from the stored object, so the spec (which can be
    // megabytes of ciphertext) is neither encoded nor sent; the answer, the whole object, is not parsed.
    await this.#ssClient.send('PUT', `${objectPath('sealedsecrets', target.namespace, target.name)}/status`, {
      body: {
        apiVersion: SEALED_SECRET_API_VERSION,
        kind: SEALED_SECRET_KIND,
        metadata: {
          name: target.name,
          namespace: target.namespace,
          ...(target.uid !== undefined && { uid: target.uid }),
          ...(target.resourceVersion !== undefined && { resourceVersion: target.resourceVersion }),
        },
        status,
      },
    });
  }

  async getSecret(namespace: string, name: string): Promise<Secret | undefined> {
    return (await this.#getOrUndefined(objectPath('secrets', namespace, name))) as Secret | undefined;
  }

  async createSecret(secret: Secret): Promise<Secret> {
    const namespace = secret.metadata.namespace ?? '';
    try {
      return await this.#client.json<Secret>('POST', collectionPath('secrets', namespace), {
        body: secretBody(secret),
      });
    } catch (error) {
      throw secretWriteError('create', secret.metadata.name ?? secret.metadata.generateName ?? '', error);
    }
  }

  async updateSecret(secret: Secret): Promise<Secret> {
    const { namespace = '', name = '' } = secret.metadata;
    try {
      return await this.#client.json<Secret>('PUT', objectPath('secrets', namespace, name), {
        body: secretBody(secret),
      });
    } catch (error) {
      throw secretWriteError('update', name, error);
    }
  }

  async deleteSecret(namespace: string, name: string): Promise<boolean> {
    try {
      await this.#client.json('DELETE', objectPath('secrets', namespace, name));
      return true;
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return false;
      throw error;
    }
  }

  async createEvent(event: KubeEvent): Promise<string> {
    const created = await this.#ssClient.json<{ metadata?: { name?: string } }>(
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
    );
    return created.metadata?.name ?? '';
  }

  async patchEvent(namespace: string, name: string, repeat: EventRepeat): Promise<void> {
    // The same strategic merge patch client-go's recorder sends for a repeated event.
    await this.#ssClient.send(
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

  async getValidatingWebhookConfiguration(name: string): Promise<WebhookConfiguration | undefined> {
    return (await this.#getOrUndefined(`${WEBHOOK_CONFIGURATIONS_PATH}/${encodeURIComponent(name)}`)) as
      WebhookConfiguration | undefined;
  }

  async patchValidatingWebhookCaBundle(
    name: string,
    webhooks: readonly string[],
    caBundle: string,
  ): Promise<void> {
    // `webhooks` merges by name (patchMergeKey), so only these entries' caBundle changes; RBAC can limit the
    // controller to this one configuration (resourceNames), which a PUT of a listed object could not.
    await this.#client.json('PATCH', `${WEBHOOK_CONFIGURATIONS_PATH}/${encodeURIComponent(name)}`, {
      body: { webhooks: webhooks.map((webhook) => ({ name: webhook, clientConfig: { caBundle } })) },
      contentType: 'application/strategic-merge-patch+json',
    });
  }

  async getLease(
    namespace: string,
    name: string,
    options: LeaseCallOptions = {},
  ): Promise<Lease | undefined> {
    return (await this.#getOrUndefined(leasePath(namespace, name), { signal: options.signal })) as
      Lease | undefined;
  }

  async createLease(lease: Lease, options: LeaseCallOptions = {}): Promise<Lease> {
    return this.#client.json<Lease>('POST', leasePath(lease.metadata.namespace ?? ''), {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease },
      ...(options.signal !== undefined && { signal: options.signal }),
    });
  }

  async updateLease(lease: Lease, options: LeaseCallOptions = {}): Promise<Lease> {
    const { namespace = '', name = '' } = lease.metadata;
    return this.#client.json<Lease>('PUT', leasePath(namespace, name), {
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', ...lease },
      ...(options.signal !== undefined && { signal: options.signal }),
    });
  }

  async watchLease(
    namespace: string,
    name: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent<Lease>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const timeoutSeconds = watchTimeoutSeconds();
    await this.#client.watch(
      leasePath(namespace),
      {
        query: {
          // A watch of one object by name: RBAC rules with resourceNames allow it.
          fieldSelector: `metadata.name=${name}`,
          resourceVersion,
          allowWatchBookmarks: 'true',
          timeoutSeconds: String(timeoutSeconds),
        },
        signal,
        idleTimeoutMs: (timeoutSeconds + 30) * 1000,
      },
      (event) => {
        if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
          onEvent({ type: event.type, object: event.object as Lease });
        }
      },
    );
  }

  async #getOrUndefined(
    path: string,
    { client = this.#client, signal }: { client?: KubeClient; signal?: AbortSignal | undefined } = {},
  ): Promise<unknown> {
    try {
      return await client.json('GET', path, signal === undefined ? {} : { signal });
    } catch (error) {
      if (isKubeError(error, 'NotFound')) return undefined;
      throw error;
    }
  }
}
