import type { KeyObject } from 'node:crypto';
import {
  SealedSecretsError,
  parseScope,
  parseSecret,
  scopeFromAnnotations,
  sealSecret,
  stripServerSideFields,
  withScopeAnnotations,
  type SealedSecret,
  type Scope,
  type Secret,
} from '@ssts/core';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import type { InputDocument } from '../io/documents.js';

const EMPTY_DATA =
  'secret.data is empty in input Secret, assuming this is an error and aborting. To work with empty data, --allow-empty-data can be used';

/** Validates one decoded input document as a Secret, naming the document when it is not one. */
export function secretFromDocument(doc: InputDocument): Secret {
  try {
    return parseSecret(doc.value);
  } catch (error) {
    if (error instanceof SealedSecretsError && error.code === 'INVALID_OBJECT') {
      throw new CliError('INPUT', `document ${doc.index}: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function isEmptyMap(map: Readonly<Record<string, string>> | undefined): boolean {
  return map === undefined || Object.keys(map).length === 0;
}

/** Name, namespace and scope imposed by `--merge-into` (compat §6.7 step 2). */
export interface ForcedIdentity {
  readonly name: string;
  readonly namespace: string;
  readonly scope: Scope;
}

/** Compat §6.5 steps 1–6 for one Secret. */
export async function sealOne(
  ctx: RunContext,
  input: Secret,
  publicKey: KeyObject,
  forced?: ForcedIdentity,
): Promise<SealedSecret> {
  const { options } = ctx;
  if (isEmptyMap(input.data) && isEmptyMap(input.stringData) && !options.allowEmptyData) {
    throw new CliError('INPUT', EMPTY_DATA);
  }
  const metadata = { ...input.metadata };
  if (forced !== undefined) {
    metadata.name = forced.name;
    metadata.namespace = forced.namespace;
  } else if (options.name !== '') metadata.name = options.name;
  if (metadata.name === undefined || metadata.name === '') {
    throw new CliError('INPUT', 'missing metadata.name in input Secret');
  }
  const requested = forced?.scope ?? parseScope(options.scope);
  // Upstream only rewrites the annotations for a non-strict --scope, so `--scope strict` keeps input annotations.
  if (requested !== 'strict' || forced !== undefined) {
    metadata.annotations = withScopeAnnotations(metadata.annotations, requested);
  }
  let kubeconfigProblem: string | undefined;
  const own = metadata.namespace ?? '';
  // A Secret that names its namespace needs the resolved one only to compare with `-n`; skipping the kubeconfig
  // then changes nothing (its errors are ignored here) and saves reading and parsing it.
  if (
    scopeFromAnnotations(metadata.annotations) !== 'cluster-wide' &&
    (own === '' || options.namespace !== '')
  ) {
    let ns = '';
    let explicit = false;
    try {
      ({ namespace: ns, explicit } = await ctx.namespace());
    } catch (error) {
      // Upstream ignores kubeconfig errors here; a Secret without namespace then fails in sealSecret.
      kubeconfigProblem = error instanceof Error ? error.message : String(error);
    }
    if (explicit && own !== '' && own !== ns) {
      throw new CliError(
        'INVALID_ARGUMENT',
        `namespace mismatch: input secret is in namespace "${own}" but "${ns}" was specified`,
      );
    }
    if (own === '') metadata.namespace = ns;
  }
  const secret: Secret = { ...input, metadata: stripServerSideFields(metadata) };
  try {
    return sealSecret(secret, { publicKey });
  } catch (error) {
    if (
      error instanceof SealedSecretsError &&
      error.code === 'MISSING_NAMESPACE' &&
      kubeconfigProblem !== undefined
    ) {
      throw new CliError('INPUT', error.message, {
        cause: error,
        hints: [
          `hint: no namespace from the kubeconfig (${kubeconfigProblem}); pass -n or set metadata.namespace`,
        ],
      });
    }
    throw error;
  }
}
