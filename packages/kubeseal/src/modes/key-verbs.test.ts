import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { nodeIo } from '../io/node-io.js';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../test-helpers/fake-apiserver.js';
import { memoryIo } from '../test-helpers/memory-io.js';
import { parseVerb } from '../verb-program.js';
import { progressBar } from './key-verbs.js';

const TERMINAL = { stdinIsTTY: false, stderrIsTTY: false };

function planOf(argv: string[]) {
  const call = parseVerb(argv, {}, TERMINAL);
  if (call.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(call)}`);
  return call.plan.mode;
}

describe('kubeseal keys / reencrypt command lines', () => {
  it('keys: table by default, -o json', () => {
    expect(planOf(['keys'])).toEqual({ kind: 'keys', output: 'table' });
    expect(planOf(['keys', '-o', 'json'])).toEqual({ kind: 'keys', output: 'json' });
    expect(parseVerb(['keys', '--output', 'yaml'], {}, TERMINAL).kind).toBe('usage-error');
  });

  it('reencrypt: the cluster (all namespaces, or -n), or paths given as arguments and with -f', () => {
    const online = { dryRun: false, all: false, recoveryKeys: [] };
    expect(planOf(['reencrypt'])).toEqual({ kind: 'reencrypt', paths: [], namespace: undefined, ...online });
    expect(planOf(['reencrypt', '-n', 'prod'])).toEqual({
      kind: 'reencrypt',
      paths: [],
      namespace: 'prod',
      ...online,
    });
    // The kubeconfig's namespace is not a filter: without -n every namespace is re-encrypted.
    expect(planOf(['reencrypt', '--kubeconfig', 'k'])).toMatchObject({ namespace: undefined });
    expect(planOf(['reencrypt', 'deploy', 'apps', '-f', 'one.yaml', '-n', 'prod'])).toEqual({
      kind: 'reencrypt',
      paths: ['deploy', 'apps', 'one.yaml'],
      namespace: undefined,
      ...online,
    });
  });

  it('reencrypt: --dry-run; offline with --recovery-private-key and --cert, which need each other and PATHs', () => {
    expect(planOf(['reencrypt', 'deploy', '--dry-run'])).toMatchObject({ dryRun: true, recoveryKeys: [] });
    expect(
      planOf([
        'reencrypt',
        'deploy',
        '--recovery-private-key',
        'a.pem',
        '--recovery-private-key',
        'b.yaml',
        '--cert',
        'new.pem',
      ]),
    ).toMatchObject({ paths: ['deploy'], dryRun: false, recoveryKeys: ['a.pem', 'b.yaml'] });
    const usage = (argv: string[]) => {
      const call = parseVerb(argv, {}, TERMINAL);
      return call.kind === 'usage-error' ? call.message : call.kind;
    };
    expect(usage(['reencrypt', 'deploy', '--recovery-private-key', 'a.pem'])).toBe(
      'reencrypt: offline re-encryption (--recovery-private-key) needs PATHs and --cert (the certificate to re-encrypt to)',
    );
    expect(usage(['reencrypt', '--recovery-private-key', 'a.pem', '--cert', 'new.pem'])).toMatch(
      /needs PATHs/,
    );
    expect(usage(['reencrypt', 'deploy', '--cert', 'new.pem'])).toBe(
      'reencrypt: --cert is only for offline re-encryption, with --recovery-private-key (online, the controller seals)',
    );
  });
});

describe('the progress bar', () => {
  it('is drawn in place on a terminal, with printable names only, and ended by a newline', () => {
    const mem = memoryIo({ stderrIsTTY: true });
    const bar = progressBar(mem.io.stderr);
    bar.update(1, 4, 'ns/one');
    bar.update(4, 4, 'ns/\u001b[31mtwo');
    bar.end();
    expect(mem.stderr()).toBe(
      `\r\u001b[2K[${'#'.repeat(8)}${'.'.repeat(22)}] 1/4 ns/one` +
        `\r\u001b[2K[${'#'.repeat(30)}] 4/4 ns/?[31mtwo\n`,
    );
  });

  it('writes nothing when stderr is not a terminal', () => {
    const mem = memoryIo({ stderrIsTTY: false });
    const bar = progressBar(mem.io.stderr);
    bar.update(1, 2, 'ns/one');
    bar.end();
    expect(mem.stderr()).toBe('');
  });
});

describe('kubeseal reencrypt PATH (through a fake API server and service proxy)', () => {
  let server: FakeApiServer;
  let dir: string;
  beforeAll(async () => {
    server = await startFakeApiServer({
      certificate: readFileSync(join(VECTOR_4096_DIR, 'tls.crt'), 'utf8'),
      rotate: (body) => {
        const ss = JSON.parse(body) as {
          metadata: { name: string };
          spec: { encryptedData: Record<string, string> };
        };
        if (ss.metadata.name === 'broken') return { status: 500, body: 'no key could decrypt secret\n' };
        const encryptedData = Object.fromEntries(
          Object.entries(ss.spec.encryptedData).map(([k, v]) => [k, v.replace('Old', 'New')]),
        );
        return { status: 200, body: JSON.stringify({ ...ss, spec: { ...ss.spec, encryptedData } }) };
      },
    });
    dir = mkdtempSync(join(tmpdir(), 'ssts-key-verbs-'));
    writeFileSync(join(dir, 'kubeconfig'), kubeconfigFor(server.url));
    // Key continuity: the fake controller's certificate is already pinned (no first-contact notice on stderr).
    writeFileSync(
      join(dir, 'known-certs.json'),
      JSON.stringify({
        version: 1,
        controllers: { [`${server.url}#kube-system/sealed-secrets-controller`]: [CURRENT] },
      }),
    );
  });
  const env = () => ({ SEALED_SECRETS_KNOWN_CERTS: join(dir, 'known-certs.json') });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const CURRENT = 'SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk';
  const OLD = `SHA256:3f9a${'A'.repeat(39)}`;
  /** A SealedSecret file; `sealedWith`: its hints, naming that key. */
  const sealed = (name: string, value: string, sealedWith?: string) =>
    `# ${name}\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n` +
    (sealedWith === undefined
      ? ''
      : `  annotations:\n    sealed-secrets-ts/sealed-for: strict shop/${name}\n` +
        `    sealed-secrets-ts/sealed-with: ${sealedWith}\n`) +
    `  name: ${name}\n  namespace: shop\nspec:\n  encryptedData:\n    a: AgAAkeep # comment\n    b: ${value}\n`;
  const cli = async (args: string[], stderrIsTTY = false) => {
    const mem = memoryIo({ stderrIsTTY });
    const code = await run(
      [...args, '--kubeconfig', join(dir, 'kubeconfig')],
      { ...mem.io, fs: nodeIo().fs },
      env(),
    );
    return { code, stdout: mem.stdout(), stderr: mem.stderr() };
  };
  const rotations = () => server.requests.filter((r) => r.path.endsWith('/v1/rotate')).length;

  it('rewrites only the ciphertexts of the tree, reports failures and exits 1 for them', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'apps'), { recursive: true });
    writeFileSync(join(repo, 'apps', 'db.yaml'), `${sealed('db', 'AgOld1')}---\n${sealed('api', 'AgOld2')}`);
    writeFileSync(join(repo, 'apps', 'broken.yaml'), sealed('broken', 'AgOld3'));
    writeFileSync(join(repo, 'config.yaml'), 'kind: ConfigMap\n');
    const mem = memoryIo({ stderrIsTTY: true });
    const io = { ...mem.io, fs: nodeIo().fs };
    const code = await run(['reencrypt', repo, '--kubeconfig', join(dir, 'kubeconfig')], io, env());
    expect(code).toBe(1);
    // Only the changed ciphertexts and the hint lines (added: the verbs write them by default).
    expect(readFileSync(join(repo, 'apps', 'db.yaml'), 'utf8')).toBe(
      `${sealed('db', 'AgNew1', CURRENT)}---\n${sealed('api', 'AgNew2', CURRENT)}`,
    );
    expect(readFileSync(join(repo, 'apps', 'broken.yaml'), 'utf8')).toBe(sealed('broken', 'AgOld3'));
    expect(mem.stdout()).toBe(
      'Re-encrypted 2 SealedSecrets in 1 file, 0 already on the newest key, 1 file without SealedSecrets, 1 failed.\n' +
        "Once they are applied, 'kubeseal keys' says which old keys no SealedSecret needs any more.\n",
    );
    const lines = mem.stderr().split('\n');
    expect(lines[0]?.startsWith(`\r\u001b[2K[${'#'.repeat(10)}${'.'.repeat(20)}] 1/3 `)).toBe(true);
    expect(lines[0]).toContain('broken.yaml');
    expect(lines.slice(1)).toEqual([
      `failed: ${join(repo, 'apps', 'broken.yaml')}: the controller cannot re-encrypt it: the server responded with status 500 (no key could decrypt secret)`,
      'error: 1 file could not be re-encrypted (run again to retry them)',
      '',
    ]);
  });

  it('refreshes a stale sealed-with hint, draws no bar off a terminal, and a second run writes nothing', async () => {
    const file = join(dir, 'one.yaml');
    writeFileSync(file, sealed('one', 'AgOld9', OLD));
    const first = await cli(['reencrypt', '-f', file]);
    expect(first).toEqual({
      code: 0,
      stdout:
        'Re-encrypted 1 SealedSecret in 1 file, 0 already on the newest key, 0 files without SealedSecrets, 0 failed.\n' +
        "Once they are applied, 'kubeseal keys' says which old keys no SealedSecret needs any more.\n",
      stderr: '',
    });
    expect(readFileSync(file, 'utf8')).toBe(sealed('one', 'AgNew9', CURRENT));
    // The hints are not posted: the controller would copy them into spec.template.
    const posted = JSON.parse(
      server.requests.filter((r) => r.path.endsWith('/v1/rotate')).at(-1)?.body ?? '{}',
    );
    expect(posted.metadata).toEqual({ name: 'one', namespace: 'shop' });

    const before = rotations();
    const second = await cli(['reencrypt', '-f', file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^Re-encrypted 0 SealedSecrets in 0 files, 1 already on the newest key, /);
    expect(rotations()).toBe(before);
    expect(readFileSync(file, 'utf8')).toBe(sealed('one', 'AgNew9', CURRENT));

    // --all: sent even so (the hint names the newest seal, which `kubeseal set` may have made for one item only).
    const all = await cli(['reencrypt', '-f', file, '--all']);
    expect(all.stdout).toMatch(/^Re-encrypted 1 SealedSecret in 1 file, 0 already on the newest key, /);
    expect(rotations()).toBe(before + 1);
  });

  it('--no-seal-hints: adds no hints, but never leaves a stale one', async () => {
    const bare = join(dir, 'bare.yaml');
    const hinted = join(dir, 'hinted.yaml');
    writeFileSync(bare, sealed('bare', 'AgOld7'));
    writeFileSync(hinted, sealed('hinted', 'AgOld8', OLD));
    expect((await cli(['reencrypt', bare, hinted, '--no-seal-hints'])).code).toBe(0);
    expect(readFileSync(bare, 'utf8')).toBe(sealed('bare', 'AgNew7'));
    expect(readFileSync(hinted, 'utf8')).toBe(sealed('hinted', 'AgNew8', CURRENT));
  });

  it('--dry-run lists file, document, name and keys, writes nothing, sends nothing; exit 0, or 1 when a file cannot be read', async () => {
    const repo = join(dir, 'dry');
    mkdirSync(repo, { recursive: true });
    const multi = `${sealed('db', 'AgOld1', OLD)}---\n${sealed('api', 'AgNew2', CURRENT)}---\n${sealed('web', 'AgOld3')}`;
    writeFileSync(join(repo, 'multi.yaml'), multi);
    const before = rotations();
    const dry = await cli(['reencrypt', repo, '--dry-run']);
    expect(dry).toEqual({
      code: 0,
      stdout:
        `${join(repo, 'multi.yaml')}: document 1: shop/db (2 items): ${OLD} -> ${CURRENT}\n` +
        `${join(repo, 'multi.yaml')}: document 3: shop/web (2 items): unknown -> ${CURRENT}\n` +
        'Would re-encrypt 2 SealedSecrets in 1 file, 1 already on the newest key, 0 failed; nothing was written.\n',
      stderr: '',
    });
    expect(readFileSync(join(repo, 'multi.yaml'), 'utf8')).toBe(multi);
    expect(rotations()).toBe(before);
    writeFileSync(join(repo, 'bad.yaml'), 'kind: SealedSecret\nspec: {a: 1, a: 2}\n');
    const failing = await cli(['reencrypt', repo, '--dry-run']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toMatch(/^failed: .*bad\.yaml: .*\nerror: 1 file could not be checked\n$/);
  });
});
