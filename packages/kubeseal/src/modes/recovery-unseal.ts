import {
  DEFAULT_TEMPLATE_TIME_BUDGET_MS,
  UnsealError,
  firstFailedCiphertext,
  isDecryptFailure,
  keysDecryptor,
  unsealSealedSecret,
  type UnsealDiagnostics,
} from '@ssts/core';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { orderSecret } from '../format/go-order.js';
import { renderDocument } from '../format/render.js';
import { readDocuments } from '../io/documents.js';
import { readRecoveryKeys } from './recovery-keys.js';
import { sealedSecretFromDocument } from './sealed-input.js';

/** A hint about why decryption failed, from metadata only (never a value). */
export function unsealHint(error: UnsealError, itemCount: number): string | undefined {
  const d: UnsealDiagnostics | undefined = error.diagnostics;
  if (d === undefined) return undefined;
  if (d.keysTried === 0)
    return 'hint: no private key was given; pass the backed-up keys with --recovery-private-key';
  const undecryptable = error.failures.filter(
    (f) => f.source === 'encryptedData' && f.code === 'DECRYPT_FAILED',
  );
  if (undecryptable.length === 0) return undefined;
  const keys = `${d.keysTried} key${d.keysTried === 1 ? '' : 's'}`;
  const what =
    undecryptable.length >= itemCount
      ? 'no key could decrypt any item'
      : `no key could decrypt ${undecryptable.length} of ${itemCount} items`;
  return (
    `hint: ${what}; tried ${keys} with scope ${d.scope} (label "${d.label}"). ` +
    'Was the SealedSecret renamed, moved to another namespace, or sealed for another cluster?'
  );
}

/** Compat §6.10: unseal one SealedSecret offline with backed-up private keys and print the v1 Secret. */
export async function runRecoveryUnseal(ctx: RunContext, keyFiles: readonly string[]): Promise<void> {
  const keys = await readRecoveryKeys(ctx.io.fs, keyFiles);
  const [doc] = await readDocuments(await ctx.readInput(), 'sealed-secrets');
  if (doc === undefined) {
    throw new CliError('INPUT', 'no sealed secrets found. Ensure the input is valid and UTF-8 encoded');
  }
  const ss = sealedSecretFromDocument(doc);
  let secret;
  try {
    secret = await unsealSealedSecret(ss, {
      decrypt: keysDecryptor(keys.map((k) => k.privateKey)),
      keyCount: keys.length,
      acceptDeprecatedV1Data: false,
      // Templates are untrusted input: the engine stops itself at this budget (and each step is bounded by its
      // work limits), so a hostile template cannot hang the process.
      templateTimeBudget: { ms: DEFAULT_TEMPLATE_TIME_BUDGET_MS, now: () => performance.now() },
    });
  } catch (error) {
    if (error instanceof UnsealError) {
      const hint = unsealHint(error, Object.keys(ss.spec.encryptedData).length);
      // Why (issue 14): the seal hints, else trial decryptions under the other scopes' labels (values wiped
      // inside the probe); loaded only on this failure.
      const causes = isDecryptFailure(error.failures)
        ? await (
            await import('../keys/offline-validate.js')
          ).recoveryCauses(ss, keys, firstFailedCiphertext(ss, error.failures))
        : [];
      throw new CliError('INPUT', error.message, {
        cause: error,
        hints: [...(hint === undefined ? [] : [hint]), ...causes],
      });
    }
    throw error;
  }
  const format = ctx.format();
  ctx.output.write(
    await renderDocument(orderSecret({ ...secret, apiVersion: 'v1', kind: 'Secret' }), format),
  );
}
