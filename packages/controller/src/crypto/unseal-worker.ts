// The DecryptPool's worker thread: RSA-OAEP + AES-GCM with the core's hybridDecrypt and, for whole objects, the
// core's unsealSealedSecret (templates included). One copy of the wire format: the core's.
import type { KeyObject } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import {
  diagnoseUnsealFailure,
  firstFailedCiphertext,
  hybridDecrypt,
  isDecryptFailure,
  keysProbe,
  NO_KEY_COULD_DECRYPT,
  SealedSecretsError,
  UnsealError,
  unsealSealedSecret,
  type Finding,
} from '@ssts/core/unseal';
import type { DecryptRequest, FromWorker, ToWorker, UnsealRequest } from './unseal-protocol.js';

const port = parentPort;
if (port === null) throw new Error('unseal-worker.js runs only as a worker thread');
let keys = new Map<string, KeyObject>();

/**
 * This thread runs at nice 10, the main thread at the process's own priority: when RSA bursts or hostile
 * templates keep every worker busy, the event loop (health checks, HTTP API, informers) still gets the CPU
 * first. Linux only (a thread is a task with its own nice value, named by /proc/thread-self); elsewhere a no-op.
 */
function lowerThreadPriority(): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, 10);
  } catch {
    // No /proc, or not allowed: keep the default priority.
  }
}
lowerThreadPriority();

function send(message: FromWorker): void {
  port?.postMessage(message);
}

/**
 * Tries the keys in `order`, like upstream's loop over all private keys, and moves the key that worked to the
 * front for the next value of the same object (the values of one object share their key).
 */
class OrderedDecryptor {
  attempts = 0;
  fingerprint: string | undefined;
  /** Item → the key that decrypted it (the key inventory); a Map, as item names are untrusted (`__proto__`). */
  readonly #itemKeys = new Map<string, string>();
  readonly #order: string[];

  constructor(order: readonly string[]) {
    this.#order = order.filter((fingerprint) => keys.has(fingerprint));
  }

  decrypt(ciphertext: Uint8Array, label: Uint8Array, item?: string): Buffer | undefined {
    for (const [index, fingerprint] of this.#order.entries()) {
      const key = keys.get(fingerprint);
      if (key === undefined) continue;
      this.attempts++;
      try {
        const plaintext = hybridDecrypt(key, ciphertext, label);
        this.fingerprint = fingerprint;
        if (item !== undefined) this.#itemKeys.set(item, fingerprint);
        this.#order.splice(index, 1);
        this.#order.unshift(fingerprint);
        return plaintext;
      } catch (error) {
        if (!(error instanceof SealedSecretsError && error.code === 'DECRYPT_FAILED')) throw error;
      }
    }
    return undefined;
  }

  itemKeys(): Record<string, string> {
    return Object.fromEntries(this.#itemKeys);
  }
}

function decryptOne(request: DecryptRequest): void {
  const decryptor = new OrderedDecryptor(request.order);
  const plaintext = decryptor.decrypt(request.ciphertext, request.label);
  send({
    type: 'decrypted',
    id: request.id,
    attempts: decryptor.attempts,
    ...(decryptor.fingerprint !== undefined && { fingerprint: decryptor.fingerprint }),
    // A copy of exactly the plaintext: posting a pooled Buffer's view would copy its whole slab.
    ...(plaintext !== undefined && { plaintext: new Uint8Array(plaintext) }),
  });
  plaintext?.fill(0);
}

async function unsealOne(request: UnsealRequest): Promise<void> {
  const decryptor = new OrderedDecryptor(request.order);
  const common = () => ({
    id: request.id,
    attempts: decryptor.attempts,
    ...(decryptor.fingerprint !== undefined && { fingerprint: decryptor.fingerprint }),
    itemKeys: decryptor.itemKeys(),
  });
  try {
    const secret = await unsealSealedSecret(request.sealedSecret, {
      decrypt: (ciphertext, label, item) => {
        const plaintext = decryptor.decrypt(ciphertext, label, item);
        if (plaintext === undefined) throw new SealedSecretsError('DECRYPT_FAILED', NO_KEY_COULD_DECRYPT);
        return plaintext;
      },
      keyCount: request.keyCount,
      acceptDeprecatedV1Data: request.acceptDeprecatedV1Data,
      // The engine stops itself at the budget; the pool's watchdog covers a single call that runs past it.
      templateTimeBudget: { ms: request.templateBudgetMs, now: () => performance.now() },
      onTemplate: (key) => send({ type: 'template', id: request.id, key }),
    });
    send({ type: 'unsealed', ...common(), secret });
  } catch (error) {
    const findings = error instanceof UnsealError ? await diagnose(request, error) : undefined;
    const failure: FromWorker =
      error instanceof UnsealError
        ? {
            type: 'failed',
            ...common(),
            error: {
              kind: 'unseal',
              message: error.message,
              failures: error.failures,
              ...(error.diagnostics !== undefined && { diagnostics: error.diagnostics }),
              ...(findings !== undefined && findings.length > 0 && { findings }),
            },
          }
        : // Only the class name: an unexpected error's message could quote anything it touched.
          { type: 'failed', ...common(), error: { kind: 'internal', name: errorName(error) } };
    send(failure);
  }
}

/**
 * The core's diagnosis of items that no key decrypts, when the request asks for it: hints, then trial decryptions
 * of one failed item under the other scopes' labels (at most MAX_PROBE_ATTEMPTS RSA operations). The probe's
 * plaintexts are wiped inside it; only findings (places, scopes, fingerprints) leave this function.
 */
async function diagnose(request: UnsealRequest, error: UnsealError): Promise<readonly Finding[] | undefined> {
  if (request.diagnose === undefined || !isDecryptFailure(error.failures)) return undefined;
  const ciphertext = firstFailedCiphertext(request.sealedSecret, error.failures);
  const known = request.diagnose.keys.flatMap((fingerprint) => {
    const key = keys.get(fingerprint);
    return key === undefined ? [] : [{ fingerprint, key }];
  });
  try {
    return await diagnoseUnsealFailure({
      metadata: request.sealedSecret.metadata,
      keys: request.diagnose.keys,
      ...(ciphertext !== undefined && { probe: keysProbe(known, ciphertext) }),
    });
  } catch {
    // A diagnosis is a courtesy: the unseal error stands without it.
    return undefined;
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'keys':
      keys = new Map(message.keys.map((k) => [k.fingerprint, k.key]));
      return;
    case 'decrypt':
      decryptOne(message);
      return;
    case 'unseal':
      void unsealOne(message);
      return;
  }
});
