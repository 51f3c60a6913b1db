import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { replaceFileSync, writeFileAtomicSync } from './atomic-write.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kube-atomic-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomicSync', () => {
  it('creates and replaces files without leaving temp files behind; a new file is 0600', () => {
    const path = join(dir, 'out.json');
    writeFileAtomicSync(path, 'one');
    writeFileAtomicSync(path, Buffer.from('two'));
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['out.json']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("gives a new file the caller's mode, and keeps the permission bits of an existing file", () => {
    const fresh = join(dir, 'report.md');
    writeFileAtomicSync(fresh, 'x', { mode: 0o644 });
    expect(statSync(fresh).mode & 0o777).toBe(0o644);
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old');
    chmodSync(path, 0o640);
    writeFileAtomicSync(path, 'new', { mode: 0o644 });
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  it('leaves an existing target untouched and no temp file when the rename fails', () => {
    const target = join(dir, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'inside'), 'x');
    expect(() => writeFileAtomicSync(target, 'data')).toThrow();
    expect(readdirSync(dir)).toEqual(['target']);
    expect(readFileSync(join(target, 'inside'), 'utf8')).toBe('x');
  });

  it('fails without a trace when the directory does not exist', () => {
    const path = join(dir, 'missing', 'out.json');
    expect(() => writeFileAtomicSync(path, 'data')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('replaceFileSync', () => {
  it('leaves the old file whole and no temp file behind when the write fails half-way', () => {
    const path = join(dir, 'kubeseal');
    writeFileSync(path, 'old contents');
    chmodSync(path, 0o755);
    const failure = new Error('disk full');
    expect(() =>
      replaceFileSync(path, (temp) => {
        expect(temp.startsWith(join(dir, '.kubeseal.'))).toBe(true);
        writeFileSync(temp, 'half of the new');
        throw failure;
      }),
    ).toThrow(failure);
    expect(readFileSync(path, 'utf8')).toBe('old contents');
    expect(statSync(path).mode & 0o777).toBe(0o755);
    expect(readdirSync(dir)).toEqual(['kubeseal']);
  });

  it('renames what the writer wrote over the target, with the new-file mode', () => {
    const source = join(dir, 'built');
    writeFileSync(source, 'binary');
    const path = join(dir, 'out');
    replaceFileSync(path, (temp) => writeFileSync(temp, readFileSync(source)), { mode: 0o755 });
    expect(readFileSync(path, 'utf8')).toBe('binary');
    expect(statSync(path).mode & 0o777).toBe(0o755);
    expect(readdirSync(dir).sort()).toEqual(['built', 'out']);
  });
});
