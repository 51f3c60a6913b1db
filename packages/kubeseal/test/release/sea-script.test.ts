import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SEA = fileURLToPath(new URL('../../scripts/sea.mjs', import.meta.url));

// scripts/sea.mjs refuses a Node it cannot build with before it builds anything: a stand-in `node` that only answers
// `--version` is enough to reach that check (a real Node 20 aborts in V8's snapshot serializer with a native stack).
describe('scripts/sea.mjs --node', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sea-script-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const fakeNode = (version: string) => {
    const path = join(dir, `node-${version}`);
    writeFileSync(path, `#!/bin/sh\necho ${version}\n`);
    chmodSync(path, 0o755);
    return path;
  };
  const build = (node: string) =>
    spawnSync(process.execPath, [SEA, '--node', node, '--out', join(dir, 'kubeseal')], { encoding: 'utf8' });

  it.each([
    [
      'v20.20.2',
      ", whose snapshot serializer aborts on kubeseal's heap; build with Node >= 22 (the release uses Node 24)",
    ],
    ['v20.5.1', '; useSnapshot needs Node >= 20.6'],
  ])('refuses %s in one line, and writes nothing', (version, tail) => {
    const node = fakeNode(version);
    const r = build(node);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(existsSync(join(dir, 'kubeseal'))).toBe(false);
    expect(r.stderr).toBe(`sea: ${node} is Node ${version}${tail}\n`);
  });
});
