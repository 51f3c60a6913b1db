import { createDecipheriv } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SealedSecretsError, type KeyRing, type ValueDecryptor } from '@ssts/core';

// The worker only does the RSA-OAEP private operation (the expensive part). It is plain CommonJS evaluated from a
// string so the same code runs from src/ under vitest and from dist/ without a build step for the worker.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { constants, privateDecrypt } = require('node:crypto');
let keys = new Map();
parentPort.on('message', (message) => {
  if (message.type === 'keys') {
    keys = new Map(message.keys.map((k) => [k.fingerprint, k.key]));
    return;
  }
  const { id, rsaBlock, label, order } = message;
  for (let index = 0; index < order.length; index++) {
    const key = keys.get(order[index]);
    if (key === undefined) continue;
    try {
      const sessionKey = privateDecrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
        rsaBlock,
      );
      parentPort.postMessage({ id, index, sessionKey });
      return;
    } catch {
      // Wrong key or label: try the next one, like upstream's loop over all private keys.
    }
  }
  parentPort.postMessage({ id, index: -1 });
});
`;

interface Pending {
  readonly resolve: (result: { index: number; sessionKey?: Uint8Array }) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  inFlight: number;
  handled: number;
}

const GCM_TAG_BYTES = 16;
const ZERO_NONCE = Buffer.alloc(12);
const NO_KEY = 'no key could decrypt secret';

function noKey(): SealedSecretsError {
  return new SealedSecretsError('DECRYPT_FAILED', NO_KEY);
}

/**
 * RSA-OAEP decryption in a pool of worker threads (default: one per available CPU). Keys are sent to every
 * worker once per KeyRing snapshot; each value goes to the least busy worker. AES-GCM runs on the main thread.
 */
export class DecryptPool {
  readonly #workers: PoolWorker[];
  readonly #pending = new Map<number, Pending>();
  /** The key that last decrypted something of an object, tried first next time (objects keep their key). */
  readonly #lastKey = new Map<string, string>();
  #ring: KeyRing | undefined;
  #nextId = 0;
  #closed = false;

  constructor(size: number = availableParallelism()) {
    this.#workers = Array.from({ length: Math.max(1, size) }, () => this.#spawn());
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const entry: PoolWorker = { worker, inFlight: 0, handled: 0 };
    worker.on('message', (message: { id: number; index: number; sessionKey?: Uint8Array }) => {
      entry.inFlight--;
      entry.handled++;
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      pending?.resolve(message);
    });
    worker.on('error', (error) => {
      // A crashed worker fails its own requests; the pool replaces it so later requests still work.
      for (const [id, pending] of this.#pending) {
        pending.reject(new SealedSecretsError('DECRYPT_FAILED', NO_KEY, { cause: error }));
        this.#pending.delete(id);
      }
      const index = this.#workers.indexOf(entry);
      if (index >= 0 && !this.#closed) {
        const replacement = this.#spawn();
        this.#workers[index] = replacement;
        if (this.#ring !== undefined) this.#sendKeys(replacement, this.#ring);
      }
    });
    worker.unref();
    return entry;
  }

  get size(): number {
    return this.#workers.length;
  }

  /** Number of decryptions each worker has answered (for tests and debugging). */
  handledPerWorker(): number[] {
    return this.#workers.map((w) => w.handled);
  }

  /** Publishes a new key snapshot to every worker. */
  setKeyRing(ring: KeyRing): void {
    this.#ring = ring;
    for (const worker of this.#workers) this.#sendKeys(worker, ring);
  }

  #sendKeys(worker: PoolWorker, ring: KeyRing): void {
    worker.worker.postMessage({
      type: 'keys',
      keys: ring.all().map((entry) => ({ fingerprint: entry.fingerprint, key: entry.privateKey })),
    });
  }

  /**
   * A ValueDecryptor for one object (`objectKey` like `ns/name`): tries the key that last worked for it, then the
   * newest first (KeyRing.decryptionOrder). Every failure is `no key could decrypt secret` (compat §1.1).
   */
  decryptorFor(objectKey: string): ValueDecryptor {
    return async (ciphertext, label) => {
      const ring = this.#ring;
      if (ring === undefined || ring.size === 0) throw noKey();
      const preferred = this.#lastKey.get(objectKey);
      let order = ring.decryptionOrder(preferred === undefined ? [] : [preferred]).map((e) => e.fingerprint);
      const data = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
      if (data.length < 2) throw noKey();
      const rsaLength = data.readUInt16BE(0);
      if (data.length < rsaLength + 2) throw noKey();
      const rsaBlock = data.subarray(2, 2 + rsaLength);
      const sealed = data.subarray(2 + rsaLength);
      while (order.length > 0) {
        const result = await this.#request(rsaBlock, label, order);
        if (result.index < 0 || result.sessionKey === undefined) throw noKey();
        const fingerprint = order[result.index];
        const plaintext = gcmOpen(Buffer.from(result.sessionKey), sealed);
        if (plaintext !== undefined && fingerprint !== undefined) {
          this.#lastKey.set(objectKey, fingerprint);
          return plaintext;
        }
        order = order.slice(result.index + 1);
      }
      throw noKey();
    };
  }

  /** Drops the remembered key of a deleted object. */
  forget(objectKey: string): void {
    this.#lastKey.delete(objectKey);
  }

  #request(
    rsaBlock: Uint8Array,
    label: Uint8Array,
    order: readonly string[],
  ): Promise<{ index: number; sessionKey?: Uint8Array }> {
    if (this.#closed) return Promise.reject(noKey());
    const worker = this.#workers.reduce((best, w) => (w.inFlight < best.inFlight ? w : best));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.inFlight++;
      worker.worker.postMessage({ type: 'decrypt', id, rsaBlock, label, order });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(noKey());
    this.#pending.clear();
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}

/** AES-GCM open with the zero nonce (compat §1.1); undefined on a tag mismatch or a bad session key size. */
function gcmOpen(sessionKey: Buffer, sealed: Buffer): Buffer | undefined {
  const algorithm = ({ 16: 'aes-128-gcm', 24: 'aes-192-gcm', 32: 'aes-256-gcm' } as const)[
    sessionKey.length as 16 | 24 | 32
  ];
  try {
    if (algorithm === undefined || sealed.length < GCM_TAG_BYTES) return undefined;
    const decipher = createDecipheriv(algorithm, sessionKey, ZERO_NONCE, { authTagLength: GCM_TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(sealed.length - GCM_TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(0, sealed.length - GCM_TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    return undefined;
  } finally {
    sessionKey.fill(0);
  }
}
