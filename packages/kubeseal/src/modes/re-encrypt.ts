import {
  SEALED_SECRET_API_VERSION,
  SEALED_SECRET_KIND,
  SEAL_HINT_ANNOTATIONS,
  publicKeyFingerprint,
  withSealHints,
  withoutSealHints,
  type ObjectMeta,
  type SealedSecret,
} from '@ssts/core';
import { describeHttpFailure } from '../cluster/controller-client.js';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { orderSealedSecret } from '../format/go-order.js';
import { renderDocument, renderJson } from '../format/render.js';
import { readDocuments } from '../io/documents.js';
import { sealedSecretFromDocument, templateDataWithNulls, withoutTemplateNulls } from './sealed-input.js';

/**
 * What the v0.40 `/v1/rotate` answer changed in the Secret the SealedSecret produces (it re-encrypts
 * `encryptedData` only and drops `template.data`): keys only `template.data` produced are lost, and keys a null
 * `template.data` entry suppressed come back.
 */
export function templateChanges(
  input: Readonly<Record<string, string | null>> | undefined,
  answer: SealedSecret,
): { lost: string[]; back: string[] } {
  if (input === undefined) return { lost: [], back: [] };
  const encrypted = new Set(Object.keys(answer.spec.encryptedData));
  const answerTemplate: Readonly<Record<string, unknown>> = answer.spec.template?.data ?? {};
  const entries = Object.entries(input);
  const lost = entries.filter(
    ([k, v]) => v !== null && !encrypted.has(k) && !Object.hasOwn(answerTemplate, k),
  );
  const back = entries.filter(
    ([k, v]) => v === null && encrypted.has(k) && !Object.hasOwn(answerTemplate, k),
  );
  return { lost: lost.map(([k]) => k).sort(), back: back.map(([k]) => k).sort() };
}

function templateWarning(name: string, changes: { lost: string[]; back: string[] }): string | undefined {
  const parts = [];
  if (changes.lost.length > 0) parts.push(`no longer produces ${changes.lost.join(', ')}`);
  if (changes.back.length > 0)
    parts.push(`produces again ${changes.back.join(', ')} (suppressed by a null entry)`);
  if (parts.length === 0) return undefined;
  return (
    `warning: ${name}: the re-encrypted SealedSecret ${parts.join(' and ')}: the controller's /v1/rotate drops ` +
    'spec.template.data (since v0.40.0); copy spec.template.data back from the original'
  );
}

const hasHints = (metadata: ObjectMeta | undefined): boolean =>
  SEAL_HINT_ANNOTATIONS.some((a) => metadata?.annotations?.[a] !== undefined);

function metadataWithoutHints(metadata: ObjectMeta): ObjectMeta {
  if (!hasHints(metadata)) return metadata;
  const annotations = withoutSealHints(metadata.annotations) ?? {};
  const { annotations: _old, ...rest } = metadata;
  return Object.keys(annotations).length === 0 ? rest : { ...rest, annotations };
}

/**
 * What is posted to /v1/rotate: the SealedSecret without its seal hints, which name the old key. Left in, the
 * controller's metadata alignment (upstream's) would copy them into spec.template, so the answer (and the Secret
 * it produces) would carry a stale sealed-with hint.
 */
function withoutHints(ss: SealedSecret): SealedSecret {
  const template = ss.spec.template;
  return {
    ...ss,
    metadata: metadataWithoutHints(ss.metadata),
    spec: {
      ...ss.spec,
      ...(template?.metadata !== undefined &&
        template.metadata !== null && {
          template: { ...template, metadata: metadataWithoutHints(template.metadata) },
        }),
    },
  };
}

/**
 * Compat §6.9: re-encrypt each input SealedSecret with the controller's latest key (`/v1/rotate`). A document that
 * carried seal hints (or every document, with --seal-hints) gets fresh ones naming the controller's current
 * certificate.
 */
export async function runReEncrypt(ctx: RunContext): Promise<void> {
  const documents = await readDocuments(await ctx.readInput(), 'sealed-secrets');
  if (documents.length === 0) {
    throw new CliError('INPUT', 'no sealed secrets found. Ensure the input is valid and UTF-8 encoded');
  }
  const format = ctx.format();
  // Every document is checked before the first request, and nothing is written before the last answer.
  // /v1/rotate ignores template.data, so its null entries (a v0.40 feature) do not matter here.
  const inputs = documents.map((doc) => ({
    doc,
    ss: sealedSecretFromDocument({ ...doc, value: withoutTemplateNulls(doc.value) }),
  }));
  const controller = await ctx.controller();
  const hinted = inputs.map(({ ss }) => ctx.options.sealHints || hasHints(ss.metadata));
  const fingerprint = hinted.includes(true)
    ? publicKeyFingerprint((await ctx.certificate()).publicKey)
    : undefined;
  const rendered: string[] = [];
  const warnings: string[] = [];
  for (const [index, { doc, ss }] of inputs.entries()) {
    let response;
    try {
      response = await controller.rotate(renderJson(orderSealedSecret(withoutHints(ss))));
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
    const bare = { ...rotated, apiVersion: SEALED_SECRET_API_VERSION, kind: SEALED_SECRET_KIND, metadata };
    const out = fingerprint !== undefined && hinted[index] === true ? withSealHints(bare, fingerprint) : bare;
    rendered.push(await renderDocument(orderSealedSecret(out), format));
    const warning = templateWarning(
      ss.metadata.name ?? '',
      templateChanges(templateDataWithNulls(doc.value), rotated),
    );
    if (warning !== undefined) warnings.push(warning);
  }
  for (const warning of warnings) ctx.io.stderr.write(`${warning}\n`);
  for (const text of rendered) ctx.output.write(text);
}
