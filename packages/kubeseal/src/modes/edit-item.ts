import { publicKeyFingerprint, scopeFromAnnotations, sealHintAnnotations, sealRawValue } from '@ssts/core';
import type { RunContext } from '../context.js';
import { TTY_NOTICE_RAW, type ValueSource } from '../dispatch.js';
import { CliError, describeFsError } from '../errors.js';
import { readDocuments } from '../io/documents.js';
import { MAX_INPUT_BYTES, MAX_INPUT_TEXT } from '../io/limits.js';
import { sealedSecretFromDocument } from './sealed-input.js';

/** Kubernetes' rule for Secret keys (IsConfigMapKey). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

interface Target {
  readonly file: string;
  readonly name: string;
  readonly key: string;
}

export async function readEditedFile(ctx: RunContext, file: string): Promise<Buffer> {
  try {
    return await ctx.io.fs.readFile(file, MAX_INPUT_BYTES);
  } catch (error) {
    throw new CliError('INPUT', describeFsError('open', file, error), { cause: error });
  }
}

export async function writeEditedFile(ctx: RunContext, file: string, text: string): Promise<void> {
  try {
    await ctx.io.fs.writeFileAtomic(file, Buffer.from(text, 'utf8'));
  } catch (error) {
    throw new CliError('OUTPUT', `cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** The namespace `-n` narrows the search to, when given on the command line. */
function namespaceFilter(ctx: RunContext): string | undefined {
  return ctx.options.namespace === '' ? undefined : ctx.options.namespace;
}

/**
 * The file, read through the core's bounded reader first (size, depth, encoding: a hostile file is refused before
 * the document model sees it), and the SealedSecret `name` in it.
 */
async function readTarget(ctx: RunContext, target: Target) {
  if (!SECRET_KEY.test(target.key)) {
    throw new CliError(
      'INVALID_ARGUMENT',
      `invalid key "${target.key}": a Secret key consists of letters, digits, '-', '_' or '.'`,
    );
  }
  const bytes = await readEditedFile(ctx, target.file);
  const namespace = namespaceFilter(ctx);
  const matches = (await readDocuments(bytes, 'sealed-secrets')).filter((doc) => {
    const value = doc.value as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    return (
      value?.kind === 'SealedSecret' &&
      value.metadata?.name === target.name &&
      (namespace === undefined ||
        value.metadata.namespace === undefined ||
        value.metadata.namespace === namespace)
    );
  });
  const [doc] = matches;
  // edit-in-place names the missing and ambiguous cases in its own words.
  const sealedSecret = doc === undefined ? undefined : sealedSecretFromDocument(doc, target.file);
  return { text: bytes.toString('utf8'), sealedSecret, namespace };
}

async function readValue(ctx: RunContext, source: ValueSource): Promise<Buffer> {
  if (source.kind === 'literal') return Buffer.from(source.text, 'utf8');
  if (source.kind === 'stdin') {
    if (ctx.io.stdin.isTTY) ctx.io.stderr.write(`${TTY_NOTICE_RAW}\n`);
    return ctx.io.stdin.readAll(MAX_INPUT_BYTES);
  }
  try {
    return await ctx.io.fs.readFile(source.path, MAX_INPUT_BYTES);
  } catch (error) {
    throw new CliError('INPUT', describeFsError('open', source.path, error), { cause: error });
  }
}

/**
 * `kubeseal set NAME KEY -f FILE`: seal one value for the SealedSecret NAME of FILE (its scope, name and namespace)
 * and write it into FILE in place, changing only that item's bytes and the seal hint annotation lines.
 */
export async function runSetItem(ctx: RunContext, target: Target & { value: ValueSource }): Promise<void> {
  const { text, sealedSecret, namespace } = await readTarget(ctx, target);
  const { setEncryptedItem, setTopLevelAnnotations } = await import('../format/edit-in-place.js');
  // Checks the file can be edited before the value is read or the certificate fetched.
  setEncryptedItem(text, { ...target, namespace, ciphertext: '' });
  const metadata = sealedSecret?.metadata ?? {};
  const scope = scopeFromAnnotations(metadata.annotations);
  let sealNamespace = metadata.namespace ?? '';
  if (sealNamespace === '' && scope !== 'cluster-wide') sealNamespace = (await ctx.namespace()).namespace;
  if (sealNamespace === '' && scope !== 'cluster-wide') {
    throw new CliError(
      'INVALID_ARGUMENT',
      `${target.file}: SealedSecret ${target.name} has no namespace; give one with -n`,
    );
  }
  const cert = await ctx.certificate();
  const value = await readValue(ctx, target.value);
  if (value.length > MAX_INPUT_BYTES)
    throw new CliError('INPUT', `the value is larger than ${MAX_INPUT_TEXT}`);
  const ciphertext = sealRawValue(cert.publicKey, value, {
    namespace: sealNamespace,
    name: target.name,
    scope,
  });
  let edited = setEncryptedItem(text, { ...target, namespace, ciphertext });
  if (ctx.options.sealHints) {
    // The newest seal wins: the hints name this certificate and the target the value was sealed for.
    const hints = sealHintAnnotations(
      { ...metadata, name: target.name, namespace: sealNamespace },
      publicKeyFingerprint(cert.publicKey),
    );
    edited = setTopLevelAnnotations(edited, { ...target, namespace }, hints);
  }
  await writeEditedFile(ctx, target.file, edited);
}

/** `kubeseal unset NAME KEY -f FILE`: remove one item in place, changing only its bytes. */
export async function runUnsetItem(ctx: RunContext, target: Target): Promise<void> {
  const { text, namespace } = await readTarget(ctx, target);
  const { unsetEncryptedItem } = await import('../format/edit-in-place.js');
  await writeEditedFile(ctx, target.file, unsetEncryptedItem(text, { ...target, namespace }));
}
