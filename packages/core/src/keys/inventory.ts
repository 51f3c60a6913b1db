// GET /v1/keys (issue 14): written by the controller, read by kubeseal.

/** One key of `GET /v1/keys` (issue 14). Never any private material. */
export interface KeyInventoryEntry {
  readonly fingerprint: string;
  /** The key Secret's name, when known. */
  readonly secretName?: string;
  /** The ordering time of compat §4.4 (certificate NotBefore by default), RFC 3339. */
  readonly created: string;
  /** `sealing`: the latest key, the one /v1/cert.pem serves; `active`: loaded and used to unseal only. */
  readonly state: 'sealing' | 'active';
  /** SealedSecrets with at least one item this key decrypted in their last unseal. */
  readonly objects: number;
  /** Items this key decrypted, over all those objects. */
  readonly items: number;
  /** Whether the previous key signed this key's certificate (GET /v1/cert-chain). */
  readonly linked: boolean;
}

/** The body of `GET /v1/keys`. */
export interface KeyInventoryReport {
  /** Oldest first, like /v1/cert-chain; the sealing key is last. */
  readonly keys: readonly KeyInventoryEntry[];
  /** SealedSecrets this controller watches. */
  readonly objects: number;
  /**
   * SealedSecrets for which no key is recorded: not unsealed by this controller yet (or only by the Go
   * controller, which drops the field), or none of their items decrypts with any key here.
   */
  readonly objectsWithoutKey: number;
}
