import { SEALED_SECRET_API_VERSION, SEALED_SECRET_KIND } from '@ssts/core';
import { describeHttpFailure } from '../cluster/controller-client.js';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderDocument, renderJson } from '../format/render.js';
import { parseDocuments } from '../io/documents.js';
import { sealedSecretFromDocument } from './sealed-input.js';

/** Compat §6.9: re-encrypt each input SealedSecret with the controller's latest key (`/v1/rotate`). */
export async function runReEncrypt(ctx: RunContext): Promise<void> {
  const documents = await parseDocuments(await ctx.readInput());
  if (documents.length === 0) {
    throw new CliError('INPUT', 'no sealed secrets found. Ensure the input is valid and UTF-8 encoded');
  }
  const format = ctx.format();
  const controller = await ctx.controller();
  for (const doc of documents) {
    const ss = sealedSecretFromDocument(doc);
    let response;
    try {
      response = await controller.rotate(renderJson(orderSealedSecret(ss)));
    } catch (error) {
      throw new CliError('CLUSTER', `cannot re-encrypt secret: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (response.status === 409) throw new CliError('CLUSTER', 'unable to rotate secret');
    if (response.status < 200 || response.status > 299) {
      throw new CliError('CLUSTER', `cannot re-encrypt secret: ${describeHttpFailure(response)}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(response.body.toString('utf8'));
    } catch (error) {
      throw new CliError('CLUSTER', `cannot re-encrypt secret: the controller's answer is not JSON`, {
        cause: error,
      });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new CliError('CLUSTER', `cannot re-encrypt secret: the controller's answer is not an object`);
    }
    // The Go controller answers without apiVersion/kind; ours may add them. Either way we set them.
    const { kind: _kind, apiVersion: _apiVersion, ...fields } = body as Record<string, unknown>;
    const rotated = sealedSecretFromDocument({ index: doc.index, value: fields }, 'response');
    const metadata = { ...rotated.metadata };
    delete metadata.creationTimestamp;
    delete metadata.deletionTimestamp;
    delete metadata.generation;
    const out = { ...rotated, apiVersion: SEALED_SECRET_API_VERSION, kind: SEALED_SECRET_KIND, metadata };
    ctx.output.write(await renderDocument(orderSealedSecret(out), format));
  }
}
