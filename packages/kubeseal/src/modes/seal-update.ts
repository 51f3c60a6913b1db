import type { KeyObject } from 'node:crypto';
import {
  encryptionLabelText,
  parseScope,
  publicKeyFingerprint,
  readSealHints,
  scopeFromAnnotations,
  sealHintAnnotations,
  secretPlaintexts,
  withScopeAnnotations,
  type ObjectMeta,
  type SealedSecret,
  type Secret,
} from '@ssts/core';
import type { RunContext } from '../context.js';
import type * as EditModule from '../format/edit-in-place.js';
import { orderSealedSecret } from '../format/go-order.js';
import { OrderedMap, type Ordered } from '../format/ordered.js';
import { CliError, describeFsError } from '../errors.js';
import { NO_SECRETS, conversionWarning, readDocuments, type InputDocument } from '../io/documents.js';
import {
  MAX_UPDATE_KEY_BYTES,
  UpdateKeyError,
  checkTag,
  makeTag,
  tagAnnotation,
  tagKeyId,
  updateKeyFrom,
  type TagCheck,
  type UpdateKey,
} from '../update/update-tags.js';
import { sealOne, secretFromDocument } from './seal-one.js';

type EditInPlace = typeof EditModule;
import { readEditedFile, writeEditedFile } from './edit-item.js';
import { sealedSecretFromDocument } from './sealed-input.js';

/** Reads the update key file (`--update-key-file`); the key never appears in a message. */
export async function readUpdateKey(ctx: RunContext, path: string): Promise<UpdateKey> {
  let bytes: Buffer;
  try {
    bytes = await ctx.io.fs.readFile(path, MAX_UPDATE_KEY_BYTES + 1024);
  } catch (error) {
    throw new CliError('INPUT', describeFsError('open', path, error), { cause: error });
  }
  try {
    return updateKeyFrom(bytes);
  } catch (error) {
    if (error instanceof UpdateKeyError) throw new CliError('INPUT', `${path}: ${error.message}`);
    throw error;
  }
}

/** The one SealedSecret of `docs` that `secret` updates: same name, and same namespace when both have one. */
function targetOf(docs: readonly InputDocument[], file: string, secret: Secret, namespaceFlag: string) {
  const name = secret.metadata.name ?? '';
  if (name === '') throw new CliError('INPUT', 'missing metadata.name in input Secret');
  const wanted = secret.metadata.namespace ?? (namespaceFlag === '' ? undefined : namespaceFlag);
  return findSealedSecret(docs, file, name, wanted, [
    'hint: --update keeps the name and namespace; seal a new SealedSecret with: kubeseal seal',
  ]);
}

/** The one SealedSecret named `name` in `docs` (in namespace `wanted` when given, or without one). */
export function findSealedSecret(
  docs: readonly InputDocument[],
  file: string,
  name: string,
  wanted: string | undefined,
  hints: readonly string[] = [],
): SealedSecret {
  const named = docs.filter((doc) => {
    const value = doc.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
    return value?.kind === 'SealedSecret' && value.metadata?.name === name;
  });
  const nsOf = (doc: InputDocument) =>
    (doc.value as { metadata: { namespace?: unknown } }).metadata.namespace;
  const matches = named.filter(
    (doc) => wanted === undefined || nsOf(doc) === undefined || nsOf(doc) === wanted,
  );
  const [doc, second] = matches;
  if (doc === undefined) {
    const elsewhere = named[0] === undefined ? undefined : nsOf(named[0]);
    throw new CliError(
      'INPUT',
      typeof elsewhere === 'string'
        ? `${file}: SealedSecret ${name} is in namespace ${elsewhere}, the Secret in ${wanted ?? ''}`
        : `${file}: no SealedSecret named ${name}`,
      { hints },
    );
  }
  if (second !== undefined) {
    throw new CliError('INPUT', `${file}: more than one SealedSecret named ${name}`, {
      hints: ['hint: choose one with --namespace'],
    });
  }
  return sealedSecretFromDocument(doc, file);
}

/** Why an item was sealed again (or not), for the summary: never a value. */
type Outcome = 'kept' | 'added' | 'removed' | Exclude<TagCheck, 'match'> | 'certificate';

interface Report {
  readonly name: string;
  readonly outcomes: Map<string, Outcome>;
  readonly otherKeys: Set<string>;
  readonly certificateChange: string | undefined;
  /** The fields of `spec.template` the Secret changed (metadata, type, immutable). */
  readonly templateChanged: readonly string[];
}

function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, sortedDeep(v)]),
  );
}

/**
 * Template metadata without what the SealedSecret itself already says (name, namespace, scope annotations) and
 * without empty maps: a file without `spec.template` then equals a Secret with no labels or annotations.
 */
function ownMetadata(metadata: ObjectMeta | null | undefined): Record<string, unknown> {
  const { name: _name, namespace: _namespace, ...rest } = metadata ?? {};
  const annotations = withScopeAnnotations(rest.annotations, 'strict');
  const own: Record<string, unknown> = { ...rest, annotations };
  for (const [key, value] of Object.entries(own)) {
    if (
      value === undefined ||
      (typeof value === 'object' && value !== null && Object.keys(value).length === 0)
    )
      delete own[key];
  }
  return own;
}

/** The fields of a template the Secret decides (not `data`, which only a SealedSecret has). */
const TEMPLATE_FIELDS = ['metadata', 'type', 'immutable'] as const;

/** The fields of `spec.template` that differ, with their new Go-ordered values (undefined: removed). */
function templateChanges(fresh: SealedSecret, current: SealedSecret): Map<string, Ordered | undefined> {
  const ordered = orderSealedSecret(fresh).get('spec');
  const template = ordered instanceof OrderedMap ? ordered.get('template') : undefined;
  const comparable = (t: SealedSecret['spec']['template'], field: (typeof TEMPLATE_FIELDS)[number]) =>
    JSON.stringify(sortedDeep(field === 'metadata' ? ownMetadata(t?.metadata) : t?.[field]) ?? null);
  const changes = new Map<string, Ordered | undefined>();
  for (const field of TEMPLATE_FIELDS) {
    if (comparable(fresh.spec.template, field) === comparable(current.spec.template, field)) continue;
    changes.set(field, template instanceof OrderedMap ? template.get(field) : undefined);
  }
  return changes;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** stderr lines for one SealedSecret: the count per outcome, then why values without a changed value were resealed. */
function describe(report: Report, fingerprint: string, keyId: string): string[] {
  const items = (outcome: Outcome) =>
    [...report.outcomes].filter(([, o]) => o === outcome).map(([item]) => item);
  const count = (outcome: Outcome) => items(outcome).length;
  const resealed = ['mismatch', 'missing', 'malformed', 'other-key', 'certificate'] as const;
  const parts = [
    `${count('kept')} kept`,
    `${resealed.reduce((n, o) => n + count(o), 0)} re-sealed`,
    `${count('added')} added`,
    `${count('removed')} removed`,
  ];
  const lines = [`${report.name}: ${parts.join(', ')}`];
  if (report.certificateChange !== undefined) {
    lines.push(
      `notice: ${report.name} was sealed with ${report.certificateChange}, the certificate is now ${fingerprint}: ` +
        'every value is sealed again',
    );
  }
  const why: [Outcome, string][] = [
    ['missing', 'no update tag'],
    ['malformed', 'a malformed update tag'],
    [
      'other-key',
      `a tag of another update key (${[...report.otherKeys].sort().join(', ')}; yours is ${keyId})`,
    ],
  ];
  for (const [outcome, text] of why) {
    const names = items(outcome);
    if (names.length > 0) {
      lines.push(
        `notice: ${report.name}: ${plural(names.length, 'item')} had ${text}, sealed again: ${names.join(', ')}`,
      );
    }
  }
  if (report.templateChanged.length > 0) {
    lines.push(`${report.name}: spec.template ${report.templateChanged.join(', ')} updated`);
  }
  return lines;
}

/**
 * `kubeseal seal --update FILE`: seal each input Secret again into the SealedSecret of the same name in FILE,
 * keeping the ciphertext of every value whose update tag says it is unchanged; changed and new values are sealed
 * (with a fresh tag), items the Secret no longer has are removed. FILE is edited in place, byte-minimally.
 */
export async function runSealUpdate(ctx: RunContext, mode: { file: string; keyFile: string }): Promise<void> {
  const key = await readUpdateKey(ctx, mode.keyFile);
  const bytes = await readEditedFile(ctx, mode.file);
  const docs = await readDocuments(bytes, 'sealed-secrets');
  const inputs = await readDocuments(await ctx.readInput(), 'secrets');
  if (inputs.length === 0) throw new CliError('INPUT', NO_SECRETS);
  const plans = inputs.map((input) => {
    const secret = secretFromDocument(input);
    return { secret, sealed: targetOf(docs, mode.file, secret, ctx.options.namespace) };
  });
  const cert = await ctx.certificate();
  const fingerprint = publicKeyFingerprint(cert.publicKey);
  const edit = await import('../format/edit-in-place.js');
  const original = bytes.toString('utf8');
  let text = original;
  const reports: Report[] = [];
  for (const { secret, sealed: current } of plans) {
    const result = await updateOne(ctx, {
      text,
      file: mode.file,
      secret,
      current,
      key,
      fingerprint,
      publicKey: cert.publicKey,
      edit,
    });
    text = result.text;
    reports.push(result.report);
  }
  for (const input of inputs) {
    const warning = conversionWarning(input);
    if (warning !== undefined) ctx.io.stderr.write(`${warning}\n`);
  }
  for (const report of reports)
    for (const line of describe(report, fingerprint, key.id)) ctx.io.stderr.write(`${line}\n`);
  if (text === original) return;
  await writeEditedFile(ctx, mode.file, text);
}

async function updateOne(
  ctx: RunContext,
  args: {
    text: string;
    file: string;
    secret: Secret;
    current: SealedSecret;
    key: UpdateKey;
    fingerprint: string;
    publicKey: KeyObject;
    edit: EditInPlace;
  },
): Promise<{ text: string; report: Report }> {
  const { secret, current, key, fingerprint, edit, file } = args;
  const name = current.metadata.name ?? '';
  const namespace = current.metadata.namespace ?? '';
  const scope = scopeFromAnnotations(current.metadata.annotations);
  // The Secret may leave the scope out (it then takes the file's); a different scope is an error, as in --merge-into.
  const inputScope = scopeFromAnnotations(secret.metadata.annotations);
  const requested = ctx.options.scopeExplicit ? parseScope(ctx.options.scope) : inputScope;
  if ((inputScope !== 'strict' || ctx.options.scopeExplicit) && requested !== scope) {
    throw new CliError(
      'INVALID_ARGUMENT',
      `cannot update ${name} in ${file}, sealed with scope ${scope}, from a Secret of scope ${requested}`,
      { hints: ['hint: --update keeps the scope; seal a new SealedSecret with: kubeseal seal --scope'] },
    );
  }
  const target = { file, name, namespace: namespace === '' ? undefined : namespace };
  // Every value sealed now (RSA public-key operations are cheap); only the changed ones are written.
  const fresh = await sealOne(ctx, secret, args.publicKey, { name, namespace, scope });
  const label = encryptionLabelText(namespace, name, scope);
  const annotations = current.metadata.annotations ?? {};
  const sealedWith = readSealHints(current.metadata).sealedWith;
  const certificateChange = sealedWith !== undefined && sealedWith !== fingerprint ? sealedWith : undefined;
  const outcomes = new Map<string, Outcome>();
  const otherKeys = new Set<string>();
  const tags: Record<string, string> = {};
  let text = args.text;
  const plaintexts = [...secretPlaintexts(secret)].sort(([a], [b]) => (a < b ? -1 : 1));
  for (const [item, value] of plaintexts) {
    const old = current.spec.encryptedData[item];
    const tag = annotations[tagAnnotation(item)];
    let outcome: Outcome;
    if (old === undefined) outcome = 'added';
    else if (certificateChange !== undefined) outcome = 'certificate';
    else {
      const check = checkTag(key, tag, { fingerprint, label, item, ciphertext: old }, value);
      outcome = check === 'match' ? 'kept' : check;
      if (check === 'other-key' && tag !== undefined) otherKeys.add(tagKeyId(tag) ?? '');
    }
    outcomes.set(item, outcome);
    if (outcome === 'kept') continue;
    const ciphertext = fresh.spec.encryptedData[item];
    if (ciphertext === undefined) throw new Error(`item ${item} was not sealed`);
    text = edit.setEncryptedItem(text, { ...target, key: item, ciphertext });
    tags[tagAnnotation(item)] = makeTag(key, { fingerprint, label, item, ciphertext }, value);
  }
  const removed = Object.keys(current.spec.encryptedData).filter((item) => !outcomes.has(item));
  for (const item of removed) {
    outcomes.set(item, 'removed');
    text = edit.unsetEncryptedItem(text, { ...target, key: item });
  }
  text = edit.unsetTopLevelAnnotations(
    text,
    target,
    removed.map((item) => tagAnnotation(item)),
  );
  const changes = templateChanges(fresh, current);
  if (changes.size > 0) text = edit.setTemplateFields(text, target, changes);
  const hints = ctx.options.sealHints ? sealHintAnnotations(current.metadata, fingerprint) : {};
  text = edit.setTopLevelAnnotations(text, target, { ...tags, ...hints });
  return {
    text,
    report: { name, outcomes, otherKeys, certificateChange, templateChanged: [...changes.keys()] },
  };
}
