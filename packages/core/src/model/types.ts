/** The subset of Kubernetes ObjectMeta that Sealed Secrets reads or writes. Unknown fields are preserved. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  selfLink?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string | null;
  deletionTimestamp?: string | null;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: unknown[];
  [extra: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** A core/v1 Secret. `data` values are base64 strings as on the wire. */
export interface Secret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  type?: string;
  immutable?: boolean;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

export interface SecretTemplateSpec {
  metadata?: ObjectMeta | null;
  type?: string;
  immutable?: boolean;
  /**
   * Go-template strings rendered with the decrypted values (compat §2.7). A `null` entry (v0.40, addendum §2.2)
   * removes the same-named decrypted item from the output; the API server prunes such nulls, so only offline
   * inputs (kubeseal files) carry them.
   */
  data?: Record<string, string | null> | null;
}

export interface SealedSecretSpec {
  template?: SecretTemplateSpec;
  /** Legacy v1 format (compat §1.4): base64 of one hybrid blob holding a whole Secret as JSON. */
  data?: string | null;
  encryptedData: Record<string, string>;
}

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface SealedSecretCondition {
  type: 'Synced' | string;
  status: ConditionStatus | string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** Ours (issue 14): one controller key and the items it decrypted in the last unseal. */
export interface DecryptionKeyUse {
  /** The key's fingerprint (compat §1.6). */
  fingerprint: string;
  /** Items this key decrypted (the legacy `spec.data` blob counts as one). */
  itemCount: number;
  /** Their names, sorted; omitted when all names together would be long (DECRYPTION_KEYS_MAX_NAME_CHARS). */
  items?: string[];
}

export interface SealedSecretStatus {
  observedGeneration?: number;
  conditions?: SealedSecretCondition[];
  /** Ours: the keys that decrypted the items in the last unseal, sorted by fingerprint. The Go controller drops it. */
  decryptionKeys?: DecryptionKeyUse[];
}

export interface SealedSecret {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: SealedSecretSpec;
  status?: SealedSecretStatus;
}

export const SEALED_SECRET_API_VERSION = 'bitnami.com/v1alpha1';
export const SEALED_SECRET_KIND = 'SealedSecret';
