import { parseScope, scopeFromAnnotations } from '@ssts/core';
import type { RunContext } from '../context.js';
import { CliError, describeFsError } from '../errors.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderDocument, resolveFormat, type OutputFormat } from '../format/render.js';
import { parseDocuments } from '../io/documents.js';
import { sealOne, secretFromDocument } from './seal-one.js';
import { sealedSecretFromDocument } from './sealed-input.js';

/**
 * Compat §6.7: seal the input Secret under FILE's name and namespace and merge its items, template labels and
 * template annotations into FILE (new wins), then rewrite FILE atomically. Nothing goes to stdout.
 */
export async function runMergeInto(ctx: RunContext, file: string): Promise<void> {
  const cert = await ctx.certificate();
  let text: Buffer;
  try {
    text = await ctx.io.fs.readFile(file);
  } catch (error) {
    throw new CliError('INPUT', describeFsError('open', file, error), { cause: error });
  }
  const [target] = await parseDocuments(text);
  if (target === undefined) throw new CliError('INPUT', `${file}: no SealedSecret found`);
  const original = sealedSecretFromDocument(target, file);

  const [input] = await parseDocuments(await ctx.readInput());
  if (input === undefined)
    throw new CliError('INPUT', 'no secrets found. Ensure the input is valid and UTF-8 encoded');
  const secret = secretFromDocument(input);
  // Fixed quirk: the items must use FILE's scope (its label is what the controller will use), so a conflicting
  // request is an error instead of silently producing undecryptable items.
  const fileScope = scopeFromAnnotations(original.metadata.annotations);
  const inputScope = scopeFromAnnotations(secret.metadata.annotations);
  const hasScopeAnnotation = inputScope !== 'strict' || ctx.options.scopeExplicit;
  const requested = ctx.options.scopeExplicit ? parseScope(ctx.options.scope) : inputScope;
  if (hasScopeAnnotation && requested !== fileScope) {
    throw new CliError(
      'INVALID_ARGUMENT',
      `cannot merge a secret sealed with scope ${requested} into ${file}, which is sealed with scope ${fileScope}`,
    );
  }
  const sealed = await sealOne(ctx, secret, cert.publicKey, {
    name: original.metadata.name ?? '',
    namespace: original.metadata.namespace ?? '',
    scope: fileScope,
  });

  // Upstream panics on missing maps here; we create them.
  const template = { ...original.spec.template };
  const metadata = { ...template.metadata };
  const added = sealed.spec.template?.metadata;
  if (added?.annotations !== undefined)
    metadata.annotations = { ...metadata.annotations, ...added.annotations };
  if (added?.labels !== undefined) metadata.labels = { ...metadata.labels, ...added.labels };
  template.metadata = metadata;
  const merged = {
    ...original,
    spec: {
      ...original.spec,
      template,
      encryptedData: { ...original.spec.encryptedData, ...sealed.spec.encryptedData },
    },
  };

  // Without an explicit -o the file keeps its own format (upstream always rewrote it as JSON).
  const fileFormat: OutputFormat = text.toString('utf8').trimStart().startsWith('{') ? 'json' : 'yaml';
  const format = ctx.options.formatExplicit ? resolveFormat(ctx.options.format, undefined) : fileFormat;
  const rendered = await renderDocument(orderSealedSecret(merged), format);
  try {
    await ctx.io.fs.writeFileAtomic(file, rendered);
  } catch (error) {
    throw new CliError('OUTPUT', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}
