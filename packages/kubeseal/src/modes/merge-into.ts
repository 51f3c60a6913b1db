import { parseScope, publicKeyFingerprint, scopeFromAnnotations, withSealHints } from '@ssts/core';
import type { RunContext } from '../context.js';
import { CliError, describeFsError } from '../errors.js';
import { orderSealedSecret, type OutputSealedSecret } from '../format/go-order.js';
import { renderDocument, resolveFormat, type OutputFormat } from '../format/render.js';
import { NO_SECRETS, conversionWarning, readDocuments } from '../io/documents.js';
import { MAX_INPUT_BYTES } from '../io/limits.js';
import { sealOne, secretFromDocument } from './seal-one.js';
import { sealedSecretFromDocument, templateDataWithNulls, withoutTemplateNulls } from './sealed-input.js';

// Upstream seals the input to JSON and decodes that as one object: a second SealedSecret fails there.
const MULTIPLE_SECRETS =
  "couldn't get version/kind; json parse error: invalid character '{' after top-level value";

/**
 * Compat §6.7: seal the input Secret under FILE's name and namespace and merge its items, template labels and
 * template annotations into FILE (new wins), then rewrite FILE atomically. FILE's other fields (its `status`,
 * null `template.data` entries) are kept. Nothing goes to stdout.
 */
export async function runMergeInto(ctx: RunContext, file: string): Promise<void> {
  const cert = await ctx.certificate();
  let text: Buffer;
  try {
    text = await ctx.io.fs.readFile(file, MAX_INPUT_BYTES);
  } catch (error) {
    throw new CliError('INPUT', describeFsError('open', file, error), { cause: error });
  }
  const [target] = await readDocuments(text, 'sealed-secrets');
  if (target === undefined) throw new CliError('INPUT', `${file}: no SealedSecret found`);
  const original = sealedSecretFromDocument({ ...target, value: withoutTemplateNulls(target.value) }, file);
  const templateData = templateDataWithNulls(target.value);

  const inputs = await readDocuments(await ctx.readInput(), 'secrets');
  if (inputs.length === 0) throw new CliError('INPUT', NO_SECRETS);
  // Fixed quirk: the items must use FILE's scope (its label is what the controller will use), so a conflicting
  // request is an error instead of silently producing undecryptable items.
  const fileScope = scopeFromAnnotations(original.metadata.annotations);
  const identity = {
    name: original.metadata.name ?? '',
    namespace: original.metadata.namespace ?? '',
    scope: fileScope,
  };
  const sealedInputs = [];
  for (const input of inputs) {
    const secret = secretFromDocument(input);
    const inputScope = scopeFromAnnotations(secret.metadata.annotations);
    const hasScopeAnnotation = inputScope !== 'strict' || ctx.options.scopeExplicit;
    const requested = ctx.options.scopeExplicit ? parseScope(ctx.options.scope) : inputScope;
    if (hasScopeAnnotation && requested !== fileScope) {
      throw new CliError(
        'INVALID_ARGUMENT',
        `cannot merge a secret sealed with scope ${requested} into ${file}, which is sealed with scope ${fileScope}`,
      );
    }
    sealedInputs.push(await sealOne(ctx, secret, cert.publicKey, identity));
  }
  const [sealed] = sealedInputs;
  if (sealed === undefined || inputs.length > 1) {
    throw new CliError('INPUT', MULTIPLE_SECRETS, {
      hints: [`hint: --merge-into takes one Secret, the input holds ${inputs.length}`],
    });
  }

  // Upstream panics on missing maps here; we create them.
  const template = { ...original.spec.template, ...(templateData !== undefined && { data: templateData }) };
  const metadata = { ...template.metadata };
  const added = sealed.spec.template?.metadata;
  if (added?.annotations !== undefined)
    metadata.annotations = { ...metadata.annotations, ...added.annotations };
  if (added?.labels !== undefined) metadata.labels = { ...metadata.labels, ...added.labels };
  template.metadata = metadata;
  // `seal --merge-into` (not the upstream flag, unless --seal-hints) records the key of the newest items.
  const hinted = ctx.options.sealHints
    ? withSealHints(original, publicKeyFingerprint(cert.publicKey))
    : original;
  const merged: OutputSealedSecret = {
    ...original,
    metadata: hinted.metadata,
    spec: {
      ...original.spec,
      template,
      encryptedData: { ...original.spec.encryptedData, ...sealed.spec.encryptedData },
    },
  };
  // Without an explicit -o the file keeps its own format (upstream always rewrote it as JSON).
  const format: OutputFormat = ctx.options.formatExplicit
    ? resolveFormat(ctx.options.format, undefined)
    : target.format;
  const rendered = await renderDocument(orderSealedSecret(merged), format);
  for (const input of inputs) {
    const warning = conversionWarning(input);
    if (warning !== undefined) ctx.io.stderr.write(`${warning}\n`);
  }
  try {
    await ctx.io.fs.writeFileAtomic(file, rendered);
  } catch (error) {
    throw new CliError('OUTPUT', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}
