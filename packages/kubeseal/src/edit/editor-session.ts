import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readSync,
  readdirSync,
  rmdirSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../errors.js';
import { MAX_INPUT_BYTES } from '../io/limits.js';

const ZEROS = Buffer.alloc(64 * 1024);

/** Overwrites a regular file with zeros (to its current size), flushes it to disk, then unlinks it. */
function shredFile(path: string): void {
  try {
    const fd = openSync(path, 'r+');
    try {
      let left = fstatSync(fd).size;
      let position = 0;
      while (left > 0) {
        const n = writeSync(fd, ZEROS, 0, Math.min(left, ZEROS.length), position);
        left -= n;
        position += n;
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Unreadable or vanished: still unlinked below.
  }
  unlinkSync(path);
}

/** Shreds every file under `dir` (editors leave swap and backup files beside the one they edit), then removes it. */
export function shredDirectory(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory()) shredDirectory(path);
      else if (stat.isFile()) shredFile(path);
      else unlinkSync(path);
    } catch {
      // Best effort for each entry; the folder's removal below reports nothing either.
    }
  }
  try {
    rmdirSync(dir);
  } catch {
    // A file the editor re-created meanwhile: the folder is private (0700) and in the temporary directory.
  }
}

export interface EditorOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The file name shown in the editor (the folder is random). */
  readonly fileName: string;
}

/** $EDITOR, else $VISUAL, else vi (a command line, run by /bin/sh like git does). */
export function editorCommand(env: Readonly<Record<string, string | undefined>>): string {
  for (const name of ['EDITOR', 'VISUAL']) {
    const value = env[name]?.trim();
    if (value !== undefined && value !== '') return value;
  }
  return 'vi';
}

const ENDING_SIGNALS = ['SIGTERM', 'SIGHUP'] as const;

/**
 * Writes `content` to a file of mode 0600 in a fresh private folder (mkdtemp: 0700), opens it in the editor and
 * returns what the editor saved. The folder and every file in it are shredded on return, on error, on
 * SIGTERM/SIGHUP (the editor is stopped, then the signal is raised again) and on process exit. SIGINT while the
 * editor runs belongs to the editor (as with git): Ctrl-C inside vi must not end the edit.
 */
export async function editInEditor(content: Uint8Array, options: EditorOptions): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'kubeseal-edit-'));
  const cleanup = () => shredDirectory(dir);
  let child: ChildProcess | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    child?.kill('SIGTERM');
    cleanup();
    detach();
    process.kill(process.pid, signal);
  };
  const onInterrupt = () => {
    if (child === undefined) onSignal('SIGINT');
  };
  const detach = () => {
    for (const signal of ENDING_SIGNALS) process.removeListener(signal, onSignal);
    process.removeListener('SIGINT', onInterrupt);
    process.removeListener('exit', cleanup);
  };
  for (const signal of ENDING_SIGNALS) process.on(signal, onSignal);
  process.on('SIGINT', onInterrupt);
  process.on('exit', cleanup);
  try {
    const file = join(dir, options.fileName);
    writeFileSync(file, content, { mode: 0o600, flag: 'wx' });
    const editor = editorCommand(options.env);
    const env = Object.fromEntries(
      Object.entries(options.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    const status = await new Promise<number | NodeJS.Signals>((resolve, reject) => {
      child = spawn('/bin/sh', ['-c', `exec ${editor} "$1"`, 'kubeseal-editor', file], {
        stdio: 'inherit',
        env,
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(signal ?? code ?? 1));
    });
    child = undefined;
    if (status !== 0) {
      const how = typeof status === 'number' ? `exited with status ${status}` : `was ended by ${status}`;
      throw new CliError('EDITOR', `the editor (${editor}) ${how}; nothing was changed`);
    }
    const stat = lstatSync(file, { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile())
      throw new CliError('EDITOR', 'the edited file is gone; nothing was changed');
    if (stat.size > MAX_INPUT_BYTES)
      throw new CliError('EDITOR', 'the edited file is too large; nothing was changed');
    const fd = openSync(file, 'r');
    try {
      const bytes = Buffer.alloc(stat.size);
      let read = 0;
      while (read < bytes.length) {
        const n = readSync(fd, bytes, read, bytes.length - read, read);
        if (n === 0) break;
        read += n;
      }
      return bytes.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  } finally {
    child = undefined;
    cleanup();
    detach();
  }
}
