// The files a tree command looks at (`kubeseal check`): the YAML and JSON files under directories, and any file
// named on the command line. Bounded: symbolic links inside a tree are not followed (no loops), directories deeper
// than MAX_TREE_DEPTH and files beyond MAX_TREE_FILES are reported instead of searched.
import { lstat, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

export const MAX_TREE_DEPTH = 64;
export const MAX_TREE_FILES = 100_000;
export const MANIFEST_EXTENSIONS: ReadonlySet<string> = new Set(['.yaml', '.yml', '.json']);
/** Version-control metadata and installed packages: never manifests of this repository. */
const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['.git', '.hg', '.svn', 'node_modules']);

export interface ManifestFiles {
  readonly files: readonly string[];
  /** Paths that could not be searched, each with a one-line reason. */
  readonly problems: readonly { readonly path: string; readonly reason: string }[];
}

/** Why a file-system call failed, in a few words (Go's, for the common codes). */
export const reasonOf = (error: unknown): string => {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'EISDIR') return 'is a directory';
  return error instanceof Error ? error.message : String(error);
};

/**
 * The files to check for `paths` in order, without duplicates: a named file whatever its extension (a named
 * symbolic link is followed), the `*.yaml`, `*.yml` and `*.json` regular files of a named directory, sorted by name.
 */
export async function listManifestTree(
  paths: readonly string[],
  limits: { readonly maxDepth?: number; readonly maxFiles?: number } = {},
): Promise<ManifestFiles> {
  const maxDepth = limits.maxDepth ?? MAX_TREE_DEPTH;
  const maxFiles = limits.maxFiles ?? MAX_TREE_FILES;
  const files: string[] = [];
  const seen = new Set<string>();
  const problems: { path: string; reason: string }[] = [];
  let full = false;
  const add = (path: string): void => {
    if (seen.has(path)) return;
    if (files.length >= maxFiles) {
      if (!full) problems.push({ path, reason: `more than ${maxFiles} files: the rest is not checked` });
      full = true;
      return;
    }
    seen.add(path);
    files.push(path);
  };
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > maxDepth) {
      problems.push({ path: dir, reason: `deeper than ${maxDepth} directory levels: not searched` });
      return;
    }
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      problems.push({ path: dir, reason: reasonOf(error) });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (full) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await walk(path, depth + 1);
      } else if (entry.isFile() && MANIFEST_EXTENSIONS.has(extname(entry.name).toLowerCase())) add(path);
    }
  };
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      // A dangling link says so; anything else in the words of the file system.
      const dangling = await lstat(path).then(
        (l) => l.isSymbolicLink(),
        () => false,
      );
      problems.push({ path, reason: dangling ? 'a symbolic link to nothing' : reasonOf(error) });
      continue;
    }
    if (info.isDirectory()) await walk(path, 0);
    else if (info.isFile()) add(path);
    else problems.push({ path, reason: 'not a regular file or a directory' });
  }
  return { files, problems };
}
