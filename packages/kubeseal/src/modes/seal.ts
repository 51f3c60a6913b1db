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
  // With the controller's certificate (a network round trip away), the input is read and parsed while it is on its
  // way. A local or URL --cert is read first, as before (it may be /dev/stdin). Either way a certificate error wins
  // over an input error, the order upstream reports them in.
  const certificate = ctx.certificate();
  const parse = () => ctx.readInput().then((bytes) => readDocuments(bytes, 'secrets'));
  const early = ctx.options.cert === '' ? parse() : undefined;
  early?.catch(() => undefined);
  const cert = await certificate;
  const documents = await (early ?? parse());
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
