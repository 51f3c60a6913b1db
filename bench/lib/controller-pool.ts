import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { KeyObject } from 'node:crypto';
import { repoRoot, type Core } from './workspace.js';

type KeyRing = ReturnType<Core['KeyRing']['of']>;
type ValueDecryptor = Parameters<Core['unsealSealedSecret']>[1]['decrypt'];

/** The controller's decrypt pool, as far as the benchmark uses it. */
interface DecryptPoolLike {
  readonly size: number;
  setKeyRing(ring: KeyRing): void;
  decryptorFor(objectKey: string): ValueDecryptor;
  close(): Promise<void>;
}
type DecryptPoolClass = new (size?: number) => DecryptPoolLike;

const POOL_MODULE = 'packages/controller/dist/crypto/decrypt-pool.js';

/** The controller's DecryptPool class from its built dist, or undefined when it is not there (yet). */
export async function loadDecryptPool(): Promise<DecryptPoolClass | undefined> {
  const path = join(repoRoot(), POOL_MODULE);
  if (!existsSync(path)) return undefined;
  const module = (await import(pathToFileURL(path).href)) as { DecryptPool?: DecryptPoolClass };
  return module.DecryptPool;
}

export interface PoolMeasurement {
  readonly workers: number;
  readonly opsPerSec: number;
}

/**
 * Unseals one value through the controller's pool for `durationMs`, keeping 4 requests per slot (one per core) in flight
 * (the controller's reconcile loop keeps the pool busy the same way during an initial sync).
 */
export async function measureDecryptPool(
  Pool: DecryptPoolClass,
  core: Core,
  key: { privateKey: KeyObject; publicKey: KeyObject; certificatePem: string },
  ciphertext: Uint8Array,
  label: Uint8Array,
  durationMs: number,
  workers: number,
): Promise<PoolMeasurement> {
  const pool = new Pool(workers);
  // The pool unrefs its workers (the controller's servers keep it alive); pending promises alone would not.
  const keepAlive = setInterval(() => undefined, 1_000);
  try {
    const certificate = core.parseCertificatePem(key.certificatePem);
    pool.setKeyRing(
      core.KeyRing.of([
        {
          fingerprint: core.publicKeyFingerprint(key.publicKey),
          privateKey: key.privateKey,
          certificate,
          orderingTime: certificate.notBefore,
        },
      ]),
    );
    const decrypt = pool.decryptorFor('bench/pool');
    await decrypt(ciphertext, label); // workers started and keys delivered before the clock starts
    let ops = 0;
    const started = performance.now();
    const deadline = started + durationMs;
    const lane = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await decrypt(ciphertext, label);
        ops++;
      }
    };
    await Promise.all(Array.from({ length: pool.size * 4 }, lane));
    return { workers: pool.size, opsPerSec: (ops * 1000) / (performance.now() - started) };
  } finally {
    clearInterval(keepAlive);
    await pool.close();
  }
}
