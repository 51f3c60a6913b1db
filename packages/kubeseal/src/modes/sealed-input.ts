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
export function sealedSecretFromDocument(doc: InputDocument, where = `document ${doc.index}`): SealedSecret {
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
