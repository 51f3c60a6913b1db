import type { KeyObject } from 'node:crypto';
import type { ItemKeys } from '@ssts/core';
import type { Finding, ItemFailure, SealedSecret, Secret, UnsealDiagnostics } from '@ssts/core/unseal';

/** Messages between the DecryptPool (main thread) and its workers (unseal-worker.ts). Structured-cloned. */

export interface KeysMessage {
  readonly type: 'keys';
  readonly keys: readonly { readonly fingerprint: string; readonly key: KeyObject }[];
}

/** One value: RSA-OAEP and AES-GCM with the keys in `order` (fingerprints), first success wins. */
export interface DecryptRequest {
  readonly type: 'decrypt';
  readonly id: number;
  readonly ciphertext: Uint8Array;
  readonly label: Uint8Array;
  readonly order: readonly string[];
}

/** A whole SealedSecret: decrypt every value and render the templates (core unsealSealedSecret). */
export interface UnsealRequest {
  readonly type: 'unseal';
  readonly id: number;
  readonly sealedSecret: SealedSecret;
  readonly order: readonly string[];
  readonly keyCount: number;
  readonly acceptDeprecatedV1Data: boolean;
  readonly templateBudgetMs: number;
  /**
   * Set for the reconcile (not for /v1/verify or /v1/rotate): when items do not decrypt, run the core's diagnosis
   * with these fingerprints (newest first) and a bounded trial-decryption probe.
   */
  readonly diagnose?: { readonly keys: readonly string[] };
}

export type ToWorker = KeysMessage | DecryptRequest | UnsealRequest;

/** Sent before each template is rendered: the pool's watchdog starts with the first one. */
export interface TemplateStarted {
  readonly type: 'template';
  readonly id: number;
  readonly key: string;
}

interface Done {
  readonly id: number;
  /** RSA private-key operations run for this request (each key tried costs one). */
  readonly attempts: number;
  /** The key that decrypted the last value, when any did. */
  readonly fingerprint?: string;
}

export interface Decrypted extends Done {
  readonly type: 'decrypted';
  /** Absent when no key could decrypt the value. */
  readonly plaintext?: Uint8Array;
}

export interface Unsealed extends Done {
  readonly type: 'unsealed';
  readonly secret: Secret;
  readonly itemKeys: ItemKeys;
}

/** An UnsealError's parts (its message never holds decrypted data), or an unexpected failure. */
export interface UnsealFailed extends Done {
  readonly type: 'failed';
  readonly error:
    | {
        readonly kind: 'unseal';
        readonly message: string;
        readonly failures: readonly ItemFailure[];
        readonly diagnostics?: UnsealDiagnostics;
        /** The diagnosis, when asked for and the failure is one it explains. */
        readonly findings?: readonly Finding[];
      }
    | { readonly kind: 'internal'; readonly name: string };
  /** The items that did decrypt, and with which key. */
  readonly itemKeys: ItemKeys;
}

export type FromWorker = TemplateStarted | Decrypted | Unsealed | UnsealFailed;
