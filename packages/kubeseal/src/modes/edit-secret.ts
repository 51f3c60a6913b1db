import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  decodeBase64Strict,
  encryptionLabel,
  hybridDecrypt,
  publicKeyFingerprint,
  scopeFromAnnotations,
  sealHintAnnotations,
  sealRawValue,
  secretPlaintexts,
} from '@ssts/core';
import { stringify } from '../io/yaml.js';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { readDocuments } from '../io/documents.js';
import { makeTag, tagAnnotation } from '../update/update-tags.js';
import { readRecoveryKeys } from './recovery-keys.js';
import { readEditedFile, writeEditedFile } from './edit-item.js';
import { findSealedSecret, readUpdateKey } from './seal-update.js';
import { secretFromDocument } from './seal-one.js';

export const NOT_A_TERMINAL =
  'edit needs a terminal on stdin (it opens an editor); scripts change items with kubeseal set and unset';

/** Text that reads back as itself from YAML and has no control characters but tab and newline. */
function isEditableText(value: Buffer): boolean {
  const text = value.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(value)) return false;
  return !value.some((byte) => (byte < 0x20 && byte !== 0x09 && byte !== 0x0a) || byte === 0x7f);
}

/** The file the editor opens: a v1 Secret, text values under stringData, the others base64 under data. */
export function editableDocument(
  where: { file: string; name: string; namespace: string },
  values: ReadonlyMap<string, Buffer>,
): string {
  const stringData: Record<string, string> = {};
  const data: Record<string, string> = {};
  for (const [item, value] of values) {
    if (isEditableText(value)) stringData[item] = value.toString('utf8');
    else data[item] = value.toString('base64');
  }
  const metadata = { name: where.name, ...(where.namespace !== '' && { namespace: where.namespace }) };
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata,
    ...(Object.keys(stringData).length > 0 && { stringData }),
    ...(Object.keys(data).length > 0 && { data }),
  };
  return (
    `# kubeseal edit: the values of SealedSecret ${where.name} in ${where.file}.\n` +
    '# Change, add or remove items under stringData (text) or data (base64), then save and quit: only the\n' +
    '# changed items are sealed again. The rest of this file is ignored. Exit the editor with an error\n' +
    '# (vi: :cq) to change nothing. This file is overwritten and removed when kubeseal exits.\n' +
    stringify(secret, { lineWidth: 0 })
  );
}

/** The items of the edited file; its messages never quote the file (it holds the values). */
export async function editedValues(bytes: Buffer): Promise<Map<string, Buffer>> {
  let docs;
  try {
    docs = await readDocuments(bytes, 'secrets');
  } catch (error) {
    throw new CliError('EDITOR', `the edited file is not a Secret (${describe(error)}); nothing was changed`);
  }
  const [doc, second] = docs;
  if (doc === undefined || second !== undefined) {
    throw new CliError('EDITOR', 'the edited file must hold exactly one Secret; nothing was changed');
  }
  try {
    return secretPlaintexts(secretFromDocument(doc));
  } catch (error) {
    throw new CliError('EDITOR', `the edited file is not a Secret (${describe(error)}); nothing was changed`);
  }
}

function describe(error: unknown): string {
  // Parser and base64 errors name lines, columns and offsets, never the text.
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : 'unreadable';
}

/**
 * `kubeseal edit NAME -f FILE --recovery-private-key KEY`: decrypt NAME's items with the backed-up keys, let the
 * user edit them, seal the changed and added ones (for `--cert`, else for the key that decrypted them) and remove
 * the removed ones, editing FILE in place byte-minimally. No value is ever printed.
 */
export async function runEdit(
  ctx: RunContext,
  mode: { file: string; name: string; keyFiles: readonly string[]; updateKeyFile: string },
): Promise<void> {
  if (!ctx.io.stdin.isTTY) throw new CliError('INVALID_ARGUMENT', NOT_A_TERMINAL);
  const keys = await readRecoveryKeys(ctx.io.fs, mode.keyFiles);
  const updateKey = mode.updateKeyFile === '' ? undefined : await readUpdateKey(ctx, mode.updateKeyFile);
  const bytes = await readEditedFile(ctx, mode.file);
  const docs = await readDocuments(bytes, 'sealed-secrets');
  const wanted = ctx.options.namespace === '' ? undefined : ctx.options.namespace;
  const ss = findSealedSecret(docs, mode.file, mode.name, wanted);
  const namespace = ss.metadata.namespace ?? '';
  const scope = scopeFromAnnotations(ss.metadata.annotations);
  const label = encryptionLabel(namespace, mode.name, scope);
  const values = new Map<string, Buffer>();
  let decryptedWith: KeyObject | undefined;
  for (const [item, ciphertext] of Object.entries(ss.spec.encryptedData)) {
    const key = keys.find((k) => {
      try {
        values.set(item, hybridDecrypt(k.privateKey, decodeBase64Strict(ciphertext), label));
        return true;
      } catch {
        return false;
      }
    });
    if (key === undefined) {
      throw new CliError('INPUT', `${mode.file}: no given key decrypts item ${item} of ${mode.name}`, {
        hints: [
          `hint: tried ${keys.length} key${keys.length === 1 ? '' : 's'} with scope ${scope}; ` +
            'was it renamed, moved to another namespace, or sealed for another cluster?',
        ],
      });
    }
    decryptedWith ??= key.privateKey;
  }
  const publicKey =
    ctx.options.cert !== ''
      ? (await ctx.certificate()).publicKey
      : createPublicKey(decryptedWith ?? keys[0]?.privateKey ?? '');
  const { editInEditor } = await import('../edit/editor-session.js');
  const edited = await editedValues(
    await editInEditor(Buffer.from(editableDocument({ ...mode, namespace }, values), 'utf8'), {
      env: ctx.env as Readonly<Record<string, string | undefined>>,
      fileName: `${mode.name}.yaml`,
    }),
  );

  const edit = await import('../format/edit-in-place.js');
  const target = { file: mode.file, name: mode.name, namespace: namespace === '' ? undefined : namespace };
  const fingerprint = publicKeyFingerprint(publicKey);
  const labelText = label.toString('utf8');
  const original = bytes.toString('utf8');
  let text = original;
  const counts = { changed: 0, added: 0, removed: 0 };
  const tags: Record<string, string> = {};
  const staleTags: string[] = [];
  for (const [item, value] of [...edited].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const before = values.get(item);
    if (before !== undefined && before.equals(value)) continue;
    counts[before === undefined ? 'added' : 'changed']++;
    const ciphertext = sealRawValue(publicKey, value, { namespace, name: mode.name, scope });
    text = edit.setEncryptedItem(text, { ...target, key: item, ciphertext });
    if (updateKey !== undefined)
      tags[tagAnnotation(item)] = makeTag(
        updateKey,
        { fingerprint, label: labelText, item, ciphertext },
        value,
      );
    else staleTags.push(tagAnnotation(item));
  }
  for (const item of Object.keys(ss.spec.encryptedData)) {
    if (edited.has(item)) continue;
    counts.removed++;
    text = edit.unsetEncryptedItem(text, { ...target, key: item });
    staleTags.push(tagAnnotation(item));
  }
  for (const map of [values, edited]) map.forEach((value) => value.fill(0));
  const changed = counts.changed + counts.added + counts.removed > 0;
  text = edit.unsetTopLevelAnnotations(text, target, staleTags);
  const hints = ctx.options.sealHints && changed ? sealHintAnnotations(ss.metadata, fingerprint) : {};
  text = edit.setTopLevelAnnotations(text, target, { ...tags, ...hints });
  ctx.io.stderr.write(
    changed
      ? `${mode.name}: ${counts.changed} changed, ${counts.added} added, ${counts.removed} removed\n`
      : `${mode.name}: no changes\n`,
  );
  if (text === original) return;
  await writeEditedFile(ctx, mode.file, text);
}
