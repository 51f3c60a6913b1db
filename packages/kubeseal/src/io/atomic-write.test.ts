import { mkdtemp, readdir, readFile, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

describe('writeFileAtomic', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubeseal-atomic-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates and replaces files without leaving temp files behind', async () => {
    const path = join(dir, 'out.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, 'two');
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['out.json']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('keeps the permission bits of an existing file', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, 'old');
    await chmod(path, 0o640);
    await writeFileAtomic(path, 'new');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
  });

  it('leaves an existing target untouched and no temp file when the rename fails', async () => {
    const target = join(dir, 'target');
    await mkdir(target);
    await writeFile(join(target, 'inside'), 'x');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['target']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('x');
  });
});
