// What `kubeseal check` looks for in a document (pure, no I/O): a Secret with plain values (`data` or
// `stringData`, wherever `kind` is written, also inside a List) and a kustomize `secretGenerator` that makes a Secret
// from literals, env files or files. Values are never read out, only the names of the items that hold them.

/** A step of the path from the document to the offending part (for its line). */
export type PathStep = string | number;

export interface PlainSecret {
  readonly kind: 'secret' | 'generator';
  /** From the document's root to the key whose line is reported (`data`, `stringData`, a generator entry). */
  readonly path: readonly PathStep[];
  readonly reason: string;
}

type Record_ = Readonly<Record<string, unknown>>;

const isRecord = (value: unknown): value is Record_ =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const MAX_NAMES = 5;
const MAX_NAME_LENGTH = 64;

/** A name from the file as it may be printed: one line, printable, not too long. */
export function printableName(text: string, max = MAX_NAME_LENGTH): string {
  const shown = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '?');
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

function nameList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES).map((n) => printableName(n));
  const more = names.length > MAX_NAMES ? ` and ${names.length - MAX_NAMES} more` : '';
  return `${shown.join(', ')}${more}`;
}

/** The keys of a `data`/`stringData` mapping whose value is not empty (an empty item reveals nothing). */
function filledKeys(items: unknown): string[] {
  if (!isRecord(items)) return [];
  return Object.entries(items)
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([key]) => key);
}

function objectName(value: Record_): string {
  const metadata = isRecord(value['metadata']) ? value['metadata'] : {};
  const name = metadata['name'] ?? metadata['generateName'];
  return typeof name === 'string' && name !== '' ? `"${printableName(name)}"` : '(unnamed)';
}

/** A core Secret: `kind: Secret` in `v1` (or with no apiVersion, as in a kustomize patch). */
const isCoreSecret = (value: Record_): boolean =>
  value['kind'] === 'Secret' && (value['apiVersion'] === undefined || value['apiVersion'] === 'v1');

function secretFinding(value: Record_, path: readonly PathStep[]): PlainSecret | undefined {
  const data = filledKeys(value['data']);
  const stringData = filledKeys(value['stringData']);
  if (data.length === 0 && stringData.length === 0) return undefined;
  const parts = [
    ...(data.length > 0 ? [`data: ${nameList(data)}`] : []),
    ...(stringData.length > 0 ? [`stringData: ${nameList(stringData)}`] : []),
  ];
  // The line of whichever of the two comes first in the file (object keys keep the source order).
  const first = Object.keys(value).find(
    (key) => (key === 'data' && data.length > 0) || (key === 'stringData' && stringData.length > 0),
  );
  return {
    kind: 'secret',
    path: [...path, first ?? 'data'],
    reason: `Secret ${objectName(value)} holds plain values (${parts.join('; ')})`,
  };
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v !== '') : [];

/** A literal's key (`key=value`): the value is never shown; a literal without `=` shows nothing. */
const literalKey = (literal: string): string | undefined => {
  const at = literal.indexOf('=');
  return at > 0 ? literal.slice(0, at) : undefined;
};

function generatorFindings(value: Record_): PlainSecret[] {
  const generators = value['secretGenerator'];
  if (!Array.isArray(generators)) return [];
  const kind = value['kind'];
  if (kind !== undefined && kind !== 'Kustomization' && kind !== 'Component') return [];
  const findings: PlainSecret[] = [];
  generators.forEach((generator: unknown, index) => {
    if (!isRecord(generator)) return;
    const literals = strings(generator['literals']);
    const envs = [
      ...strings(generator['envs']),
      ...(typeof generator['env'] === 'string' && generator['env'] !== '' ? [generator['env']] : []),
    ];
    const files = strings(generator['files']);
    const parts: string[] = [];
    if (literals.length > 0) {
      const keys = literals.map(literalKey).filter((k): k is string => k !== undefined);
      parts.push(keys.length > 0 ? `literals: ${nameList(keys)}` : `${literals.length} literals`);
    }
    if (envs.length > 0) parts.push(`env files: ${nameList(envs)}`);
    if (files.length > 0) parts.push(`files: ${nameList(files)}`);
    if (parts.length === 0) return;
    const name =
      typeof generator['name'] === 'string' ? `"${printableName(generator['name'])}"` : '(unnamed)';
    findings.push({
      kind: 'generator',
      path: ['secretGenerator', index],
      reason: `secretGenerator ${name} makes a Secret from plain values (${parts.join('; ')})`,
    });
  });
  return findings;
}

/**
 * The plain Secrets of one document: the document itself, the items of a List (`kind: List`, `SecretList`, any
 * `…List` with `items`, nested too), and the entries of a kustomization's `secretGenerator`. SealedSecrets,
 * Secrets without values and anything else are passed over.
 */
export function findPlainSecrets(document: unknown, path: readonly PathStep[] = []): PlainSecret[] {
  if (!isRecord(document)) return [];
  const kind = document['kind'];
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(document['items'])) {
    return (document['items'] as unknown[]).flatMap((item, index) =>
      findPlainSecrets(item, [...path, 'items', index]),
    );
  }
  if (isCoreSecret(document)) {
    const finding = secretFinding(document, path);
    return finding === undefined ? [] : [finding];
  }
  return path.length === 0 ? generatorFindings(document) : [];
}
