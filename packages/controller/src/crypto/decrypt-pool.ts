import { hash, type KeyObject } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_TEMPLATE_TIME_BUDGET_MS,
  rendersTemplates,
  SealedSecretsError,
  templateTimeBudgetError,
  UnsealError,
  unsealFailureText,
  unsealSealedSecret,
  type Finding,
  type ItemFailure,
  type ItemKeys,
  type KeyRing,
  type SealedSecret,
  type Secret,
  type UnsealDiagnostics,
  type ValueDecryptor,
} from '@ssts/core';
import { ControllerError } from '../errors.js';
import type { DecryptRequest, FromWorker, ToWorker, UnsealRequest } from './unseal-protocol.js';
import { OrderedDecryption, ThreadPoolRsa, uvThreadPoolSize } from './thread-pool-rsa.js';
import { unsealWorkerScript } from './worker-script.js';
import { cpuBudget } from '../cpu-budget.js';

/** Objects whose last working key is remembered (LRU); README "Memory" gives the worst case. */
export const LAST_KEY_CAPACITY = 65_536;
/** Old-generation heap of each worker: a runaway worker dies alone (ERR_WORKER_OUT_OF_MEMORY), not the process. */
export const WORKER_HEAP_MIB = 256;

const NO_KEY = 'no key could decrypt secret';

function noKey(): SealedSecretsError {
  return new SealedSecretsError('DECRYPT_FAILED', NO_KEY);
}

export interface DecryptPoolOptions {
  /** Most worker threads, started on demand; default one per CPU the process may use (cpuBudget). */
  readonly size?: number;
  /** Wall-clock budget for the templates of one object (`--template-time-budget`). */
  readonly templateBudgetMs?: number;
  /** The worker script (tests); default unsealWorkerScript(). */
  readonly workerScript?: URL;
  /** Old-generation heap of each worker in MiB; default WORKER_HEAP_MIB. */
  readonly workerHeapMib?: number;
  /** Size of the last-key LRU; default LAST_KEY_CAPACITY. */
  readonly lastKeyCapacity?: number;
  /**
   * RSA operations run at once on libuv's thread pool (WebCrypto) for objects without templates and single
   * values; 0: everything in worker threads. Default: `size` when libuv's pool has a thread more than that
   * (UV_THREADPOOL_SIZE, default 4), else 0 (defaultThreadPoolRsa).
   */
  readonly threadPoolRsa?: number;
  /** A worker with nothing to do for this long stops (its ~10 MiB are returned); default WORKER_IDLE_MS. */
  readonly workerIdleMs?: number;
}

/** How long an idle worker thread stays: a burst of templates keeps them, a quiet controller lets them go. */
export const WORKER_IDLE_MS = 60_000;

/** `size` RSA slots on libuv's thread pool when one of its threads stays free for file reads and DNS, else 0. */
export function defaultThreadPoolRsa(size: number, uvThreads = uvThreadPoolSize()): number {
  return size <= uvThreads - 1 ? size : 0;
}

export interface UnsealRequestOptions {
  readonly acceptDeprecatedV1Data: boolean;
  /**
   * Diagnose items that no key decrypts (the reconcile's status and event; never /v1/verify or /v1/rotate, which
   * must stay yes-or-no): the message gets `cause: …` lines (core unsealFailureText).
   */
  readonly diagnose?: boolean;
}

/** A whole SealedSecret unsealed, with the key that decrypted each item. */
export interface UnsealedWithKeys {
  readonly secret: Secret;
  readonly itemKeys: ItemKeys;
}

/**
 * The core's UnsealError with what the pool learnt: the items that did decrypt (and with which key), and the
 * diagnosis, whose `cause: …` lines are already in `message` below upstream's text.
 */
export class PoolUnsealError extends UnsealError {
  readonly itemKeys: ItemKeys;
  readonly findings: readonly Finding[];
  constructor(
    message: string,
    failures: readonly ItemFailure[],
    diagnostics: UnsealDiagnostics | undefined,
    details: { itemKeys: ItemKeys; findings: readonly Finding[] },
  ) {
    super(unsealFailureText(message, details.findings), failures, diagnostics);
    this.itemKeys = details.itemKeys;
    this.findings = details.findings;
  }
}

type Request = Omit<DecryptRequest, 'id'> | Omit<UnsealRequest, 'id'>;
type Reply = Exclude<FromWorker, { type: 'template' }>;

interface Job {
  readonly id: number;
  readonly request: Request;
  readonly resolve: (reply: Reply) => void;
  readonly reject: (error: Error) => void;
  /** The template being rendered, once the worker said so. */
  renderingKey?: string;
  watchdog?: NodeJS.Timeout;
}

interface PoolWorker {
  readonly worker: Worker;
  /** Jobs posted to this worker and not answered yet, in the order it runs them. */
  readonly jobs: Map<number, Job>;
  handled: number;
  retired: boolean;
  /** Stops the worker once it has been idle for `workerIdleMs`. */
  idleTimer?: NodeJS.Timeout;
}

/**
 * Unsealing in a pool of worker threads (default: one per available CPU). `unseal` runs a whole SealedSecret in
 * one worker (the core's unsealSealedSecret: RSA-OAEP, AES-GCM, templates); `decryptorFor` decrypts single values.
 * Keys go to every worker once per KeyRing snapshot; each request goes to the least busy worker.
 *
 * Templates are untrusted: the engine stops itself at the object's time budget, and a watchdog here terminates
 * the worker if a single call runs past it, fails that object with the same budget error, replaces the worker
 * and re-posts the other requests it held. The main thread never renders, so health checks, the HTTP API and
 * other reconciles keep going.
 */
export class DecryptPool {
  /** Workers started so far: they start on demand, up to `#size` (an idle controller keeps none). */
  readonly #workers: PoolWorker[] = [];
  readonly #size: number;
  readonly #script: URL;
  readonly #budgetMs: number;
  readonly #heapMib: number;
  readonly #lastKeyCapacity: number;
  /** Hash of `ns/name` → fingerprint of the key that last decrypted it (LRU, LAST_KEY_CAPACITY entries). */
  readonly #lastKey = new Map<number, string>();
  /** Fingerprint → sequence number of its latest success anywhere: most objects share the key in use. */
  readonly #lastSuccess = new Map<string, number>();
  #successes = 0;
  #rsaOperations = 0;
  #workersReplaced = 0;
  #ring: KeyRing | undefined;
  /** Fingerprint → private key of `#ring`, for the thread-pool path. */
  #ringKeys = new Map<string, KeyObject>();
  /** The thread-pool path (objects without templates, single values), when enabled. */
  readonly #rsa: ThreadPoolRsa | undefined;
  readonly #idleMs: number;
  #workersIdled = 0;
  #nextId = 0;
  #closed = false;

  constructor(options: DecryptPoolOptions | number = {}) {
    const opts: DecryptPoolOptions = typeof options === 'number' ? { size: options } : options;
    const size = opts.size ?? cpuBudget();
    this.#script = opts.workerScript ?? unsealWorkerScript();
    this.#budgetMs = opts.templateBudgetMs ?? DEFAULT_TEMPLATE_TIME_BUDGET_MS;
    this.#heapMib = opts.workerHeapMib ?? WORKER_HEAP_MIB;
    this.#lastKeyCapacity = opts.lastKeyCapacity ?? LAST_KEY_CAPACITY;
    this.#size = Math.max(1, size);
    const slots = opts.threadPoolRsa ?? defaultThreadPoolRsa(this.#size);
    this.#rsa = slots > 0 ? new ThreadPoolRsa(slots) : undefined;
    this.#idleMs = opts.workerIdleMs ?? WORKER_IDLE_MS;
  }

  /** Arms or disarms `entry`'s idle timer after its job count changed. */
  #watchIdle(entry: PoolWorker): void {
    clearTimeout(entry.idleTimer);
    delete entry.idleTimer;
    if (entry.jobs.size > 0 || entry.retired || this.#closed) return;
    entry.idleTimer = setTimeout(() => {
      if (entry.jobs.size > 0 || entry.retired) return;
      entry.retired = true;
      this.#workersIdled++;
      const index = this.#workers.indexOf(entry);
      if (index >= 0) this.#workers.splice(index, 1);
      entry.worker.terminate().catch(() => undefined);
    }, this.#idleMs).unref();
  }

  #spawn(): PoolWorker {
    const worker = new Worker(this.#script, { resourceLimits: { maxOldGenerationSizeMb: this.#heapMib } });
    const entry: PoolWorker = { worker, jobs: new Map(), handled: 0, retired: false };
    worker.on('message', (message: FromWorker) => this.#onMessage(entry, message));
    worker.on('error', (error) => this.#onCrash(entry, error));
    worker.unref();
    if (this.#ring !== undefined) this.#sendKeys(entry, this.#ring);
    this.#watchIdle(entry);
    return entry;
  }

  #onMessage(entry: PoolWorker, message: FromWorker): void {
    if (entry.retired) return;
    const job = entry.jobs.get(message.id);
    if (job === undefined) return;
    if (message.type === 'template') {
      job.renderingKey = message.key;
      job.watchdog ??= setTimeout(() => this.#overrun(entry, job), this.#budgetMs).unref();
      return;
    }
    entry.jobs.delete(message.id);
    clearTimeout(job.watchdog);
    entry.handled++;
    this.#watchIdle(entry);
    this.#rsaOperations += message.attempts;
    job.resolve(message);
  }

  /** The watchdog: `job` has rendered for the whole budget and its worker has not come back. */
  #overrun(entry: PoolWorker, job: Job): void {
    if (entry.retired || entry.jobs.get(job.id) !== job) return;
    this.#retire(entry, job, templateTimeBudgetError(this.#budgetMs, job.renderingKey ?? ''));
  }

  /** A worker died (out of memory, a bug): the request it was running fails, the others are posted again. */
  #onCrash(entry: PoolWorker, error: Error): void {
    if (entry.retired) return;
    const running =
      [...entry.jobs.values()].find((j) => j.renderingKey !== undefined) ?? [...entry.jobs.values()][0];
    const outOfMemory = (error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
    const failure = new ControllerError(
      'UNSEAL_WORKER',
      outOfMemory
        ? `unsealing exceeded the memory limit of its worker thread (${this.#heapMib} MiB)`
        : 'the unseal worker thread stopped unexpectedly',
      { cause: error },
    );
    this.#retire(entry, running, failure);
  }

  /** Terminates a worker, fails `culprit`, replaces the worker and re-posts the requests it still held. */
  #retire(entry: PoolWorker, culprit: Job | undefined, error: Error): void {
    entry.retired = true;
    clearTimeout(entry.idleTimer);
    this.#workersReplaced++;
    entry.worker.terminate().catch(() => undefined);
    const index = this.#workers.indexOf(entry);
    if (index >= 0 && !this.#closed) this.#workers[index] = this.#spawn();
    for (const job of entry.jobs.values()) {
      clearTimeout(job.watchdog);
      if (job === culprit) job.reject(error);
      else if (this.#closed) job.reject(noKey());
      else this.#post(job);
    }
    entry.jobs.clear();
  }

  /** The most workers the pool starts. */
  get size(): number {
    return this.#size;
  }

  /** Workers running now. */
  get started(): number {
    return this.#workers.length;
  }

  /** Number of requests each worker has answered (for tests and debugging). */
  handledPerWorker(): number[] {
    return this.#workers.map((w) => w.handled);
  }

  /** RSA private-key operations run so far, successful or not (for tests and debugging). */
  get rsaOperations(): number {
    return this.#rsaOperations;
  }

  /** Workers stopped after `workerIdleMs` without work (not replaced: the next request starts one). */
  get workersIdled(): number {
    return this.#workersIdled;
  }

  /** Workers terminated by the watchdog or lost to a crash, each replaced by a new one. */
  get workersReplaced(): number {
    return this.#workersReplaced;
  }

  /** Objects whose last working key is remembered (at most LAST_KEY_CAPACITY). */
  get rememberedObjects(): number {
    return this.#lastKey.size;
  }

  /** Publishes a new key snapshot to every worker. */
  setKeyRing(ring: KeyRing): void {
    this.#ring = ring;
    this.#ringKeys = new Map(ring.all().map((entry) => [entry.fingerprint, entry.privateKey]));
    for (const worker of this.#workers) this.#sendKeys(worker, ring);
  }

  #sendKeys(worker: PoolWorker, ring: KeyRing): void {
    const message: ToWorker = {
      type: 'keys',
      keys: ring.all().map((entry) => ({ fingerprint: entry.fingerprint, key: entry.privateKey })),
    };
    worker.worker.postMessage(message);
  }

  /**
   * Unseals a whole SealedSecret in a worker (compat §2.6 with the v0.40 template rules), trying the object's
   * last key first. Throws the core's UnsealError (Go texts; `template rendering exceeded its time budget of 2s
   * (key)` from the engine or the watchdog), or ControllerError UNSEAL_WORKER when a worker died.
   */
  async unseal(ss: SealedSecret, options: UnsealRequestOptions): Promise<Secret> {
    return (await this.unsealWithKeys(ss, options)).secret;
  }

  /**
   * `unseal`, also saying which key decrypted each item (the key inventory). An unseal failure is a
   * PoolUnsealError carrying the items that did decrypt and, with `diagnose`, the findings.
   */
  async unsealWithKeys(ss: SealedSecret, options: UnsealRequestOptions): Promise<UnsealedWithKeys> {
    const objectKey = `${ss.metadata.namespace ?? ''}/${ss.metadata.name ?? ''}`;
    const ring = this.#ring;
    if (this.#rsa !== undefined && ring !== undefined && !this.#closed && !rendersTemplates(ss)) {
      // No templates: unsealed here with RSA on libuv's thread pool. A failure is unsealed once more in a worker,
      // which gives the same error with the diagnosis (failures are rare and retried with backoff anyway).
      const here = await this.#unsealOnThreadPool(this.#rsa, ss, objectKey, ring, options);
      if (here !== undefined) return here;
    }
    const order = ring === undefined ? [] : keyTryOrder(ring, this.#recall(objectKey), this.#lastSuccess);
    const reply = await this.#request({
      type: 'unseal',
      sealedSecret: ss,
      order,
      keyCount: ring?.size ?? 0,
      acceptDeprecatedV1Data: options.acceptDeprecatedV1Data,
      templateBudgetMs: this.#budgetMs,
      ...(options.diagnose === true && {
        diagnose: { keys: (ring?.decryptionOrder() ?? []).map((entry) => entry.fingerprint) },
      }),
    });
    if (reply.fingerprint !== undefined) this.#remember(objectKey, reply.fingerprint);
    if (reply.type === 'unsealed') return { secret: reply.secret, itemKeys: reply.itemKeys };
    if (reply.type !== 'failed') throw new Error(`unexpected reply ${reply.type} to an unseal request`);
    if (reply.error.kind === 'unseal') {
      throw new PoolUnsealError(reply.error.message, reply.error.failures, reply.error.diagnostics, {
        itemKeys: reply.itemKeys,
        findings: reply.error.findings ?? [],
      });
    }
    throw new ControllerError('UNSEAL_WORKER', `internal error while unsealing (${reply.error.name})`);
  }

  async #unsealOnThreadPool(
    rsa: ThreadPoolRsa,
    ss: SealedSecret,
    objectKey: string,
    ring: KeyRing,
    options: UnsealRequestOptions,
  ): Promise<UnsealedWithKeys | undefined> {
    const known = this.#recall(objectKey);
    const decryption = new OrderedDecryption(
      rsa,
      this.#ringKeys,
      keyTryOrder(ring, known, this.#lastSuccess),
      known === undefined,
    );
    try {
      const secret = await unsealSealedSecret(ss, {
        decrypt: (ciphertext, label, item) => decryption.decrypt(ciphertext, label, item),
        keyCount: ring.size,
        acceptDeprecatedV1Data: options.acceptDeprecatedV1Data,
      });
      if (decryption.fingerprint !== undefined) this.#remember(objectKey, decryption.fingerprint);
      return { secret, itemKeys: decryption.itemKeys() };
    } catch {
      return undefined;
    } finally {
      this.#rsaOperations += decryption.attempts;
    }
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
      if (probe !== undefined) await probe.catch(() => undefined);
      const ring = this.#ring;
      if (ring === undefined || ring.size === 0) throw noKey();
      const attempt = this.#decrypt(objectKey, ring, ciphertext, label);
      if (probe === undefined && ring.size > 1 && this.#recall(objectKey) === undefined) probe = attempt;
      return attempt;
    };
  }

  async #decrypt(
    objectKey: string,
    ring: KeyRing,
    ciphertext: Uint8Array,
    label: Uint8Array,
  ): Promise<Uint8Array> {
    if (this.#rsa !== undefined && !this.#closed) {
      const decryption = new OrderedDecryption(
        this.#rsa,
        this.#ringKeys,
        keyTryOrder(ring, this.#recall(objectKey), this.#lastSuccess),
        false,
      );
      try {
        const plaintext = await decryption.decrypt(ciphertext, label);
        if (decryption.fingerprint !== undefined) this.#remember(objectKey, decryption.fingerprint);
        return plaintext;
      } catch (error) {
        if (error instanceof SealedSecretsError && error.code === 'DECRYPT_FAILED') throw noKey();
        throw error;
      } finally {
        this.#rsaOperations += decryption.attempts;
      }
    }
    const reply = await this.#request({
      type: 'decrypt',
      // Copies of exactly the bytes needed: posting a view serializes its whole ArrayBuffer, which for pooled
      // Buffers (base64 decoding, short labels) is an 8 KiB slab per field.
      ciphertext: new Uint8Array(ciphertext),
      label: new Uint8Array(label),
      order: keyTryOrder(ring, this.#recall(objectKey), this.#lastSuccess),
    });
    if (reply.type !== 'decrypted' || reply.plaintext === undefined || reply.fingerprint === undefined) {
      throw noKey();
    }
    this.#remember(objectKey, reply.fingerprint);
    return reply.plaintext;
  }

  /** Fingerprint of the key that last decrypted a value of `objectKey`, for the audit trail (no reordering). */
  keyOf(objectKey: string): string | undefined {
    return this.#lastKey.get(objectKeyHash(objectKey));
  }

  /** Drops the remembered key of a deleted object. */
  forget(objectKey: string): void {
    this.#lastKey.delete(objectKeyHash(objectKey));
  }

  #recall(objectKey: string): string | undefined {
    const hash = objectKeyHash(objectKey);
    const fingerprint = this.#lastKey.get(hash);
    if (fingerprint !== undefined) {
      // Map order is insertion order: re-inserting makes it the most recently used.
      this.#lastKey.delete(hash);
      this.#lastKey.set(hash, fingerprint);
    }
    return fingerprint;
  }

  #remember(objectKey: string, fingerprint: string): void {
    const hash = objectKeyHash(objectKey);
    this.#lastKey.delete(hash);
    this.#lastKey.set(hash, fingerprint);
    if (this.#lastKey.size > this.#lastKeyCapacity) {
      const oldest = this.#lastKey.keys().next();
      if (oldest.done !== true) this.#lastKey.delete(oldest.value);
    }
    this.#lastSuccess.set(fingerprint, ++this.#successes);
  }

  #request(request: Request): Promise<Reply> {
    if (this.#closed) return Promise.reject(noKey());
    return new Promise((resolve, reject) => {
      this.#post({ id: this.#nextId++, request, resolve, reject });
    });
  }

  #post(job: Job): void {
    delete job.renderingKey;
    delete job.watchdog;
    let worker = this.#workers.reduce<PoolWorker | undefined>(
      (best, w) => (best === undefined || w.jobs.size < best.jobs.size ? w : best),
      undefined,
    );
    // Another worker only when every running one is busy: a quiet controller stays at one thread (memory),
    // a sync grows to all of them.
    if (worker === undefined || (worker.jobs.size > 0 && this.#workers.length < this.#size)) {
      worker = this.#spawn();
      this.#workers.push(worker);
    }
    worker.jobs.set(job.id, job);
    this.#watchIdle(worker);
    const message: ToWorker = { ...job.request, id: job.id };
    worker.worker.postMessage(message);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const worker of this.#workers) {
      worker.retired = true;
      clearTimeout(worker.idleTimer);
      for (const job of worker.jobs.values()) {
        clearTimeout(job.watchdog);
        job.reject(noKey());
      }
      worker.jobs.clear();
    }
    await Promise.all(this.#workers.map((w) => w.worker.terminate()));
  }
}

/**
 * The LRU's key: 48 bits of SHA-256 of `ns/name`, so an entry has a fixed size however long a name posted to
 * /v1/verify is. A collision only makes a wrong first guess, which costs one RSA operation.
 */
function objectKeyHash(objectKey: string): number {
  // One-shot hash (Node >= 20.12): a few times cheaper than createHash for short inputs, on every reconcile.
  return hash('sha256', objectKey, 'buffer').readUIntBE(0, 6);
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
