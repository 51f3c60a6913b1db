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
  let attempts = 0;
  for (let index = 0; index < order.length; index++) {
    const key = keys.get(order[index]);
    if (key === undefined) continue;
    attempts++;
    try {
      const sessionKey = privateDecrypt(
        { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: Buffer.from(label) },
        rsaBlock,
      );
      parentPort.postMessage({ id, index, sessionKey: new Uint8Array(sessionKey), attempts });
      sessionKey.fill(0);
      return;
    } catch {
      // Wrong key or label: try the next one, like upstream's loop over all private keys.
    }
  }
  parentPort.postMessage({ id, index: -1, attempts });
});
`;

interface WorkerReply {
  readonly id: number;
  readonly index: number;
  readonly sessionKey?: Uint8Array;
  /** RSA private-key operations the worker ran for this request (each key tried costs one). */
  readonly attempts: number;
}

interface Pending {
  readonly resolve: (result: WorkerReply) => void;
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
  /** Fingerprint → sequence number of its latest success anywhere: most objects share the key in use. */
  readonly #lastSuccess = new Map<string, number>();
  #successes = 0;
  #rsaOperations = 0;
  #ring: KeyRing | undefined;
  #nextId = 0;
  #closed = false;

  constructor(size: number = availableParallelism()) {
    this.#workers = Array.from({ length: Math.max(1, size) }, () => this.#spawn());
  }

  #spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    const entry: PoolWorker = { worker, inFlight: 0, handled: 0 };
    worker.on('message', (message: WorkerReply) => {
      entry.inFlight--;
      entry.handled++;
      this.#rsaOperations += message.attempts;
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

  /** RSA private-key operations run so far, successful or not (for tests and debugging). */
  get rsaOperations(): number {
    return this.#rsaOperations;
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
   * A ValueDecryptor for one object (`objectKey` like `ns/name`). Keys are tried in `keyTryOrder`: the key that
   * last decrypted this object or one of its values, then keys by most recent success anywhere, then the newest
   * first (KeyRing.decryptionOrder). When several keys are loaded and the object's key is unknown, the first value
   * runs alone and the others wait to start with the key it found, so a 3-value object costs at most n + 2 RSA
   * operations instead of 3n. Every failure is `no key could decrypt secret` (compat §1.1).
   */
  decryptorFor(objectKey: string): ValueDecryptor {
    let probe: Promise<unknown> | undefined;
    return async (ciphertext, label) => {
      const data = Buffer.from(ciphertext.buffer, ciphertext.byteOffset, ciphertext.byteLength);
      if (data.length < 2) throw noKey();
      const rsaLength = data.readUInt16BE(0);
      if (data.length < rsaLength + 2) throw noKey();
      const rsaBlock = data.subarray(2, 2 + rsaLength);
      const sealed = data.subarray(2 + rsaLength);
      if (probe !== undefined) await probe.catch(() => undefined);
      const ring = this.#ring;
      if (ring === undefined || ring.size === 0) throw noKey();
      const attempt = this.#decrypt(objectKey, ring, rsaBlock, sealed, label);
      if (probe === undefined && ring.size > 1 && !this.#lastKey.has(objectKey)) probe = attempt;
      return attempt;
    };
  }

  async #decrypt(
    objectKey: string,
    ring: KeyRing,
    rsaBlock: Buffer,
    sealed: Buffer,
    label: Uint8Array,
  ): Promise<Uint8Array> {
    let order = keyTryOrder(ring, this.#lastKey.get(objectKey), this.#lastSuccess);
    while (order.length > 0) {
      const result = await this.#request(rsaBlock, label, order);
      if (result.index < 0 || result.sessionKey === undefined) throw noKey();
      const fingerprint = order[result.index];
      const { sessionKey } = result;
      // A view, not a copy, so gcmOpen's zeroing wipes the only copy on this thread.
      const plaintext = gcmOpen(
        Buffer.from(sessionKey.buffer, sessionKey.byteOffset, sessionKey.byteLength),
        sealed,
      );
      if (plaintext !== undefined && fingerprint !== undefined) {
        this.#lastKey.set(objectKey, fingerprint);
        this.#lastSuccess.set(fingerprint, ++this.#successes);
        return plaintext;
      }
      order = order.slice(result.index + 1);
    }
    throw noKey();
  }

  /** Fingerprint of the key that last decrypted a value of `objectKey`, for the audit trail (no reordering). */
  keyOf(objectKey: string): string | undefined {
    return this.#lastKey.get(objectKey);
  }

  /** Drops the remembered key of a deleted object. */
  forget(objectKey: string): void {
    this.#lastKey.delete(objectKey);
  }

  #request(rsaBlock: Uint8Array, label: Uint8Array, order: readonly string[]): Promise<WorkerReply> {
    if (this.#closed) return Promise.reject(noKey());
    const worker = this.#workers.reduce((best, w) => (w.inFlight < best.inFlight ? w : best));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.inFlight++;
      // Copies of exactly the bytes needed: posting a view serializes its whole ArrayBuffer, which for pooled
      // Buffers (base64 decoding, short labels) is an 8 KiB slab per field.
      worker.worker.postMessage({
        type: 'decrypt',
        id,
        rsaBlock: new Uint8Array(rsaBlock),
        label: new Uint8Array(label),
        order,
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const pending of this.#pending.values()) pending.reject(noKey());
    this.#pending.clear();
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}

/**
 * Fingerprints in the order to try them: the object's last key, then keys by their latest success (most recent
 * first), then the rest newest first. Exported for tests.
 */
export function keyTryOrder(
  ring: KeyRing,
  objectLastKey: string | undefined,
  lastSuccess: ReadonlyMap<string, number>,
): string[] {
  const recent = [...lastSuccess].sort((a, b) => b[1] - a[1]).map(([fingerprint]) => fingerprint);
  const preferred =
    objectLastKey === undefined ? recent : [objectLastKey, ...recent.filter((f) => f !== objectLastKey)];
  return ring.decryptionOrder(preferred).map((entry) => entry.fingerprint);
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
