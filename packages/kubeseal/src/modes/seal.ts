import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderDocument } from '../format/render.js';
import { parseDocuments } from '../io/documents.js';
import { sealOne, secretFromDocument } from './seal-one.js';

/** Compat §6.5: seal every input Secret, writing each SealedSecret in input order. */
export async function runSeal(ctx: RunContext): Promise<void> {
  const cert = await ctx.certificate();
  const documents = await parseDocuments(await ctx.readInput());
  if (documents.length === 0) {
    throw new CliError('INPUT', 'no secrets found. Ensure the input is valid and UTF-8 encoded');
  }
  const format = ctx.format();
  for (const doc of documents) {
    const sealed = await sealOne(ctx, secretFromDocument(doc), cert.publicKey);
    ctx.output.write(await renderDocument(orderSealedSecret(sealed), format));
  }
}
