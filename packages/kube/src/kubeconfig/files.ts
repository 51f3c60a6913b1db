import { readFile as nodeReadFile } from 'node:fs/promises';
import { delimiter as platformDelimiter, dirname, isAbsolute, join } from 'node:path';
import { yamlErrorText } from '@ssts/flags';
import { KubeError } from '../errors.js';
import { describeFsError } from '../text/fs-error.js';
import { parseJsonObject } from './json-fast-path.js';
import type { EntryFields, KubeAccessOptions, MergedKubeconfig, ReadFile } from './types.js';

/** Largest kubeconfig file we parse (real ones, with embedded certificates, are a few hundred KiB at most). */
export const MAX_KUBECONFIG_BYTES = 8 * 1024 * 1024;

const YAML_OPTIONS = { prettyErrors: false, logLevel: 'error' } as const;

export const defaultReadFile: ReadFile = (path) => nodeReadFile(path);

/** Path fields relative to the kubeconfig file, made absolute as client-go's ResolveLocalPaths does. */
const PATH_FIELDS = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
  contexts: [],
} as const;

const LISTS = [
  ['clusters', 'cluster'],
  ['contexts', 'context'],
  ['users', 'user'],
] as const;

type ListName = (typeof LISTS)[number][0];

/** client-go's loading rules: the explicit file, else the KUBECONFIG list (deduplicated), else ~/.kube/config. */
export function kubeconfigPaths(options: KubeAccessOptions): { paths: string[]; explicit: boolean } {
  const { kubeconfig = '', env } = options;
  if (kubeconfig !== '') return { paths: [kubeconfig], explicit: true };
  const list = (env['KUBECONFIG'] ?? '')
    .split(options.delimiter ?? platformDelimiter)
    .filter((p) => p !== '');
  if (list.length > 0) return { paths: [...new Set(list)], explicit: false };
  const home = env['HOME'] ?? env['USERPROFILE'];
  return { paths: home === undefined || home === '' ? [] : [join(home, '.kube', 'config')], explicit: false };
}

function configError(message: string, cause?: unknown): KubeError {
  return new KubeError('Config', message, cause === undefined ? {} : { cause });
}

function entriesOf(doc: Record<string, unknown>, list: ListName, inner: string, baseDir: string) {
  const items = doc[list];
  const out: [string, EntryFields][] = [];
  if (!Array.isArray(items)) return out;
  for (const item of items as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { name } = item as { name?: unknown };
    if (typeof name !== 'string') continue;
    const body = (item as Record<string, unknown>)[inner];
    const fields: Record<string, unknown> =
      typeof body === 'object' && body !== null && !Array.isArray(body) ? { ...(body as object) } : {};
    for (const field of PATH_FIELDS[list]) {
      const value = fields[field];
      if (typeof value === 'string' && value !== '' && !isAbsolute(value))
        fields[field] = join(baseDir, value);
    }
    out.push([name, fields]);
  }
  return out;
}

/**
 * Reads and merges the kubeconfig files with client-go's rules: for every map (clusters, contexts, users) the
 * first file that defines a name wins with its whole entry, and the first non-empty `current-context` wins.
 * Missing files in KUBECONFIG are skipped; a missing explicit file, an unreadable or malformed one is an error.
 */
export async function loadKubeconfigFiles(options: KubeAccessOptions): Promise<MergedKubeconfig> {
  const readFile = options.readFile ?? defaultReadFile;
  const { paths, explicit } = kubeconfigPaths(options);
  let currentContext = '';
  const files: string[] = [];
  const maps: Record<ListName, Map<string, EntryFields>> = {
    clusters: new Map(),
    contexts: new Map(),
    users: new Map(),
  };
  for (const path of paths) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      if (explicit) throw configError(describeFsError('stat', path, error), error);
      if ((error as { code?: unknown }).code === 'ENOENT') continue;
      throw configError(
        `error loading config file "${path}": ${describeFsError('open', path, error)}`,
        error,
      );
    }
    if (bytes.length > MAX_KUBECONFIG_BYTES)
      throw configError(`error loading config file "${path}": larger than ${MAX_KUBECONFIG_BYTES} bytes`);
    const text = bytes.toString('utf8');
    let doc: unknown;
    try {
      // No code frame and no process warnings (a warning would print the line, a token for instance, on stderr).
      doc = parseJsonObject(text) ?? (await import('./yaml.js')).parse(text, YAML_OPTIONS);
    } catch (error) {
      // The position, never the text: some of the library's messages quote the input (an alias, an escape).
      const reason =
        error instanceof Error ? yamlErrorText(error, text, { position: 'always' }) : String(error);
      throw configError(`error loading config file "${path}": ${reason}`, error);
    }
    files.push(path);
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) continue;
    const record = doc as Record<string, unknown>;
    const cc = record['current-context'];
    if (currentContext === '' && typeof cc === 'string') currentContext = cc;
    for (const [list, inner] of LISTS) {
      for (const [name, fields] of entriesOf(record, list, inner, dirname(path))) {
        if (!maps[list].has(name)) maps[list].set(name, fields);
      }
    }
  }
  return { currentContext, files, ...maps };
}
