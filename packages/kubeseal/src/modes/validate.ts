import { describeHttpFailure } from '../cluster/controller-client.js';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderJson } from '../format/render.js';
import { readDocuments } from '../io/documents.js';
import { sealedSecretFromDocument, withoutTemplateNulls } from './sealed-input.js';

/** Compat §6.8: ask the controller (`/v1/verify`) whether every input SealedSecret can be decrypted. */
export async function runValidate(ctx: RunContext): Promise<void> {
  const controller = await ctx.controller();
  const documents = await readDocuments(await ctx.readInput(), 'sealed-secrets');
  if (documents.length === 0) {
    throw new CliError('INPUT', 'no sealed secrets found. Ensure the input is valid and UTF-8 encoded');
  }
  // Every document is checked before the first request.
  // /v1/verify never looks at template.data, so its null entries (a v0.40 feature) do not matter here.
  const sealedSecrets = documents.map((doc) =>
    sealedSecretFromDocument({ ...doc, value: withoutTemplateNulls(doc.value) }),
  );
  for (const ss of sealedSecrets) {
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
      // Why (issue 14): from the seal hints and the controller's key list; loaded only on this failure.
      const { validateCauses } = await import('../keys/offline-validate.js');
      throw new CliError('CLUSTER', `unable to decrypt sealed secret: ${ss.metadata.name ?? ''}`, {
        hints: await validateCauses(ss, controller),
      });
    }
    if (status < 200 || status > 299)
      throw new CliError('CLUSTER', `cannot validate sealed secret: ${failure}`);
  }
}
