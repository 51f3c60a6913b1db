// `kubeseal reencrypt <dir>` (issue 14): every SealedSecret in the YAML and JSON files of a directory tree, sent to
// /v1/rotate one at a time (rate limit waited out as in cluster mode), and only `spec.encryptedData` (or the legacy
// `spec.data`) rewritten in place: only the ciphertexts' bytes change (format/edit-in-place.ts, the verbs' editor),
// so comments, quoting, key order, other documents and other fields stay byte for byte; a file holding the legacy
// `spec.data` is written again through the `yaml` document model instead. A file is written atomically and
// only when something changed; a file that cannot be parsed or rotated is reported and left untouched.
import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { ControllerClient } from '../cluster/controller-client.js';
import type { FileSystem } from '../io/io.js';
import { MAX_INPUT_BYTES } from '../io/limits.js';
import {
  rotateOne,
  rotatedValues,
  type ReencryptOutcome,
  type RotatedValues as Values,
} from './reencrypt.js';

/** Most files looked at under one root. */
export const MAX_TREE_FILES = 10_000;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface FileProgress {
  readonly done: number;
  readonly total: number;
  readonly file: string;
  /** `current`: no SealedSecret in the file. */
  readonly outcome: ReencryptOutcome;
}

export interface FilesResult {
  /** Files rewritten, with the number of SealedSecrets re-encrypted in each. */
  readonly reencrypted: readonly { readonly file: string; readonly sealedSecrets: number }[];
  readonly failed: readonly { readonly file: string; readonly error: string }[];
  /** Files without a SealedSecret. */
  readonly untouched: readonly string[];
}

/**
 * The YAML and JSON files under `root`, sorted: regular files only (symbolic links are not followed), hidden
 * directories (`.git`) skipped, at most MAX_TREE_FILES.
 */
export async function listManifestFiles(root: string, maxFiles = MAX_TREE_FILES): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.')) await walk(path);
      } else if (entry.isFile() && EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        files.push(path);
        if (files.length > maxFiles)
          throw new Error(`more than ${maxFiles} YAML and JSON files under ${root}`);
      }
    }
  };
  await walk(root);
  return files;
}

const isSealedSecret = (value: unknown): value is { kind: string; spec: unknown } =>
  typeof value === 'object' &&
  value !== null &&
  (value as { kind?: unknown }).kind === 'SealedSecret' &&
  typeof (value as { spec?: unknown }).spec === 'object';

/** A rotate request body: the document without status (its server-side metadata is ignored by /v1/rotate). */
function requestOf(value: Record<string, unknown>): string {
  const { status: _status, ...rest } = value;
  return JSON.stringify({ apiVersion: 'bitnami.com/v1alpha1', ...rest });
}

/** Metadata naming the SealedSecret to edit in place (edit-in-place.ts finds it by name and namespace). */
function target(value: Record<string, unknown>): { name: string; namespace: string | undefined } {
  const metadata = (value['metadata'] ?? {}) as { name?: unknown; namespace?: unknown };
  return {
    name: typeof metadata.name === 'string' ? metadata.name : '',
    namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
  };
}

/**
 * The new values spliced into the text (format/edit-in-place.ts): only the ciphertext bytes change; comments,
 * quoting, key order and the other documents stay byte for byte.
 */
async function spliceValues(
  text: string,
  file: string,
  edits: readonly { name: string; namespace: string | undefined; encryptedData: Record<string, string> }[],
): Promise<string> {
  const { setEncryptedItem } = await import('../format/edit-in-place.js');
  let out = text;
  for (const { name, namespace, encryptedData } of edits)
    for (const [key, ciphertext] of Object.entries(encryptedData))
      out = setEncryptedItem(out, { file, name, namespace, key, ciphertext });
  return out;
}

async function rewriteJson(
  text: string,
  file: string,
  rotate: (json: string) => Promise<Values>,
): Promise<{ text: string; count: number }> {
  const value = JSON.parse(text) as unknown;
  if (!isSealedSecret(value)) return { text, count: 0 };
  const record = value as unknown as Record<string, unknown>;
  const values = await rotate(requestOf(record));
  if ('encryptedData' in values) {
    return { text: await spliceValues(text, file, [{ ...target(record), ...values }]), count: 1 };
  }
  // The legacy spec.data: the document is written again (no minimal edit for it).
  const spec = { ...(value.spec as Record<string, unknown>), ...values };
  return { text: `${JSON.stringify({ ...value, spec }, null, 2)}\n`, count: 1 };
}

async function rewriteYaml(
  text: string,
  file: string,
  rotate: (json: string) => Promise<Values>,
): Promise<{ text: string; count: number }> {
  const { parseAllDocuments } = await import('../io/yaml.js');
  const documents = parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(documents)) return { text, count: 0 };
  const edits: { name: string; namespace: string | undefined; encryptedData: Record<string, string> }[] = [];
  let legacy = false;
  let count = 0;
  for (const doc of documents) {
    const error = doc.errors[0];
    if (error !== undefined) throw new Error(error.message);
    // No aliases: a SealedSecret never needs them, and they are how a small file becomes a huge value.
    const value = doc.toJS({ maxAliasCount: 0 }) as unknown;
    if (!isSealedSecret(value)) continue;
    const record = value as unknown as Record<string, unknown>;
    const values = await rotate(requestOf(record));
    count++;
    if ('data' in values) {
      doc.setIn(['spec', 'data'], values.data);
      legacy = true;
    } else {
      for (const [key, v] of Object.entries(values.encryptedData))
        doc.setIn(['spec', 'encryptedData', key], v);
      edits.push({ ...target(record), ...values });
    }
  }
  if (count === 0) return { text, count };
  // The legacy spec.data has no minimal edit: a file holding it is written again through the document model.
  if (legacy) return { text: documents.map((d) => d.toString()).join(''), count };
  return { text: await spliceValues(text, file, edits), count };
}

/**
 * Re-encrypts the SealedSecrets of `files` (e.g. from listManifestFiles) to the controller's newest key. One
 * file's failure is recorded and the others go on.
 */
export async function reencryptFiles(
  fs: FileSystem,
  files: readonly string[],
  controller: ControllerClient,
  options: {
    readonly onProgress?: (p: FileProgress) => void;
    readonly sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<FilesResult> {
  const reencrypted: { file: string; sealedSecrets: number }[] = [];
  const failed: { file: string; error: string }[] = [];
  const untouched: string[] = [];
  const rotate = async (json: string) => rotatedValues(await rotateOne(controller, json, options.sleep));
  for (const [index, file] of files.entries()) {
    let outcome: ReencryptOutcome;
    try {
      const bytes = await fs.readFile(file, MAX_INPUT_BYTES);
      if (bytes.length > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES} bytes`);
      const text = bytes.toString('utf8');
      const result =
        extname(file).toLowerCase() === '.json'
          ? await rewriteJson(text, file, rotate)
          : await rewriteYaml(text, file, rotate);
      if (result.count === 0) {
        untouched.push(file);
        outcome = 'current';
      } else {
        await fs.writeFileAtomic(file, result.text);
        reencrypted.push({ file, sealedSecrets: result.count });
        outcome = 'reencrypted';
      }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // The report line names the file itself: a message that starts with it would name it twice.
      failed.push({
        file,
        error: message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message,
      });
      outcome = 'failed';
    }
    options.onProgress?.({ done: index + 1, total: files.length, file, outcome });
  }
  return { reencrypted, failed, untouched };
}
