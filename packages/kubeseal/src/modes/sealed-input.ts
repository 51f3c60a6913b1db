import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  SealedSecretsError,
  parseSealedSecret,
  type SealedSecret,
} from '@ssts/core';
import { CliError } from '../errors.js';
import type { InputDocument } from '../io/documents.js';

/**
 * One decoded document as a SealedSecret; apiVersion/kind are optional (defaulted) but another kind is an error
 * (compat §6.7 step 1). `where` names the source in messages, e.g. `document 2`.
 */
export function sealedSecretFromDocument(
  doc: Pick<InputDocument, 'index' | 'value'>,
  where = `document ${doc.index}`,
): SealedSecret {
  const kind = (doc.value as { kind?: unknown }).kind;
  if (kind !== undefined && kind !== SEALED_SECRET_KIND) {
    throw new CliError(
      'INPUT',
      `${where}: expected kind ${SEALED_SECRET_KIND}, found ${JSON.stringify(kind)}`,
    );
  }
  try {
    const ss = parseSealedSecret(doc.value, { requireTypeMeta: false });
    return {
      ...ss,
      apiVersion: ss.apiVersion ?? SEALED_SECRET_API_VERSION,
      kind: ss.kind ?? SEALED_SECRET_KIND,
    };
  } catch (error) {
    if (error instanceof SealedSecretsError && error.code === 'INVALID_OBJECT') {
      throw new CliError('INPUT', `${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

/**
 * `spec.template.data` of a decoded SealedSecret with its null entries, which mean "drop this key" since v0.40 and
 * must survive a rewrite of the file (`--merge-into`). Undefined when there is no such map.
 */
export function templateDataWithNulls(value: unknown): Record<string, string | null> | undefined {
  const data = (value as { spec?: { template?: { data?: unknown } } } | null)?.spec?.template?.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return undefined;
  const entries = Object.entries(data as Record<string, unknown>);
  if (!entries.every(([, v]) => v === null || typeof v === 'string')) return undefined;
  return Object.fromEntries(entries) as Record<string, string | null>;
}

/** The document without null `template.data` entries, for parsers that take only strings there. */
export function withoutTemplateNulls(value: unknown): unknown {
  const data = templateDataWithNulls(value);
  if (data === undefined || Object.values(data).every((v) => v !== null)) return value;
  const ss = value as { spec: { template: Record<string, unknown> } };
  return {
    ...ss,
    spec: {
      ...ss.spec,
      template: {
        ...ss.spec.template,
        data: Object.fromEntries(Object.entries(data).filter(([, v]) => v !== null)),
      },
    },
  };
}
