import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listManifestTree } from './manifest-files.js';

// The one tree walk of `kubeseal check` and `kubeseal reencrypt` (the hostile trees are in __tests__/check.test.ts).
describe('listManifestTree', () => {
  it('lists the YAML and JSON files of a tree, sorted, without VCS folders or symbolic links, bounded', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ssts-manifest-tree-'));
    try {
      mkdirSync(join(root, 'apps/db'), { recursive: true });
      mkdirSync(join(root, '.git'));
      mkdirSync(join(root, 'node_modules'));
      for (const file of [
        'apps/db/sealed.yaml',
        'apps/a.JSON',
        'b.yml',
        '.git/x.yaml',
        'node_modules/y.json',
        'README.md',
      ])
        writeFileSync(join(root, file), '');
      symlinkSync(join(root, 'b.yml'), join(root, 'link.yaml'));
      expect(await listManifestTree([root])).toEqual({
        files: ['apps/a.JSON', 'apps/db/sealed.yaml', 'b.yml'].map((f) => join(root, f)),
        problems: [],
      });
      // A file named twice (directly and through its directory) is listed once.
      expect((await listManifestTree([join(root, 'b.yml'), root])).files).toHaveLength(3);
      expect(await listManifestTree([root], { maxFiles: 2 })).toEqual({
        files: ['apps/a.JSON', 'apps/db/sealed.yaml'].map((f) => join(root, f)),
        problems: [{ path: join(root, 'b.yml'), reason: 'more than 2 files: the rest is not checked' }],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
