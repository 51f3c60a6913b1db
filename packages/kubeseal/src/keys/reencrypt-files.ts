// `kubeseal reencrypt <dir>` (issues 14 and 15): every SealedSecret in the YAML and JSON files of a directory tree
// (multi-document files too) is re-encrypted to one target key by a DocumentReencryptor: online through the
// controller's /v1/rotate (reencrypt-online.ts), or offline with backed-up private keys and another cluster's
// certificate (reencrypt-offline.ts). Only the ciphertexts that change and the seal-hint lines are rewritten in
// place (format/edit-in-place.ts, the verbs' editor), so comments, quoting, key order, other documents and other
// fields stay byte for byte; a file holding the legacy `spec.data` is written again through the `yaml` document
// model instead. A document already on the target key is left alone, so a second run writes nothing. A file is
// written atomically (one file at a time: an interrupted run leaves every file whole) and only when something
// changed; a file that cannot be parsed or re-encrypted is reported and left untouched. A dry run writes nothing.
import { extname } from 'node:path';
import { SEAL_HINT_ANNOTATIONS, parseJsonDocument, sealHintAnnotations, type ObjectMeta } from '@ssts/core';
import { yamlErrorText } from '@ssts/flags';
import type { FileSystem } from '../io/io.js';
import { MAX_INPUT_BYTES } from '../io/limits.js';
import type { ReencryptOutcome, RotatedValues as Values } from './reencrypt.js';

/** Where a document's items stand, and how to move the stale ones to the target key. */
export interface DocumentCheck {
  /** Fingerprints of the keys its stale items are sealed with now (`unknown` when that cannot be told). */
  readonly from: readonly string[];
  /** Every item is on the target key already: nothing to do. */
  readonly current: boolean;
  /** How many items change, when known before re-encrypting (default: every item of the document). */
  readonly items?: number;
  /** The new values of the items that change (called only for a stale document, and never in a dry run). */
  reencrypt(): Promise<Values>;
}

/** Re-encrypts SealedSecret documents to one key. */
export interface DocumentReencryptor {
  /** The fingerprint of the key everything is re-encrypted to (written into the sealed-with hint). */
  readonly target: string;
  /** Throws (one line, never a value) when the document cannot be re-encrypted. */
  check(value: SealedSecretDocument): Promise<DocumentCheck>;
}

/** A SealedSecret document as read from a file (kind checked, the rest as written). */
export interface SealedSecretDocument {
  readonly kind: 'SealedSecret';
  readonly metadata?: ObjectMeta;
  readonly spec: {
    readonly encryptedData?: unknown;
    readonly data?: unknown;
    readonly [key: string]: unknown;
  };
  readonly [key: string]: unknown;
}

/** One SealedSecret that is (or, in a dry run, would be) re-encrypted. */
export interface DocumentChange {
  readonly file: string;
  /** 1-based position in the file's document stream. */
  readonly document: number;
  /** `namespace/name` (`name` without a namespace). */
  readonly object: string;
  /** How many items change. */
  readonly items: number;
  readonly from: readonly string[];
  readonly to: string;
}

export interface FileProgress {
  readonly done: number;
  readonly total: number;
  readonly file: string;
  /** `current`: nothing to change in the file. */
  readonly outcome: ReencryptOutcome;
}

export interface FilesResult {
  /** Files rewritten (in a dry run: that would be), with the number of SealedSecrets re-encrypted in each. */
  readonly reencrypted: readonly { readonly file: string; readonly sealedSecrets: number }[];
  readonly failed: readonly { readonly file: string; readonly error: string }[];
  /** Files without a SealedSecret. */
  readonly untouched: readonly string[];
  /** Every SealedSecret re-encrypted (or that would be), in file order. */
  readonly changes: readonly DocumentChange[];
  /** SealedSecrets already on the target key. */
  readonly current: number;
}

const isSealedSecret = (value: unknown): value is SealedSecretDocument =>
  typeof value === 'object' &&
  value !== null &&
  (value as { kind?: unknown }).kind === 'SealedSecret' &&
  typeof (value as { spec?: unknown }).spec === 'object' &&
  (value as { spec?: unknown }).spec !== null;

const stringOr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Metadata naming the SealedSecret to edit in place (edit-in-place.ts finds it by name and namespace). */
function target(value: SealedSecretDocument): { name: string; namespace: string | undefined } {
  return { name: stringOr(value.metadata?.name) ?? '', namespace: stringOr(value.metadata?.namespace) };
}

const objectName = (value: SealedSecretDocument): string => {
  const { name, namespace } = target(value);
  return namespace === undefined || namespace === '' ? name : `${namespace}/${name}`;
};

interface Edit {
  /** 0-based document index. */
  readonly index: number;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly encryptedData: Readonly<Record<string, string>>;
  readonly hints: Readonly<Record<string, string>>;
}

/**
 * The hint annotations to write after a re-encryption: both hints (sealed-with the target, sealed-for what the
 * values are now sealed for) with `sealHints`; otherwise only those the document already has, so none is stale.
 */
function hintsFor(value: SealedSecretDocument, to: string, sealHints: boolean): Record<string, string> {
  const all = sealHintAnnotations(value.metadata ?? {}, to);
  if (sealHints) return all;
  const present = value.metadata?.annotations ?? {};
  return Object.fromEntries(
    Object.entries(all).filter(([key]) => SEAL_HINT_ANNOTATIONS.includes(key) && key in present),
  );
}

/**
 * The new values and hints spliced into the text (format/edit-in-place.ts): only the ciphertext bytes and the hint
 * lines change; comments, quoting, key order and the other documents stay byte for byte.
 */
async function spliceEdits(text: string, file: string, edits: readonly Edit[]): Promise<string> {
  const { setEncryptedItem, setTopLevelAnnotations } = await import('../format/edit-in-place.js');
  let out = text;
  for (const { name, namespace, encryptedData, hints } of edits) {
    for (const [key, ciphertext] of Object.entries(encryptedData))
      out = setEncryptedItem(out, { file, name, namespace, key, ciphertext });
    if (Object.keys(hints).length > 0) out = setTopLevelAnnotations(out, { file, name, namespace }, hints);
  }
  return out;
}

interface Rewrite {
  readonly text: string;
  readonly changes: DocumentChange[];
  readonly current: number;
  readonly sealedSecrets: number;
}

interface RewriteOptions {
  readonly dryRun: boolean;
  readonly sealHints: boolean;
}

/**
 * The values of the documents of a file: JSON for `.json` (one object), the `yaml` library otherwise. A file of
 * the tree may be a plain Secret: its parse errors give the position, never the text (no code frame, no quoted
 * token, no process warning).
 */
async function documentsOf(text: string, file: string) {
  if (extname(file).toLowerCase() === '.json') {
    return { values: [parseJsonDocument(text, 1)], docs: undefined };
  }
  const { parseAllDocuments } = await import('../io/yaml.js');
  const parsed = parseAllDocuments(text, { uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  const values = docs.map((doc) => {
    const error = doc.errors[0];
    if (error !== undefined) throw new Error(yamlErrorText(error, text, { position: 'always' }));
    // No aliases: a SealedSecret never needs them, and they are how a small file becomes a huge value.
    return doc.toJS({ maxAliasCount: 0 }) as unknown;
  });
  return { values, docs };
}

async function rewrite(
  text: string,
  file: string,
  reencryptor: DocumentReencryptor,
  options: RewriteOptions,
): Promise<Rewrite> {
  const { values, docs } = await documentsOf(text, file);
  const edits: Edit[] = [];
  const changes: DocumentChange[] = [];
  const legacy: { index: number; data: string; hints: Record<string, string> }[] = [];
  let current = 0;
  let sealedSecrets = 0;
  for (const [index, value] of values.entries()) {
    if (!isSealedSecret(value)) continue;
    sealedSecrets++;
    const check = await reencryptor.check(value);
    if (check.current) {
      current++;
      continue;
    }
    const encrypted = value.spec.encryptedData;
    const items =
      check.items ??
      (typeof value.spec.data === 'string' && value.spec.data !== ''
        ? 1
        : typeof encrypted === 'object' && encrypted !== null
          ? Object.keys(encrypted).length
          : 0);
    const change = {
      file,
      document: index + 1,
      object: objectName(value),
      from: check.from,
      to: reencryptor.target,
    };
    if (options.dryRun) {
      changes.push({ ...change, items });
      continue;
    }
    const values = await check.reencrypt();
    const hints = hintsFor(value, reencryptor.target, options.sealHints);
    if ('data' in values) {
      legacy.push({ index, data: values.data, hints });
      changes.push({ ...change, items });
    } else {
      edits.push({ index, ...target(value), encryptedData: values.encryptedData, hints });
      changes.push({ ...change, items: Object.keys(values.encryptedData).length });
    }
  }
  if (options.dryRun || changes.length === 0) return { text, changes, current, sealedSecrets };
  if (legacy.length > 0) {
    // The legacy spec.data has no minimal edit: a file holding it is written again through the document model.
    if (docs === undefined) {
      const value = values[0] as SealedSecretDocument;
      const [only] = legacy;
      const metadata = value.metadata ?? {};
      const annotations = { ...metadata.annotations, ...only?.hints };
      const out = {
        ...value,
        ...(Object.keys(annotations).length > 0 && { metadata: { ...metadata, annotations } }),
        spec: { ...value.spec, data: only?.data },
      };
      return { text: `${JSON.stringify(out, null, 2)}\n`, changes, current, sealedSecrets };
    }
    for (const { index, data, hints } of legacy) {
      docs[index]?.setIn(['spec', 'data'], data);
      for (const [key, v] of Object.entries(hints)) docs[index]?.setIn(['metadata', 'annotations', key], v);
    }
    for (const { index, encryptedData, hints } of edits) {
      for (const [key, v] of Object.entries(encryptedData))
        docs[index]?.setIn(['spec', 'encryptedData', key], v);
      for (const [key, v] of Object.entries(hints)) docs[index]?.setIn(['metadata', 'annotations', key], v);
    }
    return { text: docs.map((d) => d.toString()).join(''), changes, current, sealedSecrets };
  }
  return { text: await spliceEdits(text, file, edits), changes, current, sealedSecrets };
}

/**
 * Re-encrypts the SealedSecrets of `files` (e.g. from io/manifest-files.ts, the walk `kubeseal check` uses) to the reencryptor's target key. One
 * file's failure is recorded and the others go on. With `dryRun`, nothing is re-encrypted or written: the result
 * says what would change.
 */
export async function reencryptFiles(
  fs: FileSystem,
  files: readonly string[],
  reencryptor: DocumentReencryptor,
  options: {
    readonly onProgress?: (p: FileProgress) => void;
    readonly dryRun?: boolean;
    /** Add both hints to a re-encrypted document (default); false: only refresh the hints it already has. */
    readonly sealHints?: boolean;
  } = {},
): Promise<FilesResult> {
  const reencrypted: { file: string; sealedSecrets: number }[] = [];
  const failed: { file: string; error: string }[] = [];
  const untouched: string[] = [];
  const changes: DocumentChange[] = [];
  let current = 0;
  const rewriteOptions = { dryRun: options.dryRun === true, sealHints: options.sealHints !== false };
  for (const [index, file] of files.entries()) {
    let outcome: ReencryptOutcome;
    try {
      const bytes = await fs.readFile(file, MAX_INPUT_BYTES);
      if (bytes.length > MAX_INPUT_BYTES) throw new Error(`larger than ${MAX_INPUT_BYTES} bytes`);
      const text = bytes.toString('utf8');
      const result = await rewrite(text, file, reencryptor, rewriteOptions);
      current += result.current;
      if (result.sealedSecrets === 0) untouched.push(file);
      if (result.changes.length === 0) {
        outcome = 'current';
      } else {
        if (!rewriteOptions.dryRun) await fs.writeFileAtomic(file, result.text);
        changes.push(...result.changes);
        reencrypted.push({ file, sealedSecrets: result.changes.length });
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
  return { reencrypted, failed, untouched, changes, current };
}
