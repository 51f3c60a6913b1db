import { randomBytes } from 'node:crypto';
import { chmod, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to a temporary file next to `path`, then renames it over `path`, so readers never see a partial
 * file and a failure leaves an existing file untouched. An existing file keeps its permission bits; a new one is
 * created 0600 like upstream's temp-file-and-rename (`--recovery-unseal -w` writes plaintext).
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let mode: number | undefined;
  try {
    mode = (await stat(path)).mode & 0o7777;
  } catch {
    mode = undefined;
  }
  try {
    await writeFile(temp, data, { flag: 'wx', mode: 0o600 });
    await chmod(temp, mode ?? 0o600);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
