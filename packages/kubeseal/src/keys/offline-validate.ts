// `kubeseal validate --offline --cert-set <file or dir> -f …` (issue 14 item 5), as library functions: with no
// cluster and no kubeconfig, check each SealedSecret's structure, its seal hints against where it is and how it is
// annotated, and the key it was sealed with against a pinned set of certificates. The check upstream #1444 asked
// for, without a new wire format. Also the cause lines --validate and --recovery-unseal add to their errors.
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import {
  ANNOTATION_SEALED_WITH,
  currentTarget,
  decodeBase64Strict,
  diagnoseUnsealFailure,
  keysProbe,
  parseCertificatePem,
  publicKeyFingerprint,
  readSealHints,
  sameTarget,
  SEAL_HINT_ANNOTATIONS,
  withScopeAnnotations,
  type Finding,
  type LabelProbe,
  type SealedSecret,
} from '@ssts/core';
import type { ControllerClient } from '../cluster/controller-client.js';
import { CliError, describeFsError } from '../errors.js';
import { MAX_CERT_BYTES } from '../io/cert-fetch.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderJson } from '../format/render.js';
import type { FileSystem } from '../io/io.js';
import { fetchKeyInventoryIfServed } from './inventory.js';

/** Most certificate files read from a --cert-set directory. */
export const MAX_CERT_SET_FILES = 512;
/** The shortest valid ciphertext: 2-byte length, an RSA-1024 block, the 16-byte GCM tag (compat §1.1). */
const MIN_CIPHERTEXT_BYTES = 2 + 128 + 16;

const END = '-----END CERTIFICATE-----';

/** Fingerprints of every certificate in a PEM text (one or many blocks). */
export function certificateFingerprints(pem: string, source: string): string[] {
  const fingerprints: string[] = [];
  for (const part of pem.split(END).slice(0, -1)) {
    try {
      fingerprints.push(publicKeyFingerprint(parseCertificatePem(`${part}${END}\n`).publicKey));
    } catch (error) {
      throw new CliError('CERT', `cannot read the certificate set: ${source}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return fingerprints;
}

/**
 * The pinned set: a PEM file with one or more certificates, or a directory whose `*.pem` / `*.crt` files are read
 * (not recursively, at most MAX_CERT_SET_FILES, each at most 1 MiB). `listDir` is undefined for a plain file.
 */
export async function readCertificateSet(
  fs: FileSystem,
  path: string,
  listDir: (dir: string) => Promise<string[] | undefined>,
): Promise<string[]> {
  const entries = await listDir(path);
  const files =
    entries === undefined
      ? [path]
      : entries
          .filter((name) => name.endsWith('.pem') || name.endsWith('.crt'))
          .sort()
          .map((name) => join(path, name));
  if (files.length > MAX_CERT_SET_FILES) {
    throw new CliError(
      'CERT',
      `cannot read the certificate set: more than ${MAX_CERT_SET_FILES} files in ${path}`,
    );
  }
  const fingerprints = new Set<string>();
  for (const file of files) {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file, MAX_CERT_BYTES);
    } catch (error) {
      throw new CliError('CERT', `cannot read the certificate set: ${describeFsError('open', file, error)}`, {
        cause: error,
      });
    }
    if (bytes.length > MAX_CERT_BYTES) {
      throw new CliError(
        'CERT',
        `cannot read the certificate set: ${file} is larger than ${MAX_CERT_BYTES} bytes`,
      );
    }
    for (const fingerprint of certificateFingerprints(bytes.toString('utf8'), file))
      fingerprints.add(fingerprint);
  }
  if (fingerprints.size === 0)
    throw new CliError('CERT', `cannot read the certificate set: no certificate in ${path}`);
  return [...fingerprints];
}

/** One problem of one SealedSecret found offline. */
export interface OfflineProblem {
  readonly code: Finding['code'] | 'NO_HINTS' | 'INVALID_HINT' | 'INVALID_VALUE' | 'EMPTY';
  readonly text: string;
}

/**
 * Checks one (already parsed) SealedSecret offline against the pinned fingerprints. No problem means: every value
 * is well-formed, and its hints say it was sealed with a pinned key for exactly the place and scope it has.
 */
export async function validateOffline(
  ss: SealedSecret,
  pinned: readonly string[],
): Promise<OfflineProblem[]> {
  const problems: OfflineProblem[] = [];
  const values = Object.entries(ss.spec.encryptedData);
  if (values.length === 0 && (ss.spec.data ?? '') === '') {
    problems.push({ code: 'EMPTY', text: 'it has no encryptedData' });
  }
  for (const [item, value] of values) {
    let bytes: Uint8Array | undefined;
    try {
      bytes = decodeBase64Strict(value);
    } catch {
      bytes = undefined;
    }
    if (bytes === undefined || bytes.length < MIN_CIPHERTEXT_BYTES) {
      problems.push({
        code: 'INVALID_VALUE',
        text: `encryptedData ${JSON.stringify(item.slice(0, 64))} is not a sealed value (${bytes === undefined ? 'not base64' : 'too short'})`,
      });
    }
  }
  const hints = readSealHints(ss.metadata);
  for (const key of hints.invalid)
    problems.push({ code: 'INVALID_HINT', text: `the annotation ${key} is malformed` });
  if (hints.sealedWith === undefined || hints.sealedFor === undefined) {
    if (hints.invalid.length === 0) {
      const missing = SEAL_HINT_ANNOTATIONS.filter((a) => ss.metadata.annotations?.[a] === undefined);
      problems.push({
        code: 'NO_HINTS',
        text: `it has no seal hints (${missing.join(', ')}): sealed with --no-seal-hints or by another kubeseal, so its key and target cannot be checked offline`,
      });
    }
    return problems;
  }
  const fits = pinned.includes(hints.sealedWith) && sameTarget(hints.sealedFor, currentTarget(ss.metadata));
  if (!fits) {
    const findings = await diagnoseUnsealFailure({
      metadata: ss.metadata,
      keys: pinned,
      holder: 'the certificate set',
    });
    problems.push(...findings);
  }
  return problems;
}

/**
 * Cause lines for `--recovery-unseal` when no given key decrypts an item: the core diagnosis with trial
 * decryptions under the other scopes' labels (plaintexts wiped inside the probe).
 */
export async function recoveryCauses(
  ss: SealedSecret,
  keys: readonly { readonly privateKey: KeyObject }[],
  failedCiphertext: Uint8Array | undefined,
): Promise<string[]> {
  const known = keys.map((k) => ({ fingerprint: publicKeyFingerprint(k.privateKey), key: k.privateKey }));
  const findings = await diagnoseUnsealFailure({
    metadata: ss.metadata,
    keys: known.map((k) => k.fingerprint),
    holder: 'the given keys',
    holderIsPlural: true,
    ...(failedCiphertext !== undefined && { probe: keysProbe(known, failedCiphertext) }),
  });
  return findings.map((f) => `cause: ${f.text}`);
}

/** Most extra /v1/verify requests one --validate diagnosis makes (the controller rate-limits verify: burst 3). */
export const MAX_VERIFY_PROBES = 3;

/**
 * A LabelProbe through the controller: the SealedSecret as it would be at `target` (name, namespace and scope
 * annotations changed, ciphertexts untouched) is sent to /v1/verify, whose answer is only yes or no. kubeseal holds
 * no private key, so this is how --validate tries the other scopes' labels.
 */
export function verifyProbe(ss: SealedSecret, controller: ControllerClient): LabelProbe {
  let left = MAX_VERIFY_PROBES;
  return async (target) => {
    if (left <= 0) return false;
    left--;
    const metadata = {
      ...ss.metadata,
      ...(target.scope !== 'cluster-wide' && { namespace: target.namespace }),
      ...(target.scope === 'strict' && { name: target.name }),
      annotations: withScopeAnnotations(ss.metadata.annotations, target.scope),
    };
    try {
      return (await controller.verify(renderJson(orderSealedSecret({ ...ss, metadata })))).status === 200;
    } catch {
      return false;
    }
  };
}

/**
 * Cause lines for `--validate` when the controller answers 409: from the seal hints and the controller's key list
 * (/v1/keys; without it, as with the Go controller, the key is not judged), confirmed or (without hints) found by
 * asking /v1/verify under the other scopes' labels.
 */
export async function validateCauses(ss: SealedSecret, controller: ControllerClient): Promise<string[]> {
  const inventory = await fetchKeyInventoryIfServed(controller).catch(() => undefined);
  const metadata =
    inventory === undefined
      ? {
          ...ss.metadata,
          annotations: Object.fromEntries(
            Object.entries(ss.metadata.annotations ?? {}).filter(([k]) => k !== ANNOTATION_SEALED_WITH),
          ),
        }
      : ss.metadata;
  const keys = (inventory?.keys ?? []).map((k) => k.fingerprint).reverse();
  const findings = await diagnoseUnsealFailure({
    metadata,
    keys,
    holder: 'the controller',
    // Without the key list (the Go controller) a "no" at the hinted place could be a key it lacks as well as
    // damage, so hints are then taken as they are; without hints the probe is the fallback either way.
    ...((inventory !== undefined || readSealHints(ss.metadata).sealedFor === undefined) && {
      probe: verifyProbe(ss, controller),
    }),
  });
  return findings.map((f) => `cause: ${f.text}`);
}
