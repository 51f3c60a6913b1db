import { Worker } from 'node:worker_threads';

export type CryptoMode = 'unseal' | 'seal' | 'node-oaep' | 'unseal-object';

/** What one benchmark thread runs (see crypto-worker.ts). */
export interface CryptoJob {
  mode: CryptoMode;
  corePath: string;
  privateKeyPem: string;
  publicKeyPem: string;
  /** A hybridEncrypt output for `label` (unseal, node-oaep). */
  ciphertext: Uint8Array;
  plaintext: Uint8Array;
  label: string;
  /** JSON of a SealedSecret sealed with the key (unseal-object). */
  sealedSecretJson: string;
  durationMs: number;
}

export interface CryptoJobResult {
  type: 'done';
  ops: number;
  ms: number;
}

export interface CryptoLoadResult {
  readonly threads: number;
  /** Sum over threads of ops per wall-clock second, as `openssl speed -multi -elapsed` would sum its processes. */
  readonly opsPerSec: number;
  /**
   * Ops per CPU-second of the process, times the thread count: what the threads would do with a core each.
   * `openssl speed` divides by user CPU time by default, so this is the figure to compare with it on a busy machine.
   */
  readonly cpuOpsPerSec: number;
  readonly totalOps: number;
}

/** Runs `threads` worker threads doing `job` for `job.durationMs`, started together. */
export async function runCryptoLoad(job: CryptoJob, threads: number): Promise<CryptoLoadResult> {
  const url = new URL('./crypto-worker.js', import.meta.url);
  const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: job }));
  try {
    const ready = workers.map((w) => onceMessage(w, 'ready'));
    await Promise.all(ready);
    const done = workers.map((w) => onceMessage(w, 'done') as Promise<CryptoJobResult>);
    // Process-wide CPU time: the main thread only waits meanwhile, so this is the workers' time.
    const cpuBefore = process.cpuUsage();
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    const cpu = process.cpuUsage(cpuBefore);
    const totalOps = results.reduce((sum, r) => sum + r.ops, 0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      threads,
      opsPerSec: results.reduce((sum, r) => sum + (r.ops * 1000) / r.ms, 0),
      cpuOpsPerSec: cpuSeconds > 0 ? (totalOps / cpuSeconds) * threads : 0,
      totalOps,
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function onceMessage(worker: Worker, type: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: { type?: string }): void => {
      if (message.type !== type) return;
      cleanup();
      resolve(message);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`crypto worker exited with code ${code} before "${type}"`));
    };
    const cleanup = (): void => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
