import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { independentDecrypt } from '../test-helpers/independent-crypto.js';

// `kubeseal edit` runs the built CLI under a pseudo-terminal (util-linux `script`), with a fake editor (a node script
// named by $EDITOR) that reports the file it was given, hard-links it (the link shows whether the bytes were
// overwritten before the unlink) and then edits, fails or waits to be signalled.

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(PACKAGE_DIR, 'bin', 'kubeseal.js');
const TSC = fileURLToPath(new URL('../../../../node_modules/typescript/bin/tsc', import.meta.url));
const KEY_FILE = join(VECTOR_4096_DIR, 'tls.key');
const CERT_FILE = join(VECTOR_4096_DIR, 'tls.crt');
const KEY = readFileSync(KEY_FILE, 'utf8');

const EDITOR = `
import { appendFileSync, existsSync, linkSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
const file = process.argv[2];
const work = process.env.FAKE_EDITOR_DIR;
linkSync(file, join(work, 'link'));
const info = {
  file,
  mode: statSync(file).mode & 0o777,
  dirMode: statSync(dirname(file)).mode & 0o777,
  kubeseal: process.ppid,
  size: statSync(file).size,
};
// Written whole (temp file, then rename): the test polls for it while this script runs.
writeFileSync(join(work, 'info.json.tmp'), JSON.stringify(info));
renameSync(join(work, 'info.json.tmp'), join(work, 'info.json'));
const edit = () => {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('hunter2', 'hunter3').replace(/\\n  host: .*\\n/, '\\n').replace('stringData:\\n', 'stringData:\\n  added: new value\\n'));
};
switch (process.env.FAKE_EDITOR_MODE) {
  case 'edit': edit(); break;
  case 'same': break;
  case 'fail': process.exit(3);
  case 'wait': {
    // Until the test says go (edit and exit 0) or signals us.
    const timer = setInterval(() => {
      if (existsSync(join(work, 'go'))) { clearInterval(timer); edit(); }
    }, 20);
    break;
  }
}
`;

const SEALED_TEMPLATE = `# the shop's database
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: shop
spec:
  encryptedData:
    host: HOST
    # rotated 2026-01
    password: PASSWORD
    user: USER # the login
  template:
    metadata:
      name: db
      namespace: shop
`;

interface Run {
  code: number | null;
  output: string;
  sealed: string;
  info: { file: string; mode: number; dirMode: number; kubeseal: number; size: number } | undefined;
  link: Buffer | undefined;
}

let dir = '';
let original = '';

beforeAll(async () => {
  execFileSync(process.execPath, [TSC, '-p', join(PACKAGE_DIR, 'tsconfig.json')], { stdio: 'inherit' });
  dir = await mkdtemp(join(tmpdir(), 'kubeseal-edit-test-'));
  await writeFile(join(dir, 'editor.mjs'), EDITOR);
  // Sealed once with the CLI itself (set), so the test starts from a real file.
  const seal = (key: string, value: string) =>
    execFileSync(
      process.execPath,
      [BIN, 'set', 'db', key, '-f', join(dir, 'base.yaml'), '--cert', CERT_FILE, '--no-seal-hints'],
      { input: value },
    );
  await writeFile(
    join(dir, 'base.yaml'),
    SEALED_TEMPLATE.replace('HOST', 'x').replace('PASSWORD', 'x').replace('USER', 'x'),
  );
  seal('host', 'db.local');
  seal('password', 'hunter2');
  seal('user', 'admin');
  original = await readFile(join(dir, 'base.yaml'), 'utf8');
}, 120_000);

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

let counter = 0;

/** Runs `kubeseal edit db` under a pseudo-terminal; `during` runs once the fake editor has started. */
async function editUnderPty(
  mode: 'edit' | 'same' | 'fail' | 'wait',
  during?: (info: NonNullable<Run['info']>, work: string) => Promise<void>,
  options: { from?: string; args?: readonly string[] } = {},
): Promise<Run> {
  const work = join(dir, `run-${++counter}`);
  const temp = join(work, 'tmp');
  await mkdir(temp, { recursive: true });
  const sealed = join(work, 'sealed.yaml');
  await writeFile(sealed, options.from ?? original);
  const edit = ['edit', 'db', '-f', sealed, '--recovery-private-key', KEY_FILE, ...(options.args ?? [])];
  const command = [process.execPath, BIN, ...edit].map((a) => `'${a}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: work,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: work,
      TMPDIR: temp,
      EDITOR: `'${process.execPath}' '${join(dir, 'editor.mjs')}'`,
      FAKE_EDITOR_DIR: work,
      FAKE_EDITOR_MODE: mode,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const infoPath = join(work, 'info.json');
  const readInfo = () =>
    existsSync(infoPath) ? (JSON.parse(readFileSync(infoPath, 'utf8')) as Run['info']) : undefined;
  if (during !== undefined) {
    // Liveness only: the editor starts within seconds even on a loaded machine.
    for (let i = 0; i < 1500 && readInfo() === undefined; i++) await new Promise((r) => setTimeout(r, 20));
    const info = readInfo();
    if (info === undefined) throw new Error(`the editor did not start: ${output}`);
    await during(info, work);
  }
  const code = await closed;
  const link = join(work, 'link');
  return {
    code,
    output,
    sealed: await readFile(sealed, 'utf8'),
    info: readInfo(),
    link: existsSync(link) ? await readFile(link) : undefined,
  };
}

function items(text: string): Record<string, string> {
  const [doc] = parseAllDocuments(text);
  return (doc?.toJS() as { spec: { encryptedData: Record<string, string> } }).spec.encryptedData;
}

/** The temporary file and its folder are gone, and the bytes of the file were overwritten with zeros first. */
function expectShredded(run: Run): void {
  const { info, link } = run;
  expect(info).toBeDefined();
  if (info === undefined || link === undefined) throw new Error('no editor run');
  expect(info.mode).toBe(0o600);
  expect(info.dirMode).toBe(0o700);
  expect(existsSync(info.file)).toBe(false);
  expect(existsSync(join(info.file, '..'))).toBe(false);
  expect(link.length).toBeGreaterThan(0);
  expect(link.every((b) => b === 0)).toBe(true);
}

describe('kubeseal edit (under a pseudo-terminal)', () => {
  it('re-seals only the changed items, adds and removes, and shreds the temporary file', async () => {
    const run = await editUnderPty('edit');
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('db: 1 changed, 1 added, 1 removed');
    expect(run.output).not.toMatch(/hunter|admin|db\.local|new value/);
    expectShredded(run);
    const before = items(original);
    const after = items(run.sealed);
    expect(after.user).toBe(before.user);
    expect(Object.keys(after).sort()).toEqual(['added', 'password', 'user']);
    const value = (item: string) => independentDecrypt(KEY, after[item] ?? '', 'shop/db').toString('utf8');
    expect([value('added'), value('password'), value('user')]).toEqual(['new value', 'hunter3', 'admin']);
    // Byte-minimal: the comments and the kept item's line are as they were.
    expect(run.sealed).toContain(`    # rotated 2026-01\n    password: ${after.password}\n`);
    expect(run.sealed).toContain(`    user: ${before.user} # the login\n`);
    expect(run.sealed.startsWith("# the shop's database\n")).toBe(true);
  });

  it('an unchanged file: nothing is written', async () => {
    const run = await editUnderPty('same');
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('db: no changes');
    expect(run.sealed).toBe(original);
    expectShredded(run);
  });

  it('the editor fails: nothing changes, the file is shredded', async () => {
    const run = await editUnderPty('fail');
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/error: the editor \(.*\) exited with status 3; nothing was changed/);
    expect(run.sealed).toBe(original);
    expectShredded(run);
  });

  it('SIGTERM to kubeseal while the editor runs: the editor is stopped, the file shredded, nothing changes', async () => {
    const run = await editUnderPty('wait', async (info) => {
      expect(readFileSync(`/proc/${info.kubeseal}/cmdline`, 'utf8')).toContain('kubeseal.js');
      process.kill(info.kubeseal, 'SIGTERM');
    });
    expect(run.code).not.toBe(0);
    expect(run.sealed).toBe(original);
    expectShredded(run);
  });

  it('SIGINT while the editor runs belongs to the editor (Ctrl-C in vi): the edit goes on', async () => {
    const run = await editUnderPty('wait', async (info, work) => {
      process.kill(info.kubeseal, 'SIGINT');
      await new Promise((r) => setTimeout(r, 100));
      await writeFile(join(work, 'go'), '');
    });
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('db: 1 changed, 1 added, 1 removed');
    expectShredded(run);
  });

  it('update tags: without the update key the changed items lose theirs, with it they get fresh ones', async () => {
    const keyFile = join(dir, 'update.key');
    await writeFile(keyFile, 'edit-test-update-key-0123456789abcdef\n');
    const secretFile = join(dir, 'secret.json');
    const secret = (values: Record<string, string>) =>
      JSON.stringify({
        kind: 'Secret',
        apiVersion: 'v1',
        metadata: { name: 'db', namespace: 'shop' },
        stringData: values,
      });
    await writeFile(secretFile, secret({ host: 'db.local', password: 'hunter2', user: 'admin' }));
    const taggedFile = join(dir, 'tagged.yaml');
    await writeFile(taggedFile, original);
    const update = [
      'seal',
      '--update',
      taggedFile,
      '-f',
      secretFile,
      '--cert',
      CERT_FILE,
      '--update-key-file',
      keyFile,
    ];
    execFileSync(process.execPath, [BIN, ...update], { stdio: 'pipe' });
    const tagged = await readFile(taggedFile, 'utf8');
    const tagsOf = (text: string) => {
      const [doc] = parseAllDocuments(text);
      const annotations = (doc?.toJS() as { metadata: { annotations?: Record<string, string> } }).metadata
        .annotations;
      return Object.fromEntries(Object.entries(annotations ?? {}).filter(([k]) => k.includes('/tag.')));
    };
    const before = tagsOf(tagged);

    const without = await editUnderPty('edit', undefined, { from: tagged });
    expect(without.code, without.output).toBe(0);
    expect(tagsOf(without.sealed)).toEqual({
      'sealed-secrets-ts/tag.user': before['sealed-secrets-ts/tag.user'],
    });

    const withKey = await editUnderPty('edit', undefined, {
      from: tagged,
      args: ['--update-key-file', keyFile],
    });
    expect(withKey.code, withKey.output).toBe(0);
    const after = tagsOf(withKey.sealed);
    expect(Object.keys(after).sort()).toEqual([
      'sealed-secrets-ts/tag.added',
      'sealed-secrets-ts/tag.password',
      'sealed-secrets-ts/tag.user',
    ]);
    expect(after['sealed-secrets-ts/tag.user']).toBe(before['sealed-secrets-ts/tag.user']);
    expect(after['sealed-secrets-ts/tag.password']).not.toBe(before['sealed-secrets-ts/tag.password']);
    // The fresh tags verify: an update with the edited values keeps every ciphertext.
    await writeFile(taggedFile, withKey.sealed);
    await writeFile(secretFile, secret({ added: 'new value', password: 'hunter3', user: 'admin' }));
    const check = spawnSync(process.execPath, [BIN, ...update], { encoding: 'utf8' });
    expect(check.stderr).toBe('db: 3 kept, 0 re-sealed, 0 added, 0 removed\n');
    expect(await readFile(taggedFile, 'utf8')).toBe(withKey.sealed);
  });

  it('refused when stdin is not a terminal, before any key or file is read', () => {
    let failure: { status: number; stderr: Buffer } | undefined;
    try {
      execFileSync(
        process.execPath,
        [BIN, 'edit', 'db', '-f', '/missing.yaml', '--recovery-private-key', '/nope'],
        {
          input: '',
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
    } catch (error) {
      failure = error as { status: number; stderr: Buffer };
    }
    expect(failure?.status).toBe(1);
    expect(failure?.stderr.toString()).toBe(
      'error: edit needs a terminal on stdin (it opens an editor); scripts change items with kubeseal set and unset\n',
    );
  });
});
