import { execFileSync, spawn } from 'node:child_process';
import { chmod, cp, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../test-helpers/fake-apiserver.js';

// These tests run the built CLI (bin/kubeseal.js → dist/bundle/) as a child process. This package is compiled and
// bundled first; the core is used as last built (`pnpm build`), so a core mid-edit elsewhere in the tree does not
// break these tests.

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(PACKAGE_DIR, 'bin', 'kubeseal.js');
const TSC = fileURLToPath(new URL('../../../../node_modules/typescript/bin/tsc', import.meta.url));
const BUNDLE_SCRIPT = join(PACKAGE_DIR, 'scripts', 'bundle.mjs');
const DIST_URL = new URL('../../dist/', import.meta.url).href;
const CERT = join(VECTOR_4096_DIR, 'tls.crt');

/**
 * A module hook that appends to the file in its data every resolved URL that contains @kubernetes/client-node or
 * lies in a `dist/` folder of a kubeseal package (which bundle or compiled modules the bin ran).
 */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (
    result.url.includes('@kubernetes/client-node') ||
    specifier.includes('@kubernetes/client-node') ||
    /\\/kubeseal[^/]*\\/dist\\//.test(result.url)
  ) {
    appendFileSync(log, result.url + '\\n');
  }
  return result;
}
`;
const REGISTER = (hooksUrl: string, log: string) => `
import { register } from 'node:module';
register(${JSON.stringify(hooksUrl)}, { data: { log: ${JSON.stringify(log)} } });
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('bin/kubeseal.js', () => {
  let dir = '';
  let server: FakeApiServer | undefined;
  let counter = 0;

  beforeAll(async () => {
    execFileSync(process.execPath, [TSC, '-p', join(PACKAGE_DIR, 'tsconfig.json')], { stdio: 'inherit' });
    execFileSync(process.execPath, [BUNDLE_SCRIPT], { stdio: 'inherit' });
    dir = await mkdtemp(join(tmpdir(), 'kubeseal-bin-'));
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    server = await startFakeApiServer({ certificate: await readFile(CERT, 'utf8') });
    await writeFile(join(dir, 'kubeconfig'), kubeconfigFor(server.url));
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Runs the CLI with the tracking hook; returns its output, the client-node URLs and the dist/ modules it resolved. */
  async function kubeseal(
    args: string[],
    stdin = '',
    bin = BIN,
  ): Promise<Result & { clientNode: string[]; dist: string[] }> {
    const log = join(dir, `modules-${++counter}.log`);
    await writeFile(log, '');
    const register = join(dir, `register-${counter}.mjs`);
    await writeFile(register, REGISTER(new URL(`file://${join(dir, 'hooks.mjs')}`).href, log));
    const result = await new Promise<Result>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', register, bin, ...args], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: join(dir, 'kubeconfig') },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
      // A CLI that refuses an oversized input exits before reading it all: the rest of the write fails with EPIPE.
      child.stdin.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE') reject(error);
      });
      child.stdin.end(stdin);
    });
    const resolved = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '');
    const clientNode = resolved.filter((url) => url.includes('@kubernetes/client-node'));
    const dist = resolved.filter((url) => !url.includes('@kubernetes/client-node'));
    return { ...result, clientNode, dist };
  }

  const secretYaml =
    'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ns\nstringData:\n  a: b\n';

  it('prints the version and exits 0', async () => {
    const r = await kubeseal(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: 'kubeseal version: v0.1.0\n', stderr: '' });
  });

  it('ends quietly with 141 (as Go, killed by SIGPIPE) when the reader of its output went away', async () => {
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: ns\nstringData:\n  a: b\n';
    for (const args of [['--version'], ['--cert', CERT, '-o', 'yaml']]) {
      const r = await new Promise<Result>((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '' },
        });
        // Closed before the child can write: its first write to stdout fails with EPIPE.
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout: '', stderr }));
        child.stdin.end(secret);
      });
      expect(r, args.join(' ')).toEqual({ code: 141, stdout: '', stderr: '' });
    }
  });

  it('exits 2 with the usage on an unknown flag', async () => {
    const r = await kubeseal(['--nope']);
    expect(r.code).toBe(2);
    expect(r.stdout.startsWith('Usage of kubeseal:\n')).toBe(true);
    expect(r.stderr).toBe('unknown flag: --nope\n');
  });

  it.each([
    ['--help', ['--help'], ''],
    ['--version', ['--version'], ''],
    ['--cert sealing', ['--cert', CERT, '-o', 'yaml'], secretYaml],
    ['--raw', ['--cert', CERT, '--raw', '--scope', 'cluster-wide'], 'value'],
    [
      '--recovery-unseal',
      [
        '--recovery-unseal',
        '--recovery-private-key',
        join(VECTOR_4096_DIR, 'tls.key'),
        '-f',
        join(VECTOR_4096_DIR, 'sealed-strict.json'),
      ],
      '',
    ],
  ])('never loads @kubernetes/client-node for %s', async (_name, args, stdin) => {
    const r = await kubeseal(args, stdin);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.clientNode).toEqual([]);
  });

  it('reaches the cluster without @kubernetes/client-node for a static kubeconfig (--fetch-cert)', async () => {
    // First contact: trust on first use, pinned in $HOME/.config/kubeseal/known-certs.json (issue 14).
    const first = await kubeseal(['--fetch-cert']);
    expect(first).toMatchObject({ code: 0 });
    expect(first.stderr).toMatch(
      /^notice: first contact with http:\/\/127\.0\.0\.1:\d+#kube-system\/sealed-secrets-controller: trusting certificate SHA256:\S+ and remembering it\n$/,
    );
    const known = JSON.parse(await readFile(join(dir, '.config/kubeseal/known-certs.json'), 'utf8')) as {
      controllers: Record<string, string[]>;
    };
    expect(Object.values(known.controllers)).toHaveLength(1);
    const r = await kubeseal(['--fetch-cert']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(await readFile(CERT, 'utf8'));
    expect(r.clientNode).toEqual([]);
  });

  it('loads @kubernetes/client-node for an exec credential plugin (the checks above can fail)', async () => {
    const plugin = join(dir, 'exec-plugin.mjs');
    await writeFile(
      plugin,
      `#!${process.execPath}\nprocess.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec' } }));\n`,
    );
    await chmod(plugin, 0o755);
    const kubeconfig = (await readFile(join(dir, 'kubeconfig'), 'utf8')).replace(
      '    token: test-token',
      `    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ${plugin}`,
    );
    await writeFile(join(dir, 'kubeconfig-exec'), kubeconfig);
    const r = await kubeseal(['--fetch-cert', '--kubeconfig', join(dir, 'kubeconfig-exec')]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toBe(await readFile(CERT, 'utf8'));
    expect(r.clientNode.length).toBeGreaterThan(0);
    expect(server?.requests.at(-1)?.headers.authorization).toBe('Bearer from-exec');
  });

  it('writes -w files only when the command succeeds', async () => {
    const out = join(dir, 'sealed.yaml');
    const ok = await kubeseal(['--cert', CERT, '-w', out], secretYaml);
    expect(ok).toMatchObject({ code: 0, stdout: '' });
    const written = await readFile(out, 'utf8');
    expect(written.startsWith('---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\n')).toBe(true);
    const failed = await kubeseal(
      ['--cert', CERT, '-w', out],
      `${secretYaml}---\nkind: Secret\nmetadata: {name: empty}\n`,
    );
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('error: secret.data is empty in input Secret');
    expect(await readFile(out, 'utf8')).toBe(written);
  });

  // Issue 9 item 4: on Node 20 these inputs made the process abort (V8 fatal error, exit 134) while parsing.
  const deepYamlStream = `a: 1\n---\nb: 2\n---\nx: ${'['.repeat(6000)}${']'.repeat(6000)}\n`;
  it.each([
    ['2 000 nested [ (4 KB)', '['.repeat(2000), 'error: document 1: nested deeper than 100 levels\n'],
    [
      'a JSON object holding 2 000 nested [',
      `{"a":${'['.repeat(2000)}`,
      'error: document 1: nested deeper than 100 levels\n',
    ],
    [
      'an 18 KB three-document YAML, the last one deep',
      deepYamlStream,
      'error: document 3: nested deeper than 100 levels\n',
    ],
  ])(
    'refuses %s with one line and exit 1, in every mode that reads documents',
    async (_name, input, error) => {
      expect(Buffer.byteLength(input)).toBeLessThan(20_000);
      const key = join(VECTOR_4096_DIR, 'tls.key');
      const hostile = join(dir, `hostile-${++counter}`);
      await writeFile(hostile, input);
      for (const args of [
        ['--cert', CERT],
        ['--recovery-unseal', '--recovery-private-key', key],
        ['--cert', CERT, '--merge-into', hostile],
      ]) {
        const r = await kubeseal(args, args.includes('--merge-into') ? secretYaml : input);
        expect({ args, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({
          args,
          code: 1,
          stderr: error,
          stdout: '',
        });
      }
      const keys = await kubeseal(['--recovery-unseal', '--recovery-private-key', hostile], '{}');
      expect(keys.code).toBe(1);
      expect(keys.stderr.split('\n')).toHaveLength(2);
    },
  );

  it('refuses inputs over 8 MiB without reading them whole, from stdin, -f and --raw', async () => {
    const big = `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\nstringData:\n  a: ${'x'.repeat(9 << 20)}\n`;
    const file = join(dir, 'big.yaml');
    await writeFile(file, big);
    expect(await kubeseal(['--cert', CERT], big)).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'error: the input is larger than 8 MiB\n',
    });
    expect(await kubeseal(['--cert', CERT, '-f', file])).toMatchObject({
      code: 1,
      stderr: 'error: the input is larger than 8 MiB\n',
    });
    expect(
      await kubeseal(['--cert', CERT, '--raw', '--scope', 'cluster-wide', '--from-file', file]),
    ).toMatchObject({
      code: 1,
      stderr: 'error: the value is larger than 8 MiB\n',
    });
  });

  it('seals and recovers a 4 MiB value (the base64 check overflowed the stack above 3.4 MiB)', async () => {
    const value = Buffer.alloc(4 << 20, 'v').toString();
    const sealed = await kubeseal(
      ['--cert', CERT],
      `apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ns}\ndata:\n  a: ${Buffer.from(value).toString('base64')}\n`,
    );
    expect(sealed).toMatchObject({ code: 0, stderr: '' });
    const file = join(dir, 'big-sealed.json');
    await writeFile(file, sealed.stdout);
    const key = join(VECTOR_4096_DIR, 'tls.key');
    const unsealed = await kubeseal(['--recovery-unseal', '--recovery-private-key', key, '-f', file]);
    expect(unsealed).toMatchObject({ code: 0, stderr: '' });
    const secret = JSON.parse(unsealed.stdout) as { data: { a: string } };
    expect(Buffer.from(secret.data.a, 'base64').toString() === value).toBe(true);
  });

  it('runs from dist/bundle/ and loads no compiled module of dist/', async () => {
    const r = await kubeseal(['--cert', CERT, '-o', 'yaml'], secretYaml);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kind: SealedSecret');
    expect(r.dist).toContain(`${DIST_URL}bundle/kubeseal.js`);
    expect(r.dist.filter((url) => !url.startsWith(`${DIST_URL}bundle/`))).toEqual([]);
  });

  it('falls back to the compiled modules when the bundle is older than the compilation or missing', async () => {
    // A copy of bin/ and dist/ whose timestamps can be changed without touching the package.
    const copy = join(dir, 'kubeseal-copy');
    await cp(join(PACKAGE_DIR, 'bin'), join(copy, 'bin'), { recursive: true });
    await cp(join(PACKAGE_DIR, 'dist'), join(copy, 'dist'), { recursive: true, preserveTimestamps: true });
    await symlink(join(PACKAGE_DIR, 'node_modules'), join(copy, 'node_modules'));
    const bin = join(copy, 'bin', 'kubeseal.js');
    const copyDist = new URL(`file://${join(copy, 'dist')}/`).href;
    const sealWith = async () => {
      const r = await kubeseal(['--cert', CERT, '-o', 'yaml'], secretYaml, bin);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toContain('kind: SealedSecret');
      return r.dist;
    };

    expect(await sealWith()).toContain(`${copyDist}bundle/kubeseal.js`);
    const later = new Date(Date.now() + 60_000);
    await utimes(join(copy, 'dist', '.tsbuildinfo'), later, later);
    const stale = await sealWith();
    expect(stale).toContain(`${copyDist}main.js`);
    expect(stale.filter((url) => url.includes('/bundle/'))).toEqual([]);
    await rm(join(copy, 'dist', 'bundle'), { recursive: true });
    expect(await sealWith()).toContain(`${copyDist}main.js`);
  });
});
