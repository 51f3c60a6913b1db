import { randomBytes } from 'node:crypto';
import { chmodSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /**
   * Permission bits of a file that does not exist yet (default 0600: kubeseal's `--recovery-unseal -w` writes
   * plaintext, and upstream's temp-file-and-rename creates 0600). An existing file keeps its own bits.
   */
  readonly mode?: number;
}

/**
 * Replaces `path` whole: `writeTemp` writes a temporary file next to it (same directory, so the rename stays on one
 * file system), which then gets the permission bits and is renamed over `path`. Readers see the old file or the new
 * one, never a partial one; when anything fails, `path` is left as it was and the temporary file is removed.
 * No fsync: this holds against the process failing, not against the machine losing power.
 */
export function replaceFileSync(
  path: string,
  writeTemp: (temp: string) => void,
  options: AtomicWriteOptions = {},
): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode: number;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch {
    mode = options.mode ?? 0o600;
  }
  try {
    writeTemp(temp);
    chmodSync(temp, mode);
    renameSync(temp, path);
  } catch (error) {
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already gone
    }
    throw error;
  }
}

/** `data` into `path` by temporary file and rename ({@link replaceFileSync}); the temporary file is created 0600. */
export function writeFileAtomicSync(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): void {
  replaceFileSync(path, (temp) => writeFileSync(temp, data, { flag: 'wx', mode: 0o600 }), options);
}
