import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '@ssts/core';
import { kubeseal, type CliResult } from '../kubeseal/support.js';
import {
  UPSTREAM_BUILD_TIMEOUT_MS,
  defaultUpstreamVersion,
  goKubeseal,
  upstreamBinaries,
} from './upstream.js';

// Go kubeseal (v0.40.0 unless SEALED_SECRETS_VERSION says otherwise) as an oracle for our CLI offline: the same arguments, input and files must give the same
// exit code, the same stderr and the same stdout apart from the randomized ciphertexts. Cases where our kubeseal
// deviates on purpose (packages/kubeseal/README.md, "Quirk decisions" / "Behaviour beyond upstream") are
// asserted separately, as documented.

let dir: string;

beforeAll(async () => {
  await upstreamBinaries();
  dir = mkdtempSync(join(tmpdir(), 'ssts-interop-parity-'));
  // An independent key and certificate (openssl; PKCS#8 key, as `openssl req -nodes` writes it, compat §4.1).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-nodes',
      '-newkey',
      'rsa:2048',
      '-keyout',
      join(dir, 'tls.key'),
      '-out',
      join(dir, 'tls.crt'),
      '-subj',
      '/CN=parity',
      '-days',
      '30',
    ],
    { stdio: 'ignore' },
  );
  const backup = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/tls',
        metadata: { name: 'sealed-secrets-keyabcde', namespace: 'kube-system' },
        data: {
          'tls.crt': readFileSync(join(dir, 'tls.crt')).toString('base64'),
          'tls.key': readFileSync(join(dir, 'tls.key')).toString('base64'),
        },
      },
    ],
  };
  writeFileSync(join(dir, 'backup.json'), JSON.stringify(backup));
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(
    join(dir, 'expired.crt'),
    createSelfSignedCertificate({
      privateKey,
      publicKey,
      notBefore: new Date('2020-01-01T00:00:00Z'),
      validityMs: 86_400_000,
      serial: new Uint8Array(16).fill(1),
    }),
  );
  writeFileSync(join(dir, 'value.txt'), 'file value');
  // Sealed by Go for the recovery cases.
  const sealed = await goKubeseal(['--cert', join(dir, 'tls.crt')], { input: SECRET });
  if (sealed.code !== 0) throw new Error(`go kubeseal: ${sealed.stderr}`);
  writeFileSync(join(dir, 'sealed.json'), sealed.stdout);
  const renamed = JSON.parse(sealed.stdout) as { metadata: { name: string } };
  renamed.metadata.name = 'renamed';
  writeFileSync(join(dir, 'renamed.json'), JSON.stringify(renamed));
  const templated = await goKubeseal(['--cert', join(dir, 'tls.crt')], { input: TEMPLATED_SECRET });
  if (templated.code !== 0) throw new Error(`go kubeseal: ${templated.stderr}`);
  writeFileSync(join(dir, 'templated-base.json'), templated.stdout);
}, UPSTREAM_BUILD_TIMEOUT_MS);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: app
  namespace: web
  labels: {app: web}
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: "{}"
    note: "<&>"
type: Opaque
data:
  a: YmFy
stringData:
  b: "multi\\nline"
`;

/** The encryptedData of the addendum's template examples (§2.1, §2.2). */
const TEMPLATED_SECRET = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'templated', namespace: 'web' },
  stringData: { password: 'hunter2', shared: 'from-encrypted', foo: 'bar' },
});

const TWO_DOCS = `${SECRET}---\n${SECRET.replace('name: app', 'name: app2')}`;

const CONCAT_JSON =
  '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"j1","namespace":"web","annotations":' +
  '{"sealedsecrets.bitnami.com/namespace-wide":"true"},"uid":"u-1","resourceVersion":"7",' +
  '"creationTimestamp":"2020-01-01T00:00:00Z"},"type":"kubernetes.io/dockerconfigjson","immutable":true,' +
  '"data":{"a":"YmFy"}}\n{"apiVersion":"v1","kind":"Secret","metadata":{"name":"j2"},"data":{"b":"YmFy"}}';

const EMPTY = 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: empty\n  namespace: web\n';
const NO_NAME = 'apiVersion: v1\nkind: Secret\nmetadata:\n  namespace: web\ndata:\n  a: YmFy\n';

/** Ciphertexts are randomized: replace every long base64 run so outputs can be compared as text. */
const scrub = (text: string): string => text.replace(/[A-Za-z0-9+/]{100,}={0,2}/g, '<ciphertext>');

interface Case {
  name: string;
  args: (d: string) => string[];
  input?: string | ((d: string) => string);
}

// No kubeconfig at all (empty HOME, no KUBECONFIG, not in a pod), so nothing can reach a cluster.
const CASES: Case[] = [
  { name: 'seal to JSON', args: (d) => ['--cert', join(d, 'tls.crt')], input: SECRET },
  { name: 'seal to YAML', args: (d) => ['--cert', join(d, 'tls.crt'), '-o', 'yaml'], input: SECRET },
  { name: 'two YAML documents', args: (d) => ['--cert', join(d, 'tls.crt'), '-o', 'yaml'], input: TWO_DOCS },
  {
    name: 'concatenated JSON, -n',
    args: (d) => ['--cert', join(d, 'tls.crt'), '-n', 'web'],
    input: CONCAT_JSON,
  },
  {
    name: '--scope cluster-wide',
    args: (d) => ['--cert', join(d, 'tls.crt'), '--scope', 'cluster-wide', '-o', 'yaml'],
    input: CONCAT_JSON,
  },
  { name: '--name override', args: (d) => ['--cert', join(d, 'tls.crt'), '--name', 'other'], input: SECRET },
  { name: 'file:// certificate', args: (d) => ['--cert', `file://${join(d, 'tls.crt')}`], input: SECRET },
  {
    name: '--allow-empty-data',
    args: (d) => ['--cert', join(d, 'tls.crt'), '--allow-empty-data'],
    input: EMPTY,
  },
  { name: 'empty data', args: (d) => ['--cert', join(d, 'tls.crt')], input: EMPTY },
  { name: 'missing name', args: (d) => ['--cert', join(d, 'tls.crt')], input: NO_NAME },
  { name: 'namespace mismatch', args: (d) => ['--cert', join(d, 'tls.crt'), '-n', 'other'], input: SECRET },
  { name: 'unsupported format', args: (d) => ['--cert', join(d, 'tls.crt'), '-o', 'xml'], input: SECRET },
  { name: 'missing cert file', args: (d) => ['--cert', join(d, 'nope.crt')], input: SECRET },
  { name: 'cert file is not PEM', args: (d) => ['--cert', join(d, 'value.txt')], input: SECRET },
  { name: 'expired certificate', args: (d) => ['--cert', join(d, 'expired.crt')], input: SECRET },
  { name: 'no input', args: (d) => ['--cert', join(d, 'tls.crt')], input: '' },
  { name: '--from-file without --raw', args: (d) => ['--cert', join(d, 'tls.crt'), '--from-file', 'x'] },
  {
    name: '--raw strict',
    args: (d) => ['--cert', join(d, 'tls.crt'), '--raw', '-n', 'web', '--name', 'app'],
    input: 'value',
  },
  {
    name: '--raw namespace-wide --from-file',
    args: (d) => [
      '--cert',
      join(d, 'tls.crt'),
      '--raw',
      '--scope',
      'namespace-wide',
      '-n',
      'web',
      '--from-file',
      join(d, 'value.txt'),
    ],
  },
  {
    name: '--raw without --name',
    args: (d) => ['--cert', join(d, 'tls.crt'), '--raw', '-n', 'web'],
    input: 'v',
  },
  {
    name: '--raw without namespace',
    args: (d) => ['--cert', join(d, 'tls.crt'), '--raw', '--name', 'x'],
    input: 'v',
  },
  {
    name: '--raw with two --from-file',
    args: (d) => [
      '--cert',
      join(d, 'tls.crt'),
      '--raw',
      '--scope',
      'cluster-wide',
      '--from-file',
      'a',
      '--from-file',
      'b',
    ],
  },
  {
    name: '--recovery-unseal with a PEM key',
    args: (d) => [
      '--recovery-unseal',
      '--recovery-private-key',
      join(d, 'tls.key'),
      '-f',
      join(d, 'sealed.json'),
    ],
  },
  {
    name: '--recovery-unseal with a List backup, YAML output',
    args: (d) => ['--recovery-unseal', '--recovery-private-key', join(d, 'backup.json'), '-o', 'yaml'],
    input: (d) => readFileSync(join(d, 'sealed.json'), 'utf8'),
  },
  {
    name: '--recovery-unseal, comma-separated keys',
    args: (d) => [
      '--recovery-unseal',
      '--recovery-private-key',
      `${join(d, 'backup.json')},${join(d, 'tls.key')}`,
      '-f',
      join(d, 'sealed.json'),
    ],
  },
  { name: '--fetch-cert with --cert', args: (d) => ['--fetch-cert', '--cert', join(d, 'tls.crt')] },
  { name: '--fetch-cert without a cluster', args: () => ['--fetch-cert'] },
  { name: '--validate without a cluster', args: (d) => ['--validate', '-f', join(d, 'sealed.json')] },
  {
    name: '--re-encrypt without a cluster',
    args: (d) => ['--re-encrypt', '-f', join(d, 'sealed.json'), '-w', join(d, 'x.json')],
  },
  { name: 'missing --secret-file', args: (d) => ['--cert', join(d, 'tls.crt'), '-f', join(d, 'nope.yaml')] },
];

async function both(c: Case): Promise<{ go: CliResult; ours: CliResult }> {
  const args = c.args(dir);
  const input = typeof c.input === 'function' ? c.input(dir) : c.input;
  const options = input === undefined ? {} : { input };
  return { go: await goKubeseal(args, options), ours: await kubeseal(args, options) };
}

describe('our kubeseal vs upstream Go kubeseal, offline', () => {
  it(`the oracle is Go kubeseal v${defaultUpstreamVersion()}`, async () => {
    expect(await goKubeseal(['--version'])).toEqual({
      code: 0,
      stdout: `kubeseal version: v${defaultUpstreamVersion()}\n`,
      stderr: '',
    });
  });

  it.each(CASES)('$name: same exit code, stderr and stdout (ciphertexts aside)', async (c) => {
    const { go, ours } = await both(c);
    expect({ code: ours.code, stderr: ours.stderr, stdout: scrub(ours.stdout) }).toEqual({
      code: go.code,
      stderr: go.stderr,
      stdout: scrub(go.stdout),
    });
  });

  it('--merge-into rewrites the file the same way', async () => {
    const cert = join(dir, 'tls.crt');
    const sealed = await goKubeseal(['--cert', cert], { input: SECRET });
    writeFileSync(join(dir, 'merge-go.json'), sealed.stdout);
    copyFileSync(join(dir, 'merge-go.json'), join(dir, 'merge-ours.json'));
    const more = SECRET.replace('a: YmFy', 'c: YmF6').replace('app: web', 'extra: label');
    const args = (file: string) => ['--cert', cert, '--merge-into', join(dir, file)];
    const go = await goKubeseal(args('merge-go.json'), { input: more });
    const ours = await kubeseal(args('merge-ours.json'), { input: more });
    expect(ours).toEqual(go);
    expect(scrub(readFileSync(join(dir, 'merge-ours.json'), 'utf8'))).toBe(
      scrub(readFileSync(join(dir, 'merge-go.json'), 'utf8')),
    );
  });

  it('documented deviation: failed --recovery-unseal adds a hint line after the upstream error', async () => {
    const { go, ours } = await both({
      name: 'renamed',
      args: (d) => [
        '--recovery-unseal',
        '--recovery-private-key',
        join(d, 'tls.key'),
        '-f',
        join(d, 'renamed.json'),
      ],
    });
    expect(go.code).toBe(1);
    expect(go.stderr).toMatch(/^error: .*key could decrypt secret \(/);
    expect(ours.code).toBe(1);
    expect(ours.stdout).toBe(go.stdout);
    // The failed items are listed in Go map order, which is random: compare them as sets.
    const sortItems = (text: string) =>
      text.replace(/\(([^)]*)\)/, (_, items: string) => `(${items.split(', ').sort().join(', ')})`);
    const [error, hint, ...rest] = ours.stderr.split('\n');
    expect(sortItems(`${error ?? ''}\n`)).toBe(sortItems(go.stderr));
    expect(hint).toMatch(
      /^hint: no key could decrypt any item; tried 1 key with scope strict \(label "web\/renamed"\)/,
    );
    expect(rest).toEqual(['']);
  });

  it('documented deviation: a bad flag prints the usage on stdout and the error on stderr (Go: both on stdout)', async () => {
    const { go, ours } = await both({ name: 'bad scope', args: () => ['--scope', 'foo'] });
    const message =
      'invalid argument "foo" for "--scope" flag: must be one of: strict, namespace-wide, cluster-wide';
    expect(go.code).toBe(2);
    expect(go.stdout).toContain(message);
    expect(ours.code).toBe(2);
    expect(ours.stderr).toBe(`${message}\n`);
    expect(ours.stdout).toMatch(/^Usage of kubeseal:\n/);
  });

  /** The Go-sealed TEMPLATED_SECRET with `data` as its template.data, written to `file` (never through an API server). */
  function templatedFile(file: string, data: Record<string, string | null>): string {
    const ss = JSON.parse(readFileSync(join(dir, 'templated-base.json'), 'utf8')) as {
      spec: { template: Record<string, unknown> };
    };
    ss.spec.template['data'] = data;
    writeFileSync(join(dir, file), JSON.stringify(ss));
    return join(dir, file);
  }

  it('--recovery-unseal follows the v0.37/v0.40 template rules (addendum §2.1, §2.2): raw plaintext variables, decrypted items win, null drops the item', async () => {
    const file = templatedFile('templated.json', {
      username: 'myUsername',
      settings: '<u>{{ .username }}</u><p>{{ .password }}</p>',
      shared: 'from-plaintext',
      out: '{{ .shared }}',
      a: '{{ "x" }}',
      b: '{{ .a }}',
      foo: null,
      bar2: 'x{{ .foo }}x',
    });
    const { go, ours } = await both({
      name: 'templates',
      args: (d) => ['--recovery-unseal', '--recovery-private-key', join(d, 'tls.key'), '-f', file],
    });
    expect(go.code, go.stderr).toBe(0);
    const data = (JSON.parse(go.stdout) as { data: Record<string, string> }).data;
    expect(
      Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()])),
    ).toEqual({
      password: 'hunter2',
      shared: 'from-encrypted',
      username: 'myUsername',
      settings: '<u>myUsername</u><p>hunter2</p>',
      out: 'from-encrypted',
      a: 'x',
      b: '{{ "x" }}',
      bar2: 'xbarx',
    });
    expect(ours).toEqual(go);
  });

  it('--recovery-unseal: a failing template named like an encryptedData item still fails (addendum §2.1 row 4)', async () => {
    const file = templatedFile('shadowed.json', { shared: '{{ fail "boom" }}' });
    const { go, ours } = await both({
      name: 'shadowed',
      args: (d) => ['--recovery-unseal', '--recovery-private-key', join(d, 'tls.key'), '-f', file],
    });
    expect(go.code).toBe(1);
    expect(go.stderr).toMatch(/\(shared\)/);
    expect(ours.code).toBe(go.code);
    expect(ours.stdout).toBe(go.stdout);
    expect(ours.stderr).toMatch(/\(shared\)/);
  });

  it("--merge-into keeps a null in the file's template.data (v0.40.0, addendum §2.2)", async () => {
    const cert = join(dir, 'tls.crt');
    const goFile = templatedFile('merge-null-go.json', { foo: null, x: '{{ .foo }}' });
    copyFileSync(goFile, join(dir, 'merge-null-ours.json'));
    const more = TEMPLATED_SECRET.replace('"foo":"bar"', '"extra":"v"');
    const go = await goKubeseal(['--cert', cert, '--merge-into', goFile], { input: more });
    const ours = await kubeseal(['--cert', cert, '--merge-into', join(dir, 'merge-null-ours.json')], {
      input: more,
    });
    expect(go).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(ours).toEqual(go);
    const merged = readFileSync(goFile, 'utf8');
    expect((JSON.parse(merged) as { spec: { template: { data: unknown } } }).spec.template.data).toEqual({
      foo: null,
      x: '{{ .foo }}',
    });
    expect(scrub(readFileSync(join(dir, 'merge-null-ours.json'), 'utf8'))).toBe(scrub(merged));
  });
});
