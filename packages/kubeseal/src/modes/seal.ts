import { publicKeyFingerprint, withSealHints } from '@ssts/core';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderDocument } from '../format/render.js';
import { NO_SECRETS, conversionWarning, readDocuments } from '../io/documents.js';
import { sealOne, secretFromDocument } from './seal-one.js';

/**
 * Compat §6.5: seal every input Secret, writing the SealedSecrets in input order. Every document is read, checked
 * and sealed before the first byte is written, so an error in document 2 leaves no output at all.
 */
export async function runSeal(ctx: RunContext): Promise<void> {
  const cert = await ctx.certificate();
  const documents = await readDocuments(await ctx.readInput(), 'secrets');
  if (documents.length === 0) throw new CliError('INPUT', NO_SECRETS);
  const format = ctx.format();
  const rendered: string[] = [];
  const fingerprint = ctx.options.sealHints ? publicKeyFingerprint(cert.publicKey) : undefined;
  for (const doc of documents) {
    const bare = await sealOne(ctx, secretFromDocument(doc), cert.publicKey);
    const sealed = fingerprint === undefined ? bare : withSealHints(bare, fingerprint);
    rendered.push(await renderDocument(orderSealedSecret(sealed), format));
  }
  for (const doc of documents) {
    const warning = conversionWarning(doc);
    if (warning !== undefined) ctx.io.stderr.write(`${warning}\n`);
  }
  for (const text of rendered) ctx.output.write(text);
}
