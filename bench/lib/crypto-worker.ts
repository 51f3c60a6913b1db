import { constants, createPrivateKey, createPublicKey, privateDecrypt } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Core } from './workspace.js';
import type { CryptoJob, CryptoJobResult } from './crypto-load.js';

// One benchmark thread: loads the built core, waits for "go" so all threads start together, then repeats one
// operation until the time is up and reports the count.
const job = workerData as CryptoJob;
const port = parentPort;
if (port === null) throw new Error('crypto-worker must run in a worker thread');

const core = (await import(pathToFileURL(job.corePath).href)) as Core;
const label = Buffer.from(job.label, 'utf8');
const operation = prepare();
await operation(); // one untimed call: lazy initialisation must not count
port.postMessage({ type: 'ready' });
port.once('message', () => void measure());

async function measure(): Promise<void> {
  let ops = 0;
  const started = performance.now();
  const deadline = started + job.durationMs;
  let now = started;
  while (now < deadline) {
    const pending = operation();
    if (pending !== undefined) await pending;
    ops++;
    now = performance.now();
  }
  const result: CryptoJobResult = { type: 'done', ops, ms: now - started };
  port?.postMessage(result);
}

function prepare(): () => Promise<unknown> | undefined {
  switch (job.mode) {
    case 'unseal': {
      const key = createPrivateKey(job.privateKeyPem);
      const ciphertext = Buffer.from(job.ciphertext);
      return () => void core.hybridDecrypt(key, ciphertext, label);
    }
    case 'seal': {
      const key = createPublicKey(job.publicKeyPem);
      const plaintext = Buffer.from(job.plaintext);
      return () => void core.hybridEncrypt(key, plaintext, label);
    }
    case 'node-oaep': {
      const key = createPrivateKey(job.privateKeyPem);
      const ciphertext = Buffer.from(job.ciphertext);
      const rsaLength = ciphertext.readUInt16BE(0);
      const rsaBlock = ciphertext.subarray(2, 2 + rsaLength);
      return () =>
        void privateDecrypt(
          { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', oaepLabel: label },
          rsaBlock,
        );
    }
    case 'unseal-object': {
      const key = createPrivateKey(job.privateKeyPem);
      const sealed = JSON.parse(job.sealedSecretJson) as Parameters<Core['unsealSealedSecret']>[0];
      const decrypt = core.keysDecryptor([key]);
      return () => core.unsealSealedSecret(sealed, { decrypt, keyCount: 1 });
    }
  }
}
