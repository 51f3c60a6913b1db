import {
  parseScope,
  publicKeyFingerprint,
  scopeFromAnnotations,
  withSealHints,
  type SealedSecret,
} from '@ssts/core';
import type { RunContext } from '../context.js';
import { CliError, describeFsError } from '../errors.js';
import { orderSealedSecret, type OutputSealedSecret } from '../format/go-order.js';
import { renderDocument, resolveFormat, type OutputFormat } from '../format/render.js';
import { NO_SECRETS, conversionWarning, readDocuments } from '../io/documents.js';
import { isDeepStrictEqual } from 'node:util';
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
  // JSON files keep the full render (upstream rewrote FILE as JSON; its goldens and parity pin Go's key order). So
  // does a YAML file already in go-yaml's form (FILE is its own render): there the render changes only the merged
  // lines, with go-yaml's key order and quoting, byte for byte as Go writes it.
  const edited =
    format === 'yaml' && target.format === 'yaml' && !(await isOwnRender(text, original, templateData))
      ? await editInPlace(text.toString('utf8'), file, { original, hinted, sealed, merged: rendered })
      : undefined;
  for (const input of inputs) {
    const warning = conversionWarning(input);
    if (warning !== undefined) ctx.io.stderr.write(`${warning}\n`);
  }
  try {
    await ctx.io.fs.writeFileAtomic(file, edited ?? rendered);
  } catch (error) {
    throw new CliError('OUTPUT', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Whether FILE's bytes are the full YAML render of its own SealedSecret (as kubeseal and Go write it). */
async function isOwnRender(
  text: Buffer,
  original: SealedSecret,
  templateData: ReturnType<typeof templateDataWithNulls>,
): Promise<boolean> {
  const template = { ...original.spec.template, ...(templateData !== undefined && { data: templateData }) };
  const own: OutputSealedSecret = { ...original, spec: { ...original.spec, template } };
  return (await renderDocument(orderSealedSecret(own), 'yaml')) === text.toString('utf8');
}

/**
 * Issue 15 item 2: FILE edited in place with the verbs' editor (format/edit-in-place.ts), so only the merged items,
 * template labels and annotations and the seal hints change; comments, quoting, key order, untouched ciphertexts
 * and other documents stay byte for byte. The full render stays the specification: the edited text's SealedSecret
 * must read back equal to it, else (legacy spec.data, missing maps, unusual layouts) `undefined` and the caller
 * writes the full render.
 */
async function editInPlace(
  text: string,
  file: string,
  args: { original: SealedSecret; hinted: SealedSecret; sealed: SealedSecret; merged: string },
): Promise<string | undefined> {
  const { original, hinted, sealed } = args;
  const name = original.metadata.name ?? '';
  const namespace = original.metadata.namespace;
  const target = { file, name, namespace: namespace === '' ? undefined : namespace };
  let out = text;
  try {
    const edit = await import('../format/edit-in-place.js');
    const items = Object.entries(sealed.spec.encryptedData).sort(([a], [b]) => (a < b ? -1 : 1));
    // Keys go-yaml writes plain and orders as JavaScript does; others (quoted, long, digit runs) take the render.
    const added = sealed.spec.template?.metadata;
    const keys = [
      ...items.map(([key]) => key),
      ...Object.keys(added?.labels ?? {}),
      ...Object.keys(added?.annotations ?? {}),
    ];
    if (!keys.every((key) => SIMPLE_KEY.test(key) && key.length <= 128)) return undefined;
    for (const [key, ciphertext] of items) out = edit.setEncryptedItem(out, { ...target, key, ciphertext });
    for (const field of ['annotations', 'labels'] as const) {
      const entries = added?.[field];
      if (entries !== undefined && Object.keys(entries).length > 0)
        out = edit.setTemplateMetadataEntries(out, target, field, entries);
    }
    const before = original.metadata.annotations ?? {};
    const hints = Object.fromEntries(
      Object.entries(hinted.metadata.annotations ?? {}).filter(([key, value]) => before[key] !== value),
    );
    if (Object.keys(hints).length > 0) out = edit.setTopLevelAnnotations(out, target, hints);
    const [editedDoc] = await readDocuments(Buffer.from(out), 'sealed-secrets');
    const [renderedDoc] = await readDocuments(Buffer.from(args.merged), 'sealed-secrets');
    if (editedDoc === undefined || renderedDoc === undefined) return undefined;
    if (!isDeepStrictEqual(editedDoc.value, renderedDoc.value)) return undefined;
    // And read as YAML 1.2 (yaml's default, what editors and most tools use) too: no scalar may read differently.
    return isDeepStrictEqual(await sealedSecret12(out), await sealedSecret12(args.merged)) ? out : undefined;
  } catch {
    return undefined;
  }
}

const SIMPLE_KEY = /^[a-z][a-z.-]*(?:\/[a-z][a-z.-]*)?$/;

/** The first SealedSecret of `text` read as YAML 1.2 by the `yaml` library. */
async function sealedSecret12(text: string): Promise<unknown> {
  const { parseAllDocuments } = await import('../io/yaml.js');
  const docs = parseAllDocuments(text, { version: '1.2' });
  if (!Array.isArray(docs)) return undefined;
  for (const doc of docs) {
    const value = doc.toJS({ maxAliasCount: 0 }) as { kind?: unknown } | null;
    if (value !== null && typeof value === 'object' && value.kind === 'SealedSecret') return value;
  }
  return undefined;
}
