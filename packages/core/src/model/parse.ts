import { decodeBase64Strict } from '../crypto/base64.js';
import { SealedSecretsError } from '../errors.js';
import { quoteUserText } from '../text/bounded-text.js';
import { parseObjectMeta } from './object-meta.js';
import {
  formatPath,
  invalid,
  isObject,
  optionalArray,
  optionalBoolean,
  optionalInteger,
  optionalNullableStringMap,
  optionalObject,
  optionalString,
  optionalStringMap,
  readObject,
  type JsonObject,
  type Path,
} from './reader.js';
import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  type DecryptionKeyUse,
  type SealedSecret,
  type SealedSecretCondition,
  type SealedSecretSpec,
  type SealedSecretStatus,
  type Secret,
  type SecretTemplateSpec,
} from './types.js';

export interface ParseSealedSecretOptions {
  /** `/v1/verify` and `/v1/rotate` need apiVersion+kind; kubeseal --merge-into / --recovery-unseal default them. */
  requireTypeMeta?: boolean;
}

/**
 * Validates an untrusted decoded JSON/YAML value as a SealedSecret. Throws SealedSecretsError INVALID_OBJECT with a
 * precise path (e.g. `spec.encryptedData.foo: expected a string`). Never mutates or keeps references to the input.
 *
 * `apiVersion`/`kind` are checked when present (they must be `bitnami.com/v1alpha1`/`SealedSecret`) and kept absent
 * when absent unless `requireTypeMeta`. `null` counts as absent everywhere except for
 * `spec.template.data` items (addendum §2.2); unknown metadata fields are kept,
 * unknown fields elsewhere are dropped (as Go's typed decoding does).
 */
export function parseSealedSecret(value: unknown, options?: ParseSealedSecretOptions): SealedSecret {
  const input = readObject(value, [], 'SealedSecret');
  const apiVersion = optionalString(input['apiVersion'], ['apiVersion']);
  const kind = optionalString(input['kind'], ['kind']);
  checkTypeMeta(apiVersion, SEALED_SECRET_API_VERSION, ['apiVersion'], options?.requireTypeMeta);
  checkTypeMeta(kind, SEALED_SECRET_KIND, ['kind'], options?.requireTypeMeta);
  if (input['spec'] === undefined || input['spec'] === null) throw invalid(['spec'], 'required');

  const result: SealedSecret = {
    ...(kind !== undefined && { kind }),
    ...(apiVersion !== undefined && { apiVersion }),
    metadata: parseObjectMeta(input['metadata'], ['metadata']),
    spec: parseSpec(readObject(input['spec'], ['spec'])),
  };
  const status = optionalObject(input['status'], ['status']);
  if (status !== undefined) result.status = parseStatus(status, ['status']);
  return result;
}

function checkTypeMeta(actual: string | undefined, expected: string, path: Path, required = false): void {
  if (actual === undefined) {
    if (required) throw invalid(path, `required (expected ${JSON.stringify(expected)})`);
    return;
  }
  if (actual !== expected) {
    throw invalid(path, `expected ${JSON.stringify(expected)}, got ${quoteUserText(actual)}`);
  }
}

function parseSpec(input: JsonObject): SealedSecretSpec {
  const template = optionalObject(input['template'], ['spec', 'template']);
  const data = optionalString(input['data'], ['spec', 'data']);
  // Go decodes a malformed encryptedData map leniently (empty/partial); we report it instead (see README).
  const encryptedData = optionalStringMap(input['encryptedData'], ['spec', 'encryptedData']) ?? {};
  return {
    ...(template !== undefined && { template: parseTemplate(template, ['spec', 'template']) }),
    ...(data !== undefined && { data }),
    encryptedData,
  };
}

function parseTemplate(input: JsonObject, path: Path): SecretTemplateSpec {
  const template: SecretTemplateSpec = {};
  if (input['metadata'] !== undefined && input['metadata'] !== null) {
    template.metadata = parseObjectMeta(input['metadata'], [...path, 'metadata']);
  }
  const type = optionalString(input['type'], [...path, 'type']);
  if (type !== undefined) template.type = type;
  const immutable = optionalBoolean(input['immutable'], [...path, 'immutable']);
  if (immutable !== undefined) template.immutable = immutable;
  // v0.40 (addendum §2.2): a null item is meaningful (it removes the decrypted item of that name), so it is kept.
  const data = optionalNullableStringMap(input['data'], [...path, 'data']);
  if (data !== undefined) template.data = data;
  return template;
}

function parseStatus(input: JsonObject, path: Path): SealedSecretStatus {
  const status: SealedSecretStatus = {};
  const observedGeneration = optionalInteger(input['observedGeneration'], [...path, 'observedGeneration']);
  if (observedGeneration !== undefined) status.observedGeneration = observedGeneration;
  const conditions = optionalArray(input['conditions'], [...path, 'conditions']);
  if (conditions !== undefined) {
    status.conditions = conditions.map((item, index) => parseCondition(item, [...path, 'conditions', index]));
  }
  const keys = decryptionKeysOf(input['decryptionKeys']);
  if (keys !== undefined) status.decryptionKeys = keys;
  return status;
}

/** Our status field, read leniently: it is only informative, so a malformed value is dropped, never an error. */
function decryptionKeysOf(value: unknown): DecryptionKeyUse[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const uses: DecryptionKeyUse[] = [];
  for (const item of value) {
    if (!isObject(item)) return undefined;
    const { fingerprint, itemCount, items } = item;
    if (
      typeof fingerprint !== 'string' ||
      typeof itemCount !== 'number' ||
      !Number.isSafeInteger(itemCount)
    ) {
      return undefined;
    }
    const use: DecryptionKeyUse = { fingerprint, itemCount };
    if (Array.isArray(items) && items.every((i) => typeof i === 'string'))
      use.items = [...(items as string[])];
    uses.push(use);
  }
  return uses;
}

function parseCondition(value: unknown, path: Path): SealedSecretCondition {
  const input = readObject(value, path);
  const condition: SealedSecretCondition = {
    type: optionalString(input['type'], [...path, 'type']) ?? '',
    status: optionalString(input['status'], [...path, 'status']) ?? '',
  };
  for (const field of ['lastUpdateTime', 'lastTransitionTime', 'reason', 'message'] as const) {
    const text = optionalString(input[field], [...path, field]);
    if (text !== undefined) condition[field] = text;
  }
  return condition;
}

/**
 * Validates an untrusted value as a v1 Secret (kind is not checked, as in kubeseal: compat §6.4). `data` values
 * must be Go-strict base64 (CR/LF are tolerated and normalized away); a `null` item is an empty value.
 */
export function parseSecret(value: unknown): Secret {
  const input = readObject(value, [], 'Secret');
  const secret: Secret = { metadata: {} };
  const apiVersion = optionalString(input['apiVersion'], ['apiVersion']);
  const kind = optionalString(input['kind'], ['kind']);
  if (kind !== undefined) secret.kind = kind;
  if (apiVersion !== undefined) secret.apiVersion = apiVersion;
  secret.metadata = parseObjectMeta(input['metadata'], ['metadata']);
  const immutable = optionalBoolean(input['immutable'], ['immutable']);
  if (immutable !== undefined) secret.immutable = immutable;
  const data = parseSecretData(input['data']);
  if (data !== undefined) secret.data = data;
  const stringData = optionalStringMap(input['stringData'], ['stringData']);
  if (stringData !== undefined) secret.stringData = stringData;
  const type = optionalString(input['type'], ['type']);
  if (type !== undefined) secret.type = type;
  return secret;
}

function parseSecretData(value: unknown): Record<string, string> | undefined {
  const object = optionalObject(value, ['data']);
  if (object === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(object).map(([key, item]) => {
      if (item === null) return [key, ''];
      const text = optionalString(item, ['data', key]) ?? '';
      try {
        const bytes = decodeBase64Strict(text);
        return [key, /[\r\n]/.test(text) ? bytes.toString('base64') : text];
      } catch (error) {
        if (!(error instanceof SealedSecretsError)) throw error;
        throw new SealedSecretsError('INVALID_BASE64', `${formatPath(['data', key])}: ${error.message}`, {
          cause: error,
        });
      }
    }),
  );
}
