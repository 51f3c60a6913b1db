import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  SealedSecretsError,
  parsePrivateKeyPem,
  parseSecret,
  privateKeyFromSecret,
  publicKeyFingerprint,
} from '@ssts/core';
import { CliError, describeFsError } from '../errors.js';
import { readDocuments } from '../io/documents.js';
import { MAX_INPUT_BYTES } from '../io/limits.js';
import type { FileSystem } from '../io/io.js';

/** Private keys for `--recovery-unseal`, deduplicated by fingerprint (compat §6.10). */
export interface RecoveryKey {
  readonly fingerprint: string;
  readonly privateKey: KeyObject;
  readonly source: string;
}

function tryPem(text: string): KeyObject | undefined {
  try {
    const key = parsePrivateKeyPem(text);
    return key.asymmetricKeyType === 'rsa' ? key : undefined;
  } catch {
    return undefined;
  }
}

function keyFromSecret(value: unknown, where: string): KeyObject {
  try {
    return privateKeyFromSecret(parseSecret(value));
  } catch (error) {
    const reason = error instanceof SealedSecretsError ? error.message : 'cannot read the private key';
    throw new CliError('INPUT', `${where}: ${reason}`, { cause: error });
  }
}

/** Keys in one file: (a) a PEM private key, else (b) a v1 List of key Secrets, else (c) one or more Secrets. */
async function keysInFile(fs: FileSystem, path: string): Promise<KeyObject[]> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path, MAX_INPUT_BYTES);
  } catch (error) {
    throw new CliError('INPUT', describeFsError('open', path, error), { cause: error });
  }
  const pem = tryPem(bytes.toString('utf8'));
  if (pem !== undefined) return [pem];
  const documents = await readDocuments(bytes, 'key-file').catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError('INPUT', `${path}: not a PEM private key, nor key Secrets in JSON/YAML (${reason})`, {
      cause: error,
    });
  });
  if (documents.length === 0) throw new CliError('INPUT', `${path}: no private key found`);
  const keys: KeyObject[] = [];
  for (const doc of documents) {
    const { kind, items } = doc.value as { kind?: unknown; items?: unknown };
    if (kind === 'List' || (kind === undefined && Array.isArray(items))) {
      const list = Array.isArray(items) ? (items as unknown[]) : [];
      list.forEach((item, i) => keys.push(keyFromSecret(item, `${path}: item ${i + 1}`)));
    } else {
      keys.push(keyFromSecret(doc.value, documents.length > 1 ? `${path}: document ${doc.index}` : path));
    }
  }
  return keys;
}

/** Reads every `--recovery-private-key` file; the first key of each fingerprint is kept. */
export async function readRecoveryKeys(fs: FileSystem, paths: readonly string[]): Promise<RecoveryKey[]> {
  const keys: RecoveryKey[] = [];
  for (const path of paths) {
    for (const privateKey of await keysInFile(fs, path)) {
      if (privateKey.asymmetricKeyType !== 'rsa') {
        throw new CliError(
          'INPUT',
          `${path}: unexpected private key type ${privateKey.asymmetricKeyType ?? 'unknown'}`,
        );
      }
      const fingerprint = publicKeyFingerprint(createPublicKey(privateKey));
      if (!keys.some((k) => k.fingerprint === fingerprint))
        keys.push({ fingerprint, privateKey, source: path });
    }
  }
  return keys;
}
