import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect(planOf(['reencrypt'])).toEqual({ kind: 'reencrypt', paths: [], namespace: undefined });
    expect(planOf(['reencrypt', '-n', 'prod'])).toEqual({ kind: 'reencrypt', paths: [], namespace: 'prod' });
    // The kubeconfig's namespace is not a filter: without -n every namespace is re-encrypted.
    expect(planOf(['reencrypt', '--kubeconfig', 'k'])).toMatchObject({ namespace: undefined });
    expect(planOf(['reencrypt', 'deploy', 'apps', '-f', 'one.yaml', '-n', 'prod'])).toEqual({
      kind: 'reencrypt',
      paths: ['deploy', 'apps', 'one.yaml'],
      namespace: undefined,
    });
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
      certificate: '',
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
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const sealed = (name: string, value: string) =>
    `# ${name}\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: ${name}\n` +
    `  namespace: shop\nspec:\n  encryptedData:\n    a: AgAAkeep # comment\n    b: ${value}\n`;

  it('rewrites only the ciphertexts of the tree, reports failures and exits 1 for them', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, 'apps'), { recursive: true });
    writeFileSync(join(repo, 'apps', 'db.yaml'), `${sealed('db', 'AgOld1')}---\n${sealed('api', 'AgOld2')}`);
    writeFileSync(join(repo, 'apps', 'broken.yaml'), sealed('broken', 'AgOld3'));
    writeFileSync(join(repo, 'config.yaml'), 'kind: ConfigMap\n');
    const mem = memoryIo({ stderrIsTTY: true });
    const io = { ...mem.io, fs: nodeIo().fs };
    const code = await run(['reencrypt', repo, '--kubeconfig', join(dir, 'kubeconfig')], io, {});
    expect(code).toBe(1);
    expect(readFileSync(join(repo, 'apps', 'db.yaml'), 'utf8')).toBe(
      `${sealed('db', 'AgNew1')}---\n${sealed('api', 'AgNew2')}`,
    );
    expect(readFileSync(join(repo, 'apps', 'broken.yaml'), 'utf8')).toBe(sealed('broken', 'AgOld3'));
    expect(mem.stdout()).toBe(
      'Re-encrypted 2 SealedSecrets in 1 file, 1 file without SealedSecrets, 1 failed.\n' +
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

  it('runs again cleanly, and draws no bar when stderr is not a terminal', async () => {
    const file = join(dir, 'one.yaml');
    writeFileSync(file, sealed('one', 'AgOld9'));
    const mem = memoryIo({ stderrIsTTY: false });
    const code = await run(
      ['reencrypt', '-f', file, '--kubeconfig', join(dir, 'kubeconfig')],
      { ...mem.io, fs: nodeIo().fs },
      {},
    );
    expect(code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(sealed('one', 'AgNew9'));
    expect(mem.stderr()).toBe('');
    expect(mem.stdout()).toMatch(
      /^Re-encrypted 1 SealedSecret in 1 file, 0 files without SealedSecrets, 0 failed\.\n/,
    );
  });
});
