import type { SealedSecret, SealedSecretStatus, Secret } from '@ssts/core';

/** The two resources the controller lists and watches. */
export type WatchedResource = 'sealedsecrets' | 'secrets';

export interface ResourceOfKind {
  sealedsecrets: SealedSecret;
  secrets: Secret;
}

/** Which objects to list/watch: one namespace or all (`namespace` undefined), optionally by label selector. */
export interface ListScope {
  readonly namespace?: string;
  readonly labelSelector?: string;
}

export interface ListResult<T> {
  readonly items: T[];
  readonly resourceVersion: string;
}

/** One page of a list: `continue` is the token for the next page, undefined on the last one. */
export interface ListPage<T> extends ListResult<T> {
  readonly continue: string | undefined;
}

/** Where a listed object's page sits in its list: objects listed before it, and the token for the next page. */
export interface ListPageInfo {
  readonly offset: number;
  readonly continue: string | undefined;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  readonly object: T;
}

/** The SealedSecret whose status is written, as the caller last saw it. */
export interface StatusTarget {
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

/** A core/v1 Event, the fields we set (compat §3.7). */
export interface KubeEvent {
  readonly namespace: string;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly involvedObject: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly uid: string;
    readonly resourceVersion?: string;
  };
  readonly sourceComponent: string;
  /** When it happened (`lastTimestamp`). */
  readonly time: Date;
  /** Occurrences so far (default 1) and the first one's time (default `time`), for an aggregated re-create. */
  readonly count?: number;
  readonly firstTime?: Date;
}

/** What changes when an identical event happens again (compat §3.7: Go's recorder aggregates repeats). */
export interface EventRepeat {
  readonly count: number;
  readonly time: Date;
}

/** The parts of an admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration the controller reads. */
export interface WebhookConfiguration {
  readonly metadata: { readonly name?: string; readonly resourceVersion?: string };
  readonly webhooks?: readonly {
    readonly name: string;
    readonly clientConfig?: { readonly caBundle?: string };
  }[];
}

/** The fields of a Lease's spec that leader election reads and writes (times are MicroTime strings). */
export interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number | null;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number | null;
  /** Fields we do not use (strategy, preferredHolder) are kept as they are. */
  [field: string]: unknown;
}

/** A coordination.k8s.io/v1 Lease in its wire shape. */
export interface Lease {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    [field: string]: unknown;
  };
  spec?: LeaseSpec;
}

/** Bounds one Lease call (leader election must not wait on a hung request past its renew deadline). */
export interface LeaseCallOptions {
  readonly signal?: AbortSignal;
}

/**
 * Every Kubernetes API call the controller makes, in our own types. Failures throw KubeError. Objects returned are
 * fresh copies the caller may keep.
 */
export interface KubeGateway {
  /**
   * Lists page by page; `each` (an informer's transform) is applied to a page's objects as it arrives, so what it
   * drops is never held for the whole list. `page` says where the object's page sits: a reader can go on from its
   * `continue` token with listPage (loop/spec-prefetch.ts) while the token is valid.
   */
  list<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    each?: (object: ResourceOfKind[R], page: ListPageInfo) => ResourceOfKind[R],
  ): Promise<ListResult<ResourceOfKind[R]>>;
  /**
   * One page of a list of at most `limit` objects, after the page whose `continue` token is given (KubeError
   * `Gone` when that token expired). For a reader that pages at its own pace (loop/spec-prefetch.ts).
   */
  listPage<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    page: { readonly limit: number; readonly continue?: string },
  ): Promise<ListPage<ResourceOfKind[R]>>;
  /**
   * Streams changes after `resourceVersion` until the server ends the watch (resolves) or it fails (rejects;
   * KubeError `Gone` when the version is too old and a relist is needed). Aborting `signal` resolves.
   */
  watch<R extends WatchedResource>(
    resource: R,
    scope: ListScope,
    resourceVersion: string,
    onEvent: (event: WatchEvent<ResourceOfKind[R]>) => void,
    signal: AbortSignal,
  ): Promise<void>;
  getSealedSecret(namespace: string, name: string): Promise<SealedSecret | undefined>;
  /**
   * PUT to the `/status` subresource. Only `status` is taken from what is sent, so the body is the object's
   * identity (uid and resourceVersion as preconditions: KubeError Conflict when either moved on) and the status.
   */
  updateSealedSecretStatus(target: StatusTarget, status: SealedSecretStatus): Promise<void>;
  getSecret(namespace: string, name: string): Promise<Secret | undefined>;
  /**
   * Secret writes. A refusal is a KubeError with the API server's code, status, reason and causes' fields, but
   * never its message, which can quote the decrypted values sent (secret-write-error.ts).
   */
  createSecret(secret: Secret): Promise<Secret>;
  updateSecret(secret: Secret): Promise<Secret>;
  /** Resolves false when it did not exist. */
  deleteSecret(namespace: string, name: string): Promise<boolean>;
  /** Resolves the created Event's name. */
  createEvent(event: KubeEvent): Promise<string>;
  /** PATCHes `count` and `lastTimestamp` of an existing Event (KubeError NotFound once it expired). */
  patchEvent(namespace: string, name: string, repeat: EventRepeat): Promise<void>;
  namespaceExists(name: string): Promise<boolean>;
  /** The admission webhook's serving CA (docs/admission.md): the configuration it injects `caBundle` into. */
  getValidatingWebhookConfiguration(name: string): Promise<WebhookConfiguration | undefined>;
  /** Strategic merge patch of `clientConfig.caBundle` (base64 PEM) of the named webhooks only. */
  patchValidatingWebhookCaBundle(name: string, webhooks: readonly string[], caBundle: string): Promise<void>;
  /** The Lease, undefined when it does not exist. */
  getLease(namespace: string, name: string, options?: LeaseCallOptions): Promise<Lease | undefined>;
  /** KubeError AlreadyExists when another replica created it first. */
  createLease(lease: Lease, options?: LeaseCallOptions): Promise<Lease>;
  /** PUT guarded by `metadata.resourceVersion`: KubeError Conflict when someone wrote it since. */
  updateLease(lease: Lease, options?: LeaseCallOptions): Promise<Lease>;
  /** Watches the one Lease (`metadata.name` field selector) after `resourceVersion`, as `watch` does. */
  watchLease(
    namespace: string,
    name: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent<Lease>) => void,
    signal: AbortSignal,
  ): Promise<void>;
}
