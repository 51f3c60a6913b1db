// What the page does with the form: validate, encrypt each value with WebCrypto and wrap the result with the
// core's envelope, so the SealedSecret is the one kubeseal writes for the same Secret (compat §6.5 step 6).
import {
  encryptionLabelText,
  sealedSecretEnvelope,
  sealTarget,
  withScopeAnnotations,
  type SealedSecret,
  type Scope,
  type Secret,
} from '@ssts/core';
import { orderSealedSecret, renderJson, renderYaml } from '@ssts/kubeseal/format';
import { toBase64, utf8 } from './bytes.js';
import type { SealingKey } from './certificate.js';
import { InputError } from './errors.js';
import { hybridEncrypt } from './hybrid.js';
import { MAX_SECRET_BYTES, checkName, checkNamespace, checkSecretKey } from './validate.js';

export type { Scope };

export interface SealItem {
  readonly key: string;
  /** The exact bytes: typed text as UTF-8 (never trimmed) or a file's content. */
  readonly value: Uint8Array;
  /** Id of the element to point at when this item is refused. */
  readonly field: string;
}

export interface SecretForm {
  readonly name: string;
  readonly namespace: string;
  readonly scope: Scope;
  /** Empty: no `type` (the API server defaults to Opaque), as kubeseal for a Secret without one. */
  readonly type: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly items: readonly SealItem[];
}

export interface RawForm {
  readonly name: string;
  readonly namespace: string;
  readonly scope: Scope;
  readonly value: Uint8Array;
}

/** The Secret kubeseal would be given for this form (scope as annotations, like `kubeseal --scope`). */
export function secretOf(form: SecretForm): Secret {
  const namespace = form.namespace === '' ? {} : { namespace: form.namespace };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: form.name,
      ...namespace,
      labels: { ...form.labels },
      annotations: withScopeAnnotations(form.annotations, form.scope),
    },
    ...(form.type === '' ? {} : { type: form.type }),
  };
}

export function checkSecretForm(form: SecretForm): void {
  checkName('name', form.name);
  // kubeseal keeps a cluster-wide Secret's namespace when it has one; it is then part of the template only.
  if (form.scope !== 'cluster-wide' || form.namespace !== '') checkNamespace('namespace', form.namespace);
  if (form.items.length === 0) throw new InputError('items', 'add at least one item');
  const keys = new Set<string>();
  let total = 0;
  for (const item of form.items) {
    checkSecretKey(item.field, item.key);
    if (keys.has(item.key)) throw new InputError(item.field, `the key "${item.key}" is used twice`);
    keys.add(item.key);
    total += item.key.length + item.value.length;
  }
  if (total > MAX_SECRET_BYTES) {
    throw new InputError('items', `the Secret's data may be at most 1 MiB in all (${total} bytes given)`);
  }
  checkTypedSecret(form);
}

/**
 * The API server refuses these types without their keys (core/v1 validation); the controller would then fail to
 * create the Secret long after sealing. Other types are not checked. Messages never quote a value.
 */
function checkTypedSecret(form: SecretForm): void {
  const values = new Map(form.items.map((item) => [item.key, item.value]));
  const need = (...keys: string[]) => {
    const missing = keys.filter((key) => !values.has(key));
    if (missing.length > 0) {
      throw new InputError(
        'type',
        `a ${form.type} Secret needs the item${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(' and ')}`,
      );
    }
  };
  switch (form.type) {
    case 'kubernetes.io/tls':
      return need('tls.crt', 'tls.key');
    case 'kubernetes.io/ssh-auth':
      return need('ssh-privatekey');
    case 'kubernetes.io/basic-auth':
      if (!values.has('username') && !values.has('password')) {
        throw new InputError(
          'type',
          'a kubernetes.io/basic-auth Secret needs the item "username" or "password"',
        );
      }
      return;
    case 'kubernetes.io/dockerconfigjson': {
      need('.dockerconfigjson');
      try {
        JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(values.get('.dockerconfigjson')));
      } catch {
        throw new InputError(
          'type',
          'the ".dockerconfigjson" item of a kubernetes.io/dockerconfigjson Secret must be JSON',
        );
      }
    }
  }
}

export async function sealSecretForm(form: SecretForm, key: SealingKey): Promise<SealedSecret> {
  checkSecretForm(form);
  const secret = secretOf(form);
  const target = sealTarget(secret);
  const label = utf8(target.label);
  const encrypted: [string, string][] = [];
  for (const item of form.items) {
    encrypted.push([item.key, toBase64(await hybridEncrypt(key.publicKey, item.value, label))]);
  }
  return sealedSecretEnvelope(secret, target, Object.fromEntries(encrypted));
}

/** kubeseal --raw (compat §6.6): strict needs namespace and name, namespace-wide a namespace, cluster-wide neither. */
export function checkRawForm(form: RawForm): void {
  if (form.scope !== 'cluster-wide') checkNamespace('namespace', form.namespace);
  if (form.scope === 'strict') checkName('name', form.name);
  if (form.value.length > MAX_SECRET_BYTES) {
    throw new InputError('raw-value', `a value may be at most 1 MiB (${form.value.length} bytes given)`);
  }
}

/** The value's base64 ciphertext, no newline, like `kubeseal --raw`. */
export async function sealRawForm(form: RawForm, key: SealingKey): Promise<string> {
  checkRawForm(form);
  const label = encryptionLabelText(form.namespace, form.name, form.scope);
  return toBase64(await hybridEncrypt(key.publicKey, form.value, utf8(label)));
}

export type OutputFormat = 'yaml' | 'json';

/** Exactly kubeseal's `-o yaml` / `-o json` text for this SealedSecret (same rendering code). */
export async function renderSealedSecret(ss: SealedSecret, format: OutputFormat): Promise<string> {
  const ordered = orderSealedSecret(ss);
  return format === 'json' ? renderJson(ordered) : renderYaml(ordered);
}
