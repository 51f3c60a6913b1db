import { describeHttpFailure } from '../cluster/controller-client.js';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderJson } from '../format/render.js';
import { parseDocuments } from '../io/documents.js';
import { sealedSecretFromDocument } from './sealed-input.js';

/** Compat §6.8: ask the controller (`/v1/verify`) whether every input SealedSecret can be decrypted. */
export async function runValidate(ctx: RunContext): Promise<void> {
  const controller = await ctx.controller();
  const documents = await parseDocuments(await ctx.readInput());
  if (documents.length === 0) {
    throw new CliError('INPUT', 'no sealed secrets found. Ensure the input is valid and UTF-8 encoded');
  }
  for (const doc of documents) {
    const ss = sealedSecretFromDocument(doc);
    let status: number;
    let failure: string;
    try {
      const response = await controller.verify(renderJson(orderSealedSecret(ss)));
      status = response.status;
      failure = describeHttpFailure(response);
    } catch (error) {
      throw new CliError('CLUSTER', `cannot validate sealed secret: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (status === 409) {
      throw new CliError('CLUSTER', `unable to decrypt sealed secret: ${ss.metadata.name ?? ''}`);
    }
    if (status < 200 || status > 299)
      throw new CliError('CLUSTER', `cannot validate sealed secret: ${failure}`);
  }
}
