import { KeyObject } from 'node:crypto';
import { decodeBase64Strict } from '../crypto/base64.js';
import { hybridDecrypt } from '../crypto/hybrid.js';
import { SealedSecretsError, UnsealError, type ItemFailure, type UnsealDiagnostics } from '../errors.js';
import type { KeyEntry } from '../keys/key-ring.js';
import { ANNOTATION_SKIP_SET_OWNER_REFERENCES } from '../model/annotations.js';
import { canonicalObjectMeta } from '../model/object-meta.js';
import { parseSecret } from '../model/parse.js';
import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type ObjectMeta,
  type OwnerReference,
  type SealedSecret,
  type Secret,
} from '../model/types.js';
import { encryptionLabelText, scopeFromAnnotations } from '../scope/scope.js';
import { timeBudgetMessage } from '@ssts/template/text';
import { groupFailures } from './failures.js';

/**
 * Decrypts one value with the OAEP label. Must throw SealedSecretsError DECRYPT_FAILED (message
 * `no key could decrypt secret`) when no key works. May be async (the controller runs RSA in worker threads).
 * `item` names the encryptedData key (LEGACY_DATA_ITEM for `spec.data`), so a decryptor can record which key
 * opened which item (the key inventory).
 */
export type ValueDecryptor = (
  ciphertext: Uint8Array,
  label: Uint8Array,
  item?: string,
) => Promise<Uint8Array> | Uint8Array;

/** The item name the legacy `spec.data` blob is decrypted as (not a valid Secret data key, so never an item's). */
export const LEGACY_DATA_ITEM = '';

export interface UnsealOptions {
  decrypt: ValueDecryptor;
  /** Number of keys the decryptor holds, only for UnsealError.diagnostics. */
  keyCount?: number;
  /** Compat §1.4, default true (the controller flag default). kubeseal --recovery-unseal passes false. */
  acceptDeprecatedV1Data?: boolean;
  /**
   * Wall-clock budget for all templates of the object together, on the caller's monotonic clock (ms). Without it
   * only the engine's work limits apply. Past it the unseal fails with templateTimeBudgetError.
   */
  templateTimeBudget?: { readonly ms: number; readonly now: () => number };
  /** Called before each template is parsed (the controller's watchdog learns when rendering starts, and where). */
  onTemplate?: (key: string) => void;
}

export const NO_KEY_COULD_DECRYPT = 'no key could decrypt secret';

/**
 * The wall-clock budget for the templates of one object: the controller's `--template-time-budget` default and
 * kubeseal --recovery-unseal's bound. Legitimate templates render in well under a millisecond.
 */
export const DEFAULT_TEMPLATE_TIME_BUDGET_MS = 2_000;

/**
 * The unseal error when the templates of an object ran past their wall-clock budget, rendering `key`: one failure
 * with code TEMPLATE_TIME_BUDGET, message `template rendering exceeded its time budget of 2s (key)`. Also built
 * by the controller's watchdog when it has to stop a worker thread, so both paths read the same.
 */
export function templateTimeBudgetError(
  budgetMs: number,
  key: string,
  diagnostics?: UnsealDiagnostics,
): UnsealError {
  const failure: ItemFailure = {
    key,
    source: 'template',
    code: 'TEMPLATE_TIME_BUDGET',
    message: timeBudgetMessage(budgetMs),
  };
  return new UnsealError(groupFailures([failure]), [failure], diagnostics);
}

interface UnsealContext {
  readonly ss: SealedSecret;
  readonly label: Uint8Array;
  readonly diagnostics: UnsealDiagnostics;
  readonly options: UnsealOptions;
}

/**
 * Compat §2.6: builds the Secret (data as base64 strings, metadata from the template, name/namespace forced, owner
 * reference unless skip-set-owner-references). Throws UnsealError whose message is the Go controller's text.
 *
 * Failures are grouped by message with their keys sorted (Go's order is random), encryptedData groups first; a
 * decryptor error other than DECRYPT_FAILED is not an item failure and is rethrown as is. The result has Go's field
 * order (kind, apiVersion, metadata, immutable, data, type) with sorted `data` keys.
 */
export async function unsealSealedSecret(ss: SealedSecret, options: UnsealOptions): Promise<Secret> {
  const scope = scopeFromAnnotations(ss.metadata.annotations);
  const labelText = encryptionLabelText(ss.metadata.namespace ?? '', ss.metadata.name ?? '', scope);
  const context: UnsealContext = {
    ss,
    label: Buffer.from(labelText, 'utf8'),
    diagnostics: { scope, label: labelText, keysTried: options.keyCount ?? 0 },
    options,
  };
  if (ss.spec.data !== undefined && ss.spec.data !== null) return unsealLegacy(ss.spec.data, context);
  return unsealEncryptedData(context);
}

/** Whether unsealing `ss` renders templates: some `template.data` entry is not null (and encryptedData is used). */
export function rendersTemplates(ss: SealedSecret): boolean {
  if (ss.spec.data !== undefined && ss.spec.data !== null) return false;
  return Object.values(ss.spec.template?.data ?? {}).some((source) => source !== null);
}

/**
 * Compat §2.6 steps 3–4 as of v0.40 (addendum §2.1, §2.2). Decrypted values go to the output and the template
 * variables (a value that fails to decrypt is an empty variable, bad base64 none). Plaintext `template.data`
 * entries become variables too, as raw unrendered text, unless a decrypted value has the name. Then each entry:
 * `null` removes the decrypted item of that name from the output (it stays a variable); a template is rendered,
 * its errors count, and its output is kept only when no encryptedData item has its name.
 */
async function unsealEncryptedData(context: UnsealContext): Promise<Secret> {
  const { ss, options } = context;
  const encrypted = Object.entries(ss.spec.encryptedData).sort(([a], [b]) => byCodeUnits(a, b));
  const results = await Promise.all(encrypted.map(([key, value]) => decryptItem(key, value, context)));

  const failures: ItemFailure[] = [];
  const data = new Map<string, Uint8Array>();
  const variables = new Map<string, Uint8Array>();
  for (const result of results) {
    if ('failure' in result) {
      failures.push(result.failure);
      if (result.failure.code === 'DECRYPT_FAILED') variables.set(result.failure.key, new Uint8Array());
    } else {
      data.set(result.key, result.plaintext);
      variables.set(result.key, result.plaintext);
    }
  }
  const templates = Object.entries(ss.spec.template?.data ?? {}).sort(([a], [b]) => byCodeUnits(a, b));
  for (const [key, source] of templates) {
    if (source !== null && !variables.has(key)) variables.set(key, Buffer.from(source, 'utf8'));
  }
  if (rendersTemplates(ss)) {
    // Loaded only when needed: most SealedSecrets have no templates, and bundles (kubeseal's) keep it out of the
    // code every command loads.
    const { TemplateRenderer, TemplateError } = await import('@ssts/template');
    const budget = options.templateTimeBudget;
    const renderer = new TemplateRenderer(variables, {
      ...(budget !== undefined && {
        deadline: { now: budget.now, at: budget.now() + budget.ms, budgetMs: budget.ms },
      }),
    });
    for (const [key, source] of templates) {
      if (source === null) continue;
      options.onTemplate?.(key);
      try {
        const rendered = renderer.render(key, source);
        if (!Object.hasOwn(ss.spec.encryptedData, key)) data.set(key, rendered);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        // The budget belongs to the object: nothing after it runs, and it is the one failure reported.
        if (error.code === 'TEMPLATE_TIME_BUDGET') {
          throw templateTimeBudgetError(budget?.ms ?? 0, key, context.diagnostics);
        }
        failures.push({ key, source: 'template', code: error.code, message: error.message });
      }
    }
  }
  for (const [key, source] of templates) if (source === null) data.delete(key);
  if (failures.length > 0) throw new UnsealError(groupFailures(failures), failures, context.diagnostics);

  const template = ss.spec.template;
  return buildSecret(context, {
    metadata: template?.metadata ?? {},
    immutable: template?.immutable,
    data: Object.fromEntries(
      [...data.keys()]
        .sort(byCodeUnits)
        .map((key) => [key, Buffer.from(data.get(key) ?? []).toString('base64')]),
    ),
    type: template?.type,
  });
}

type ItemResult = { key: string; plaintext: Uint8Array } | { failure: ItemFailure };

async function decryptItem(key: string, value: string, context: UnsealContext): Promise<ItemResult> {
  let ciphertext: Buffer;
  try {
    ciphertext = decodeBase64Strict(value);
  } catch (error) {
    if (!(error instanceof SealedSecretsError)) throw error;
    // Bad base64 is reported as such and decryption is not attempted (compat §1.3).
    return { failure: { key, source: 'encryptedData', code: error.code, message: error.message } };
  }
  try {
    return { key, plaintext: await context.options.decrypt(ciphertext, context.label, key) };
  } catch (error) {
    if (!(error instanceof SealedSecretsError) || error.code !== 'DECRYPT_FAILED') throw error;
    return {
      failure: { key, source: 'encryptedData', code: 'DECRYPT_FAILED', message: NO_KEY_COULD_DECRYPT },
    };
  }
}

/** Compat §1.4: `spec.data` holds one blob whose plaintext is a whole v1 Secret as JSON. */
async function unsealLegacy(blob: string, context: UnsealContext): Promise<Secret> {
  const { ss, options, diagnostics } = context;
  const fail = (message: string) => new UnsealError(message, [], diagnostics);
  if (options.acceptDeprecatedV1Data === false) {
    throw fail(`using deprecated 'data' field, use 'encryptedData' or flip the feature flag`);
  }
  if (Object.keys(ss.spec.encryptedData).length > 0) {
    throw fail(`cannot use the field 'encryptedData' and the deprecated field 'data' at the same time`);
  }
  let ciphertext: Buffer;
  try {
    ciphertext = decodeBase64Strict(blob);
  } catch (error) {
    if (!(error instanceof SealedSecretsError)) throw error;
    throw fail(`${error.message} (data)`);
  }
  let plaintext: Uint8Array;
  try {
    plaintext = await options.decrypt(ciphertext, context.label, LEGACY_DATA_ITEM);
  } catch (error) {
    if (!(error instanceof SealedSecretsError) || error.code !== 'DECRYPT_FAILED') throw error;
    throw fail(NO_KEY_COULD_DECRYPT);
  }
  const inner = decodeLegacySecret(plaintext, fail);
  const data: Record<string, string> = { ...inner.data };
  // The API server folds stringData into data on write; we do it here so the result only has `data`.
  for (const [key, value] of Object.entries(inner.stringData ?? {})) {
    data[key] = Buffer.from(value, 'utf8').toString('base64');
  }
  return buildSecret(context, {
    metadata: inner.metadata,
    immutable: inner.immutable,
    data: Object.fromEntries(
      Object.keys(data)
        .sort(byCodeUnits)
        .map((key) => [key, data[key] ?? '']),
    ),
    type: inner.type,
  });
}

function decodeLegacySecret(plaintext: Uint8Array, fail: (message: string) => UnsealError): Secret {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(plaintext).toString('utf8'));
  } catch {
    // JSON.parse messages quote the input, which is decrypted material: say only what failed.
    throw fail(`the deprecated 'data' field does not hold a JSON Secret`);
  }
  try {
    return parseSecret(json);
  } catch (error) {
    if (!(error instanceof SealedSecretsError)) throw error;
    throw fail(`the deprecated 'data' field does not hold a valid Secret: ${error.message}`);
  }
}

interface SecretParts {
  metadata: ObjectMeta;
  immutable: boolean | undefined;
  data: Record<string, string>;
  type: string | undefined;
}

function buildSecret(context: UnsealContext, parts: SecretParts): Secret {
  const { ss } = context;
  // The skip annotation is read from the template even on the legacy path (compat §1.4).
  const skipOwner =
    ss.spec.template?.metadata?.annotations?.[ANNOTATION_SKIP_SET_OWNER_REFERENCES] === 'true';
  const metadata = canonicalObjectMeta({
    ...parts.metadata,
    name: ss.metadata.name ?? '',
    namespace: ss.metadata.namespace ?? '',
    ...(!skipOwner && { ownerReferences: [ownerReference(ss)] }),
  });
  const secret: Secret = { kind: 'Secret', apiVersion: 'v1', metadata };
  if (parts.immutable !== undefined) secret.immutable = parts.immutable;
  secret.data = parts.data;
  if (parts.type) secret.type = parts.type;
  return secret;
}

/** Compat §2.5: exactly one controller reference, without blockOwnerDeletion. */
export function ownerReference(ss: SealedSecret): OwnerReference {
  return {
    apiVersion: ss.apiVersion || SEALED_SECRET_API_VERSION,
    kind: ss.kind || SEALED_SECRET_KIND,
    name: ss.metadata.name ?? '',
    uid: ss.metadata.uid ?? '',
    controller: true,
  };
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A synchronous decryptor trying each key in order (first success wins); reports which key worked. Per-key
 * failures (too short, OAEP, GCM) are never reported individually: all become `no key could decrypt secret`.
 */
export function keysDecryptor(
  keys: readonly (KeyObject | KeyEntry)[],
  onSuccess?: (index: number) => void,
): ValueDecryptor {
  const privateKeys = keys.map((key) => (key instanceof KeyObject ? key : key.privateKey));
  return (ciphertext, label) => {
    for (const [index, key] of privateKeys.entries()) {
      let plaintext: Buffer;
      try {
        plaintext = hybridDecrypt(key, ciphertext, label);
      } catch (error) {
        if (error instanceof SealedSecretsError && error.code === 'DECRYPT_FAILED') continue;
        throw error;
      }
      onSuccess?.(index);
      return plaintext;
    }
    throw new SealedSecretsError('DECRYPT_FAILED', NO_KEY_COULD_DECRYPT);
  };
}
