// Why a SealedSecret does not unseal (issue 14): from its seal hints, the keys at hand and trial decryptions of one
// failed item under other labels. Shared by the controller (status and events), kubeseal (--recovery-unseal,
// --validate, offline validation) and the admission webhook. Texts name places, scopes and key fingerprints only;
// a trial decryption's plaintext is wiped at once and never leaves the probe.
import type { KeyObject } from 'node:crypto';
import { decodeBase64Strict } from '../crypto/base64.js';
import { hybridDecrypt } from '../crypto/hybrid.js';
import { SealedSecretsError, type ItemFailure } from '../errors.js';
import type { ObjectMeta, SealedSecret } from '../model/types.js';
import { SCOPES, type Scope } from '../scope/scope.js';
import { currentTarget, readSealHints, sameTarget, targetLabel, type SealedFor } from '../seal/seal-hints.js';

export type FindingCode =
  | 'SEALED_ELSEWHERE' // sealed for another name or namespace
  | 'SCOPE_MISMATCH' // sealed with another scope than the annotations say
  | 'UNKNOWN_KEY' // sealed with a key the holder does not have
  | 'HINTS_DO_NOT_MATCH'; // the hints say it should open here, and it does not

/** One cause, as a sentence without a trailing period. */
export interface Finding {
  readonly code: FindingCode;
  readonly text: string;
}

/**
 * Whether the failed item opens under `target`'s label: with the key of fingerprint `key` only when given, else
 * with any key at hand. Must never reveal more than yes or no.
 */
export type LabelProbe = (target: SealedFor, key: string | undefined) => Promise<boolean> | boolean;

export interface DiagnoseInput {
  /** Top-level metadata of the SealedSecret where it was found (name, namespace, scope and hint annotations). */
  readonly metadata: ObjectMeta;
  /** Fingerprints of the keys at hand, newest first (for the "it has …" list). */
  readonly keys: readonly string[];
  /** Who holds `keys`, as the message names it; default `this controller`. */
  readonly holder?: string;
  /** Whether `holder` is plural (`the given keys do not have`); default singular (`does not have`). */
  readonly holderIsPlural?: boolean;
  /** Trial decryption of one failed item; without it only the hints are read. */
  readonly probe?: LabelProbe;
}

/** `SHA256:3f9aXyZ1…`: enough of a fingerprint to tell keys apart in a message. */
export function shortFingerprint(fingerprint: string): string {
  const body = fingerprint.startsWith('SHA256:') ? fingerprint.slice(7) : fingerprint;
  return body.length > 8 ? `SHA256:${body.slice(0, 8)}…` : fingerprint;
}

const LISTED_KEYS = 5;

function keyList(keys: readonly string[]): string {
  if (keys.length === 0) return 'it has no keys';
  const shown = keys.slice(0, LISTED_KEYS).map(shortFingerprint).join(', ');
  const more = keys.length - LISTED_KEYS;
  return `it has ${shown}${more > 0 ? ` and ${more} more` : ''}`;
}

function place(target: SealedFor): string {
  return target.scope === 'strict' ? `${target.namespace}/${target.name}` : `namespace ${target.namespace}`;
}

/** Where the object is, read as `scope` would: its ns/name for strict, its namespace for namespace-wide. */
function targetAt(metadata: ObjectMeta, scope: Scope): SealedFor {
  return {
    scope,
    namespace: scope === 'cluster-wide' ? '' : (metadata.namespace ?? ''),
    name: scope === 'strict' ? (metadata.name ?? '') : '',
  };
}

/** Findings that compare what the hints say with where the object is and what its annotations say. */
function placeFindings(hinted: SealedFor, metadata: ObjectMeta, current: SealedFor): Finding[] {
  const findings: Finding[] = [];
  const here = targetAt(metadata, hinted.scope);
  if (hinted.scope !== 'cluster-wide' && !sameTarget(hinted, here)) {
    const found = hinted.scope === 'strict' ? `found at ${place(here)}` : `found in ${place(here)}`;
    findings.push({ code: 'SEALED_ELSEWHERE', text: `sealed for ${place(hinted)}, ${found}` });
  }
  if (hinted.scope !== current.scope) findings.push(scopeFinding(hinted.scope, current.scope));
  return findings;
}

function scopeFinding(sealed: Scope, annotated: Scope): Finding {
  return { code: 'SCOPE_MISMATCH', text: `sealed ${sealed} but the annotation says ${annotated}` };
}

/**
 * Says why the items of a SealedSecret do not decrypt, in this order of evidence:
 * 1. hints naming a key the holder lacks: `sealed with key SHA256:3f9a… which this controller does not have (it has
 *    …)`, plus what the hints say about its place;
 * 2. hints naming another place or scope, confirmed by a probe under that label (or unconfirmed without a probe):
 *    `sealed for prod/db, found at staging/db`, `sealed namespace-wide but the annotation says strict`;
 * 3. without such hints (or when they do not open it): the other scopes' labels at the object's place, and which one
 *    opens it (`sealed cluster-wide but the annotation says strict`);
 * 4. hints that say it should open here, and nothing does: `HINTS_DO_NOT_MATCH`.
 * No finding means nothing more can be said. At most three probes run.
 */
export async function diagnoseUnsealFailure(input: DiagnoseInput): Promise<Finding[]> {
  const { metadata, keys, probe } = input;
  const holder = input.holder ?? 'this controller';
  const hints = readSealHints(metadata);
  const current = currentTarget(metadata);
  const hinted = hints.sealedFor;
  if (hints.sealedWith !== undefined && !keys.includes(hints.sealedWith)) {
    const unknown: Finding = {
      code: 'UNKNOWN_KEY',
      text: `sealed with key ${shortFingerprint(hints.sealedWith)} which ${holder} ${input.holderIsPlural === true ? 'do' : 'does'} not have (${keyList(keys)})`,
    };
    return hinted === undefined ? [unknown] : [...placeFindings(hinted, metadata, current), unknown];
  }
  let hintsFailed = false;
  if (hinted !== undefined && !sameTarget(hinted, current)) {
    const opened = probe === undefined ? undefined : await probe(hinted, hints.sealedWith);
    if (opened !== false) return placeFindings(hinted, metadata, current);
    hintsFailed = true;
  } else if (hinted !== undefined) {
    hintsFailed = true;
  }
  if (probe !== undefined) {
    for (const scope of SCOPES) {
      if (scope === current.scope) continue;
      const candidate = targetAt(metadata, scope);
      if (targetLabel(candidate) === targetLabel(current)) continue;
      if (await probe(candidate, undefined)) return [scopeFinding(scope, current.scope)];
    }
  }
  if (hintsFailed && hinted !== undefined) {
    const key = hints.sealedWith === undefined ? '' : ` with key ${shortFingerprint(hints.sealedWith)}`;
    return [
      {
        code: 'HINTS_DO_NOT_MATCH',
        text:
          `its seal hints say sealed ${hinted.scope === 'cluster-wide' ? 'cluster-wide' : `for ${place(hinted)}`}` +
          `${key}, but that does not open it: an item was replaced or damaged after sealing, or the hints were edited`,
      },
    ];
  }
  return [];
}

/** Whether an unseal failure is one a diagnosis can explain: some encryptedData item could not be decrypted. */
export function isDecryptFailure(failures: readonly ItemFailure[]): boolean {
  return failures.some((f) => f.source === 'encryptedData' && f.code === 'DECRYPT_FAILED');
}

/** The ciphertext of the first item that failed to decrypt, for a probe; undefined when there is none. */
export function firstFailedCiphertext(
  ss: SealedSecret,
  failures: readonly ItemFailure[],
): Uint8Array | undefined {
  const failed = failures.find((f) => f.source === 'encryptedData' && f.code === 'DECRYPT_FAILED');
  const value = failed === undefined ? undefined : ss.spec.encryptedData[failed.key];
  if (value === undefined) return undefined;
  try {
    return decodeBase64Strict(value);
  } catch {
    return undefined;
  }
}

/** Most RSA operations one probe function runs over its lifetime (three labels times the keys, bounded). */
export const MAX_PROBE_ATTEMPTS = 48;

/**
 * A LabelProbe over private keys: trial-decrypts `ciphertext` (one failed item) under a target's label with the
 * named key, or with each key. The plaintext of a success is zeroed at once. At most `maxAttempts` RSA operations
 * in total; past them every probe says no.
 */
export function keysProbe(
  keys: readonly { readonly fingerprint: string; readonly key: KeyObject }[],
  ciphertext: Uint8Array,
  maxAttempts: number = MAX_PROBE_ATTEMPTS,
): LabelProbe {
  let attempts = 0;
  return (target, fingerprint) => {
    const label = Buffer.from(targetLabel(target), 'utf8');
    for (const entry of keys) {
      if (fingerprint !== undefined && entry.fingerprint !== fingerprint) continue;
      if (attempts >= maxAttempts) return false;
      attempts++;
      try {
        hybridDecrypt(entry.key, ciphertext, label).fill(0);
        return true;
      } catch (error) {
        if (!(error instanceof SealedSecretsError && error.code === 'DECRYPT_FAILED')) throw error;
      }
    }
    return false;
  };
}

/** The prefix of each cause line under an unseal error (controller status and events). */
export const CAUSE_PREFIX = 'cause: ';

/**
 * The status/event text of an unseal failure: upstream's message unchanged (its first line stays
 * `no key could decrypt secret (…)`), then one `cause: …` line per finding.
 */
export function unsealFailureText(message: string, findings: readonly Finding[]): string {
  return [message, ...findings.map((f) => `${CAUSE_PREFIX}${f.text}`)].join('\n');
}
