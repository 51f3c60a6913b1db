import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// The plain Git hook (hooks/pre-commit) and the pre-commit entry (.pre-commit-hooks.yaml) against a real Git
// repository, with the built CLI (bin/kubeseal.js, `pnpm build`) as `kubeseal` on PATH.
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const HOOK = join(PACKAGE_DIR, 'hooks', 'pre-commit');
const HOOKS_FILE = join(PACKAGE_DIR, '..', '..', '.pre-commit-hooks.yaml');

const PLAIN_SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: aHVudGVyMg==
`;
const SEALED_SECRET = `apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: shop
spec:
  encryptedData:
    password: AgBy3i4OJSWK+PiTySYZZA==
`;

let repo: string;
let bin: string;
const env = () => ({ ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
function sh(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: repo, env: env(), encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
const git = (...args: string[]) =>
  sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
const write = (path: string, text: string) => {
  mkdirSync(dirname(join(repo, path)), { recursive: true });
  writeFileSync(join(repo, path), text);
};

describe('the pre-commit guard', () => {
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'kubeseal-hook-'));
    bin = mkdtempSync(join(tmpdir(), 'kubeseal-bin-'));
    writeFileSync(
      join(bin, 'kubeseal'),
      `#!/bin/sh\nexec '${process.execPath}' '${join(PACKAGE_DIR, 'bin', 'kubeseal.js')}' "$@"\n`,
    );
    chmodSync(join(bin, 'kubeseal'), 0o755);
    expect(git('init', '-q').code).toBe(0);
    copyFileSync(HOOK, join(repo, '.git', 'hooks', 'pre-commit'));
    chmodSync(join(repo, '.git', 'hooks', 'pre-commit'), 0o755);
    write('README.md', 'deployments\n');
    git('add', '.');
    expect(git('commit', '-qm', 'init').code).toBe(0);
  });
  afterAll(() => {
    rmSync(repo, { recursive: true, force: true });
    rmSync(bin, { recursive: true, force: true });
  });

  it('refuses a commit that stages a plain Secret, naming file and line', () => {
    write('apps/shop/secret.yaml', PLAIN_SECRET);
    git('add', 'apps/shop/secret.yaml');
    const commit = git('commit', '-qm', 'add the db password');
    expect(commit.code).toBe(1);
    // Git shows a hook's stdout on its stderr.
    expect(commit.stderr).toBe(
      'apps/shop/secret.yaml:5: Secret "db" holds plain values (data: password)\n' +
        'error: 1 plain Secret in 1 of 1 file checked\n' +
        'hint: seal each Secret (kubeseal seal -f secret.yaml -w sealed.yaml) and commit only the SealedSecret\n',
    );
    expect(git('rev-list', '--count', 'HEAD').stdout).toBe('1\n');
  });

  it('checks what is staged, not the working tree: a Secret edited away after `git add` is still refused', () => {
    write('apps/shop/secret.yaml', SEALED_SECRET);
    const commit = git('commit', '-qm', 'add the db password');
    expect(commit.code).toBe(1);
    expect(commit.stderr).toContain('apps/shop/secret.yaml:5: Secret "db"');
  });

  it('accepts the SealedSecret once it is staged', () => {
    git('add', 'apps/shop/secret.yaml');
    const commit = git('commit', '-qm', 'add the sealed db password');
    expect(commit).toEqual({ code: 0, stdout: '', stderr: 'checked 1 file: no plain Secret\n' });
    expect(git('rev-list', '--count', 'HEAD').stdout).toBe('2\n');
  });

  it('accepts a commit without YAML or JSON files', () => {
    write('notes.txt', 'kind: Secret\ndata: {a: Yg==}\n');
    git('add', 'notes.txt');
    expect(git('commit', '-qm', 'notes').code).toBe(0);
  });

  it('has a pre-commit entry that runs `kubeseal check` on the staged YAML and JSON files', () => {
    const hooks = parse(readFileSync(HOOKS_FILE, 'utf8')) as {
      id: string;
      entry: string;
      language: string;
      files: string;
    }[];
    const hook = hooks.find((h) => h.id === 'kubeseal-check');
    expect(hook).toMatchObject({ entry: 'kubeseal check', language: 'system' });
    const files = new RegExp(hook?.files ?? '^$');
    expect(['a.yaml', 'b/c.yml', 'd.json', 'e.txt', 'yaml'].filter((f) => files.test(f))).toEqual([
      'a.yaml',
      'b/c.yml',
      'd.json',
    ]);
    // pre-commit runs the entry with the file names appended.
    write('apps/api/secret.json', JSON.stringify({ kind: 'Secret', stringData: { token: 't' } }));
    const [command = '', ...args] = (hook?.entry ?? '').split(' ');
    const plain = sh(command, [...args, 'apps/api/secret.json', 'apps/shop/secret.yaml']);
    expect(plain.code).toBe(1);
    expect(plain.stdout).toBe(
      'apps/api/secret.json:1: Secret (unnamed) holds plain values (stringData: token)\n',
    );
    expect(sh(command, [...args, 'apps/shop/secret.yaml']).code).toBe(0);
  });
});
