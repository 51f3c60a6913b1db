import { Worker } from 'node:worker_threads';
import type { KeyRing } from '@ssts/core';
import { probeValue, type ProbeResult } from './oaep-probe.js';

// The RSA operations of a diagnosis run off the main thread, like the decrypt pool's (crypto/decrypt-pool.ts),
// in one worker of their own: diagnoses are rare (a refused object), so one thread started on first use is
// enough, and the pool's code stays as it is. The worker runs probeValue's own source text, so src/ (vitest)
// and dist/ run the same code without a separate build step.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const probeValue = (${probeValue.toString()});
let keys = new Map();
parentPort.on('message', (message) => {
  if (message.type === 'keys') {
    keys = new Map(message.keys.map((k) => [k.fingerprint, k]));
    return;
  }
  const ordered = message.order.map((fingerprint) => keys.get(fingerprint)).filter((k) => k !== undefined);
  let result;
  try {
    result = probeValue(crypto, ordered, message.blob);
  } catch (error) {
    result = { kind: 'error', message: String(error && error.message) };
  }
  parentPort.postMessage({ id: message.id, result });
});
`;

type WorkerAnswer = ProbeResult | { readonly kind: 'error'; readonly message: string };

interface Pending {
  readonly resolve: (result: ProbeResult) => void;
  readonly reject: (error: Error) => void;
}

/** One worker thread running probeValue with the loaded keys; started on the first probe. */
export class ProbeWorker {
  #worker: Worker | undefined;
  #ring: KeyRing | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closed = false;

  /** Publishes a key snapshot (to the worker when it runs, else at its start). */
  setKeyRing(ring: KeyRing): void {
    this.#ring = ring;
    if (this.#worker !== undefined) this.#sendKeys(this.#worker, ring);
  }

  /** Probes `blob` with the keys of `order` (fingerprints, tried in that order). */
  probe(blob: Uint8Array, order: readonly string[]): Promise<ProbeResult> {
    if (this.#closed) return Promise.reject(new Error('the probe worker is closed'));
    const worker = this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ type: 'probe', id, blob: new Uint8Array(blob), order: [...order] });
    });
  }

  #start(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true });
    worker.on('message', (message: { id: number; result: WorkerAnswer }) => {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (this.#pending.size === 0) worker.unref();
      if (message.result.kind === 'error') pending?.reject(new Error(message.result.message));
      else pending?.resolve(message.result);
    });
    worker.on('error', (error) => this.#fail(worker, error));
    worker.on('exit', () => this.#fail(worker, new Error('the probe worker exited')));
    worker.unref();
    if (this.#ring !== undefined) this.#sendKeys(worker, this.#ring);
    this.#worker = worker;
    return worker;
  }

  /** A crashed worker fails its requests; the next probe starts a new one. */
  #fail(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return;
    this.#worker = undefined;
    for (const pending of this.#pending.values()) pending.reject(error);
    this.#pending.clear();
  }

  #sendKeys(worker: Worker, ring: KeyRing): void {
    worker.postMessage({
      type: 'keys',
      keys: ring.all().map((entry) => ({
        fingerprint: entry.fingerprint,
        key: entry.privateKey,
        bytes: Math.ceil((entry.privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8),
      })),
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    for (const pending of this.#pending.values()) pending.reject(new Error('the probe worker is closed'));
    this.#pending.clear();
    await worker?.terminate();
  }
}
