import type { KeyObject } from 'node:crypto';
import {
  hybridDecryptAsync,
  NO_KEY_COULD_DECRYPT,
  rsaOaepDecryptionKey,
  SealedSecretsError,
  type RsaOaepDecryptionKey,
} from '@ssts/core/unseal';

/** libuv's thread pool size: UV_THREADPOOL_SIZE as libuv reads it at start (1..1024), else its default 4. */
export function uvThreadPoolSize(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const size = Number.parseInt(env['UV_THREADPOOL_SIZE'] ?? '', 10);
  return Number.isFinite(size) && size > 0 ? Math.min(size, 1024) : 4;
}

/**
 * RSA-OAEP + AES-GCM with WebCrypto, whose RSA step runs on libuv's thread pool: no worker thread, no V8 isolate
 * (about 10 MiB each), no structured cloning. At most `slots` RSA operations are queued on the pool at once, so
 * its other threads stay free for file reads and DNS look-ups. Each slot decrypts with its own copy of a key
 * (imported on first use): OpenSSL serialises concurrent private-key operations on one RSA key (its blinding is
 * shared and locked), so operations sharing one copy ran at about one core's rate whatever the slots.
 */
export class ThreadPoolRsa {
  readonly slots: number;
  /** Slots not in use; a released slot passes straight to the next waiter. */
  readonly #free: number[];
  readonly #waiting: ((slot: number) => void)[] = [];
  /** Per loaded private key, one WebCrypto copy per slot; dropped with the KeyObject when a key ring is replaced. */
  readonly #keys = new WeakMap<KeyObject, Promise<RsaOaepDecryptionKey>[]>();

  constructor(slots: number) {
    this.slots = Math.max(1, Math.floor(slots));
    this.#free = Array.from({ length: this.slots }, (_, i) => this.slots - 1 - i);
  }

  /** Throws SealedSecretsError DECRYPT_FAILED exactly as the core's hybridDecrypt. */
  async decrypt(privateKey: KeyObject, ciphertext: Uint8Array, label: Uint8Array): Promise<Buffer> {
    const slot = this.#free.pop() ?? (await new Promise<number>((resolve) => this.#waiting.push(resolve)));
    try {
      let copies = this.#keys.get(privateKey);
      if (copies === undefined) {
        copies = [];
        this.#keys.set(privateKey, copies);
      }
      const key = (copies[slot] ??= rsaOaepDecryptionKey(privateKey));
      return await hybridDecryptAsync(await key, ciphertext, label);
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next(slot);
      else this.#free.push(slot);
    }
  }
}

/**
 * The worker's key discipline on the thread pool, for the values of one object: keys in `order` (fingerprints),
 * the key that worked moves to the front. With `probeFirst` (several keys, the object's key unknown) the first
 * value runs alone and the others wait to start with the key it found: n + 2 RSA operations instead of 3n.
 */
export class OrderedDecryption {
  attempts = 0;
  fingerprint: string | undefined;
  readonly #order: string[];
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #rsa: ThreadPoolRsa;
  /** Item → the key that decrypted it (a Map: item names are untrusted). */
  readonly #itemKeys = new Map<string, string>();
  #probe: Promise<unknown> | undefined;
  #probeFirst: boolean;

  constructor(
    rsa: ThreadPoolRsa,
    keys: ReadonlyMap<string, KeyObject>,
    order: readonly string[],
    probeFirst: boolean,
  ) {
    this.#rsa = rsa;
    this.#keys = keys;
    this.#order = order.filter((fingerprint) => keys.has(fingerprint));
    this.#probeFirst = probeFirst && this.#order.length > 1;
  }

  /** A core ValueDecryptor: DECRYPT_FAILED `no key could decrypt secret` when no key opens the value. */
  async decrypt(ciphertext: Uint8Array, label: Uint8Array, item?: string): Promise<Uint8Array> {
    if (this.#probe !== undefined) await this.#probe.catch(() => undefined);
    const attempt = this.#tryKeys(ciphertext, label, item);
    if (this.#probeFirst) {
      this.#probeFirst = false;
      this.#probe = attempt;
    }
    return attempt;
  }

  async #tryKeys(ciphertext: Uint8Array, label: Uint8Array, item: string | undefined): Promise<Buffer> {
    for (const fingerprint of [...this.#order]) {
      const key = this.#keys.get(fingerprint);
      if (key === undefined) continue;
      this.attempts++;
      try {
        const plaintext = await this.#rsa.decrypt(key, ciphertext, label);
        this.fingerprint = fingerprint;
        if (item !== undefined) this.#itemKeys.set(item, fingerprint);
        const index = this.#order.indexOf(fingerprint);
        if (index > 0) {
          this.#order.splice(index, 1);
          this.#order.unshift(fingerprint);
        }
        return plaintext;
      } catch (error) {
        if (!(error instanceof SealedSecretsError && error.code === 'DECRYPT_FAILED')) throw error;
      }
    }
    throw new SealedSecretsError('DECRYPT_FAILED', NO_KEY_COULD_DECRYPT);
  }

  itemKeys(): Record<string, string> {
    return Object.fromEntries(this.#itemKeys);
  }
}
