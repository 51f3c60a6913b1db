import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { independentDecrypt } from '../test-helpers/independent-crypto.js';
import { memoryIo, type MemoryIoOptions } from '../test-helpers/memory-io.js';

// Behaviours of upstream's kubeseal unit tests (compat §9.3), run through run() with in-memory I/O.

const TLS_CRT = readFileSync(join(VECTOR_4096_DIR, 'tls.crt'), 'utf8');
const TLS_KEY = readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8');
const FIXTURES: Record<string, string> = {
  '/tls.crt': TLS_CRT,
  '/tls.key': TLS_KEY,
  '/key-backup.json': readFileSync(join(VECTOR_4096_DIR, 'key-backup.json'), 'utf8'),
  '/home/u/.kube/config':
    'current-context: c\ncontexts: [{name: c, context: {cluster: k, namespace: kube-ns}}]\nclusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]\n',
};
const ENV = { HOME: '/home/u' };

interface SealedDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: {
    template: {
      metadata: {
        name?: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
      };
    };
    encryptedData: Record<string, string>;
  };
}

async function kubeseal(args: string[], options: MemoryIoOptions = {}) {
  const mem = memoryIo({ ...options, files: { ...FIXTURES, ...options.files } });
  const code = await run(args, mem.io, ENV);
  return { code, stdout: mem.stdout(), stderr: mem.stderr(), files: mem.files, mem };
}

function jsonStream(text: string): SealedDoc[] {
  return text
    .split(/\n(?=\{)/)
    .filter((t) => t.trim() !== '')
    .map((t) => JSON.parse(t) as SealedDoc);
}

function labelOf(doc: SealedDoc): string {
  const a = doc.metadata.annotations ?? {};
  if (a['sealedsecrets.bitnami.com/cluster-wide'] === 'true') return '';
  if (a['sealedsecrets.bitnami.com/namespace-wide'] === 'true') return doc.metadata.namespace ?? '';
  return `${doc.metadata.namespace ?? ''}/${doc.metadata.name}`;
}

const secret = (name: string, namespace: string | undefined, data: Record<string, string>) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    data,
  });
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('sealed output decrypts with an independent implementation (plain node:crypto)', () => {
  it.each(['strict', 'namespace-wide', 'cluster-wide'])(
    'scope %s, data and stringData (stringData wins)',
    async (scope) => {
      const input = JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'app', namespace: 'team' },
        data: {
          password: b64('hunter2'),
          shared: b64('from-data'),
          binary: Buffer.from([0, 255, 10]).toString('base64'),
        },
        stringData: { shared: 'from-stringData', note: 'ünïcode' },
      });
      const r = await kubeseal(['--cert', '/tls.crt', '--scope', scope], { stdin: input });
      expect(r.stderr).toBe('');
      const [doc] = jsonStream(r.stdout);
      if (doc === undefined) throw new Error('no output');
      const plain = Object.fromEntries(
        Object.entries(doc.spec.encryptedData).map(([k, v]) => [
          k,
          independentDecrypt(TLS_KEY, v, labelOf(doc)),
        ]),
      );
      expect(plain).toEqual({
        password: Buffer.from('hunter2'),
        shared: Buffer.from('from-stringData'),
        binary: Buffer.from([0, 255, 10]),
        note: Buffer.from('ünïcode'),
      });
      expect(labelOf(doc)).toBe({ strict: 'team/app', 'namespace-wide': 'team', 'cluster-wide': '' }[scope]);
    },
  );

  it('raw output decrypts with the label of --namespace/--name/--scope', async () => {
    const r = await kubeseal(['--cert', '/tls.crt', '--raw', '-n', 'team', '--name', 'app'], {
      stdin: 's3cr3t',
    });
    expect(r.stdout).not.toContain('\n');
    expect(independentDecrypt(TLS_KEY, r.stdout, 'team/app').toString()).toBe('s3cr3t');
    expect(() => independentDecrypt(TLS_KEY, r.stdout, 'team/other')).toThrow();
  });
});

describe('compat §9.3', () => {
  it('1: uses the fixed 4096-bit certificate: its public key is the private key’s, exponent 65537', async () => {
    const r = await kubeseal(['--cert', '/tls.crt', '--fetch-cert']);
    expect(r.stdout).toBe(TLS_CRT);
    const jwk = new X509Certificate(r.stdout).publicKey.export({ format: 'jwk' });
    const keyJwk = createPrivateKey(TLS_KEY).export({ format: 'jwk' });
    expect(jwk.e).toBe('AQAB');
    expect(jwk.n).toBe(keyJwk.n);
    expect(Buffer.from(jwk.n ?? '', 'base64url').length).toBe(512);
  });

  it('3: multi-document JSON and YAML give SealedSecrets in order; YAML starts with --- and does not end with it', async () => {
    const json = await kubeseal(['--cert', '/tls.crt'], {
      stdin: `${secret('one', 'a', { k: b64('1') })}\n${secret('two', 'b', { k: b64('2') })}`,
    });
    expect(jsonStream(json.stdout).map((d) => [d.metadata.name, d.metadata.namespace])).toEqual([
      ['one', 'a'],
      ['two', 'b'],
    ]);
    const yaml = await kubeseal(['--cert', '/tls.crt', '-o', 'yaml'], {
      stdin:
        'metadata: {name: one, namespace: a}\ndata: {k: MQ==}\n---\nmetadata: {name: two, namespace: b}\ndata: {k: Mg==}\n',
    });
    expect(yaml.stdout.startsWith('---\n')).toBe(true);
    expect(yaml.stdout.endsWith('---\n')).toBe(false);
    const docs = yaml.stdout
      .split(/^---\n/m)
      .filter((d) => d !== '')
      .map((d) => parseYaml(d) as SealedDoc);
    expect(docs.map((d) => [d.kind, d.metadata.name, d.metadata.namespace])).toEqual([
      ['SealedSecret', 'one', 'a'],
      ['SealedSecret', 'two', 'b'],
    ]);
  });

  it.each([
    ['cluster-wide', undefined, undefined, 'sealedsecrets.bitnami.com/cluster-wide'],
    ['cluster-wide', 'given', 'given', 'sealedsecrets.bitnami.com/cluster-wide'],
    ['namespace-wide', undefined, 'kube-ns', 'sealedsecrets.bitnami.com/namespace-wide'],
    ['strict', undefined, 'kube-ns', undefined],
  ])('4: scope %s with namespace %s → %s, annotation %s', async (scope, ns, expectedNs, annotation) => {
    const r = await kubeseal(['--cert', '/tls.crt', '--scope', scope], {
      stdin: secret('s', ns, { a: b64('x') }),
    });
    const [doc] = jsonStream(r.stdout);
    expect(doc?.metadata.namespace).toBe(expectedNs);
    expect(Object.keys(doc?.metadata.annotations ?? {})).toEqual(
      annotation === undefined ? [] : [annotation],
    );
    expect(doc?.spec.template.metadata.annotations?.[annotation ?? ''] ?? 'none').toBe(
      annotation === undefined ? 'none' : 'true',
    );
    for (const value of Object.values(doc?.spec.encryptedData ?? {}))
      expect(value.length).toBeGreaterThan(100);
  });

  it.each([
    [
      ['-n', 'other'],
      'myns',
      'error: namespace mismatch: input secret is in namespace "myns" but "other" was specified\n',
    ],
    [['-n', 'myns'], 'myns', ''],
    [[], 'myns', ''],
    [['-n', 'myns'], undefined, ''],
  ])('5: namespace flags %j with secret namespace %s', async (flags, ns, stderr) => {
    const r = await kubeseal(['--cert', '/tls.crt', ...flags], { stdin: secret('s', ns, { a: b64('x') }) });
    expect(r.stderr).toBe(stderr);
    expect(r.code).toBe(stderr === '' ? 0 : 1);
    if (stderr === '') expect(jsonStream(r.stdout)[0]?.metadata.namespace).toBe('myns');
  });

  it('7: merge-into adds new items, replaces existing ones, merges template labels/annotations, ignores input name/ns', async () => {
    const first = await kubeseal(['--cert', '/tls.crt'], {
      stdin: JSON.stringify({
        metadata: { name: 'target', namespace: 'tns', labels: { keep: 'me', app: 'old' } },
        data: { existing: b64('old'), untouched: b64('same') },
      }),
    });
    const before = jsonStream(first.stdout)[0];
    const merged = await kubeseal(['--cert', '/tls.crt', '--merge-into', '/target.json'], {
      files: { '/target.json': first.stdout },
      stdin: JSON.stringify({
        metadata: {
          name: 'bad-name',
          namespace: 'bad-ns',
          labels: { app: 'new' },
          annotations: { note: 'n' },
        },
        data: { existing: b64('new'), added: b64('fresh') },
      }),
    });
    expect(merged).toMatchObject({ code: 0, stdout: '', stderr: '' });
    const after = JSON.parse(merged.files.get('/target.json')?.toString() ?? '') as SealedDoc;
    expect(after.metadata).toEqual(before?.metadata);
    expect(Object.keys(after.spec.encryptedData).sort()).toEqual(['added', 'existing', 'untouched']);
    expect(after.spec.encryptedData.untouched).toBe(before?.spec.encryptedData.untouched);
    expect(after.spec.encryptedData.existing).not.toBe(before?.spec.encryptedData.existing);
    expect(after.spec.template.metadata.labels).toEqual({ keep: 'me', app: 'new' });
    expect(after.spec.template.metadata.annotations).toEqual({ note: 'n' });
    const plain = (k: string) =>
      independentDecrypt(TLS_KEY, after.spec.encryptedData[k] ?? '', 'tns/target').toString();
    expect([plain('existing'), plain('added'), plain('untouched')]).toEqual(['new', 'fresh', 'same']);
  });

  it.each([
    ['strict', 'myns', 'mysecret', true],
    ['strict', 'myns', 'othername', false],
    ['strict', 'otherns', 'mysecret', false],
    ['namespace-wide', 'myns', 'othername', true],
    ['namespace-wide', 'otherns', 'mysecret', false],
    ['cluster-wide', 'otherns', 'othername', true],
  ])(
    '8: raw value sealed with scope %s for %s/%s, placed in myns/mysecret → decrypts: %s',
    async (scope, ns, name, ok) => {
      const raw = await kubeseal(
        ['--cert', '/tls.crt', '--raw', '--scope', scope, '-n', ns, '--name', name],
        {
          stdin: 'value',
        },
      );
      expect(raw.code).toBe(0);
      const annotations = scope === 'strict' ? {} : { [`sealedsecrets.bitnami.com/${scope}`]: 'true' };
      const ss = JSON.stringify({
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'mysecret', namespace: 'myns', annotations },
        spec: {
          template: { metadata: { name: 'mysecret', namespace: 'myns' } },
          encryptedData: { foo: raw.stdout },
        },
      });
      const unsealed = await kubeseal(['--recovery-unseal', '--recovery-private-key', '/tls.key'], {
        stdin: ss,
      });
      if (ok) {
        expect(unsealed.stderr).toBe('');
        expect((JSON.parse(unsealed.stdout) as { data: Record<string, string> }).data).toEqual({
          foo: b64('value'),
        });
      } else {
        expect(unsealed.code).toBe(1);
        expect(unsealed.stderr.startsWith('error: no key could decrypt secret')).toBe(true);
      }
    },
  );

  it.each([
    [['--raw', '-n', 'ns'], 'error: must provide the --name flag with --raw and --scope strict\n'],
    [
      ['--raw', '-n', 'ns', '--name', 'n', '--from-file', '/a', '--from-file', '/b'],
      'error: must provide only one --from-file when encrypting a single item with --raw\n',
    ],
    [['--from-file', '/a'], 'error: --from-file requires --raw\n'],
  ])('9: raw argument error %j', async (args, stderr) => {
    const r = await kubeseal(['--cert', '/tls.crt', ...args], { stdin: 'x' });
    expect(r).toMatchObject({ code: 1, stdout: '', stderr });
  });

  it('9: --version, missing cert file, -w x.yaml, failing run keeps the existing file', async () => {
    expect((await kubeseal(['--version'])).stdout).toBe('kubeseal version: v0.1.0\n');
    const missing = await kubeseal(['--cert', '/nope.pem'], { stdin: secret('s', 'n', { a: 'YQ==' }) });
    expect(missing.stderr).toMatch(/^error:.*no such file or directory\n$/);
    const written = await kubeseal(['--cert', '/tls.crt', '-w', '/x.yaml'], {
      stdin: secret('s', 'n', { a: 'YQ==' }),
    });
    expect(written.stdout).toBe('');
    expect(written.files.get('/x.yaml')?.toString()).toMatch(
      /^---\napiVersion: bitnami.com\/v1alpha1\nkind: SealedSecret\n/,
    );
    const failing = await kubeseal(['--cert', '/tls.crt', '-w', '/x.yaml'], {
      files: { '/x.yaml': 'previous' },
      stdin: secret('s', 'n', {}),
    });
    expect(failing.code).toBe(1);
    expect(failing.files.get('/x.yaml')?.toString()).toBe('previous');
    expect(failing.mem.written).toEqual([]);
  });
});

describe('recovery-unseal (compat §6.10, 9.3 item 6)', () => {
  const strict = readFileSync(join(VECTOR_4096_DIR, 'sealed-strict.json'), 'utf8');
  const expected = JSON.parse(readFileSync(join(VECTOR_4096_DIR, 'expected-data.json'), 'utf8')) as Record<
    string,
    string
  >;
  const keySecret = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'k' },
    data: { 'tls.key': b64(TLS_KEY) },
  });

  it.each([
    ['a PEM key file', '/tls.key'],
    ['a JSON v1 List backup', '/key-backup.json'],
    ['a JSON key Secret', '/secret.json'],
    ['a YAML stream of key Secrets', '/secrets.yaml'],
  ])('prints the v1 Secret with keys from %s', async (_what, keyFile) => {
    const r = await kubeseal(['--recovery-unseal', '--recovery-private-key', keyFile], {
      stdin: strict,
      files: { '/secret.json': keySecret, '/secrets.yaml': `---\n${keySecret}\n---\n${keySecret}\n` },
    });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as {
      apiVersion: string;
      kind: string;
      metadata: Record<string, unknown>;
      data: Record<string, string>;
      type: string;
    };
    expect(out).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', data: expected });
    expect(out.metadata).toMatchObject({ name: 'app-credentials', namespace: 'web', labels: { app: 'web' } });
  });

  it('fails with the Go error text and a hint naming the label, never a value', async () => {
    const renamed = JSON.parse(strict) as SealedDoc;
    renamed.metadata.name = 'renamed';
    const r = await kubeseal(['--recovery-unseal', '--recovery-private-key', '/tls.key,/key-backup.json'], {
      stdin: JSON.stringify(renamed),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: no key could decrypt secret (multi-line, password, username)\n' +
        'hint: no key could decrypt any item; tried 1 key with scope strict (label "web/renamed"). ' +
        'Was the SealedSecret renamed, moved to another namespace, or sealed for another cluster?\n',
    );
    for (const value of Object.values(expected)) {
      expect(r.stderr).not.toContain(Buffer.from(value, 'base64').toString());
    }
  });

  it('fails without keys with an error matching the upstream integration regex', async () => {
    const r = await kubeseal(['--recovery-unseal'], { stdin: strict });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error:.*key could decrypt secret \(.*\)/);
  });
});

describe('input read the way kubectl reads it (issue 10)', () => {
  it('seals unquoted numbers and booleans as the text kubectl makes of them, and warns (without values) where the text changed', async () => {
    const r = await kubeseal(['--cert', '/tls.crt'], {
      stdin: [
        'apiVersion: v1',
        'kind: Secret',
        'metadata: {name: db, namespace: web, labels: {version: 1.0}}',
        'stringData: {port: 5432, ratio: 1.5, pin: 017, on: true, big: 12345678901234567890, none: ~}',
        'data: {raw: 1234}',
      ].join('\n'),
    });
    expect(r.code).toBe(0);
    const [doc] = jsonStream(r.stdout);
    if (doc === undefined) throw new Error('no output');
    const plain = Object.fromEntries(
      Object.entries(doc.spec.encryptedData).map(([k, v]) => [
        k,
        independentDecrypt(TLS_KEY, v, labelOf(doc)).toString('latin1'),
      ]),
    );
    expect(plain).toEqual({
      port: '5432',
      ratio: '1.5',
      pin: '15',
      on: 'true',
      big: '12345678901234567890',
      none: '',
      raw: Buffer.from('1234', 'base64').toString('latin1'),
    });
    expect(doc.spec.template.metadata.labels).toEqual({ version: '1' });
    expect(r.stderr).toBe(
      'warning: document 1: metadata.labels.version, stringData.pin: unquoted YAML number or boolean converted to ' +
        'text the way kubectl does, which is not the text written; quote the value to keep it as written\n',
    );
    expect(r.stderr).not.toMatch(/017|15\b/);
  });

  it('validates the whole stream before writing: nothing on stdout when document 2 is invalid', async () => {
    const good = 'apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: web}\nstringData: {a: b}\n';
    for (const bad of [
      'kind: Secret\nmetadata: {name: b, namespace: web}\n',
      'kind: Secret\nmetadata: [x]\n',
    ]) {
      const r = await kubeseal(['--cert', '/tls.crt'], { stdin: `${good}---\n${bad}` });
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
    }
  });

  it('re-encrypt warns when the controller answer lost template.data keys, and only then', async () => {
    const { templateChanges } = await import('../modes/re-encrypt.js');
    const answer = { metadata: {}, spec: { encryptedData: { password: 'x', hidden: 'y' } } };
    expect(templateChanges({ dsn: 'u:{{ .password }}', password: 'p', hidden: null }, answer)).toEqual({
      lost: ['dsn'],
      back: ['hidden'],
    });
    const kept = { ...answer, spec: { ...answer.spec, template: { data: { dsn: 'x' } } } };
    expect(templateChanges({ dsn: 'x' }, kept)).toEqual({ lost: [], back: [] });
    expect(templateChanges(undefined, answer)).toEqual({ lost: [], back: [] });
  });
});

describe('input caps', () => {
  it('uses the core document bound as the cap of every input', async () => {
    const { DEFAULT_DOCUMENT_LIMITS } = await import('@ssts/core');
    const { MAX_INPUT_BYTES, MAX_INPUT_TEXT } = await import('../io/limits.js');
    expect(MAX_INPUT_BYTES).toBe(DEFAULT_DOCUMENT_LIMITS.maxBytes);
    expect(MAX_INPUT_TEXT).toBe('8 MiB');
  });
});

describe('run hooks (the single executable turns Sparkplug off for offline commands)', () => {
  const withHook = async (args: string[], stdin = '') => {
    let calls = 0;
    const mem = memoryIo({ files: FIXTURES, stdin });
    const code = await run(args, mem.io, ENV, { beforeOfflineRun: () => void calls++ });
    return { code, calls };
  };
  const secret = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\ndata: {a: YQ==}\n';

  it('calls beforeOfflineRun once for sealing and --raw with a local certificate', async () => {
    expect(await withHook(['--cert', '/tls.crt', '-o', 'yaml'], secret)).toEqual({ code: 0, calls: 1 });
    expect(await withHook(['--raw', '--cert', '/tls.crt', '-n', 'n', '--name', 's'], 'v')).toEqual({
      code: 0,
      calls: 1,
    });
  });

  it('does not call it for commands that may connect, nor for --version', async () => {
    // The kubeconfig names https://127.0.0.1:1: the online seal fails to connect, after the hook was not called.
    expect((await withHook([], secret)).calls).toBe(0);
    expect((await withHook(['--fetch-cert'])).calls).toBe(0);
    expect(await withHook(['--version'])).toEqual({ code: 0, calls: 0 });
  });
});

/** A certificate server on 127.0.0.1 for `test`, which gets its port and the Authorization header of each request. */
async function withServer(
  serve: (path: string) => string | undefined,
  test: (port: number, authorizations: (string | undefined)[]) => Promise<void>,
) {
  const { createServer } = await import('node:http');
  const authorizations: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    const body = serve(req.url ?? '');
    if (body !== undefined) return void res.end(body);
    res.statusCode = 404;
    res.end('404 page not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const address = server.address();
    await test(typeof address === 'object' && address !== null ? address.port : 0, authorizations);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('a --cert from the network is pinned however its URL is spelled (issue 14)', () => {
  it.each([
    ['http://', (port: number) => `http://127.0.0.1:${port}/v1/cert.pem`],
    ['HTTP:// in capitals', (port: number) => `HTTP://127.0.0.1:${port}/v1/cert.pem`],
    [
      'http: without slashes (WHATWG URL reads it as http://)',
      (port: number) => `http:127.0.0.1:${port}/v1/cert.pem`,
    ],
  ])('%s', async (_, spell) => {
    await withServer(
      (path) => (path === '/v1/cert.pem' ? TLS_CRT : undefined),
      async (port, authorizations) => {
        const cert = spell(port);
        const result = await kubeseal(['--raw', '--cert', cert, '-n', 'n', '--name', 's'], { stdin: 'v' });
        expect(result.stderr).toContain(`notice: first contact with ${cert}: trusting certificate`);
        expect(result.code).toBe(0);
        expect(authorizations.length).toBe(1);
        const known = JSON.parse(String(result.files.get('/home/u/.config/kubeseal/known-certs.json'))) as {
          controllers: Record<string, string[]>;
        };
        expect(Object.keys(known.controllers)).toEqual([cert]);
      },
    );
  });
});

describe('a password in a --cert URL is sent, never printed or kept (issue 14 pins)', () => {
  // A pin of some other certificate: the served one is then a swap (no /v1/cert-chain links them).
  const OTHER_FINGERPRINT = `SHA256:${'A'.repeat(43)}`;

  const raw = (cert: string, files: Record<string, string> = {}) =>
    kubeseal(['--raw', '--cert', cert, '-n', 'n', '--name', 's'], { stdin: 'v', files });
  const KNOWN = '/home/u/.config/kubeseal/known-certs.json';
  const fingerprintOf = async (pem: string) => {
    const { parseCertificatePem, publicKeyFingerprint } = await import('@ssts/core');
    return publicKeyFingerprint(parseCertificatePem(pem).publicKey);
  };

  it('first contact: basic auth sent, the notice and the file name the URL without user and password', async () => {
    await withServer(
      (path) => (path === '/v1/cert.pem' ? TLS_CRT : undefined),
      async (port, authorizations) => {
        const result = await raw(`http://ops:S3CRET-pw@127.0.0.1:${port}/v1/cert.pem`);
        expect(result.code).toBe(0);
        expect(authorizations).toEqual([`Basic ${Buffer.from('ops:S3CRET-pw').toString('base64')}`]);
        expect(result.stderr).toBe(
          `notice: first contact with http://127.0.0.1:${port}/v1/cert.pem: trusting certificate ` +
            `${await fingerprintOf(TLS_CRT)} and remembering it\n`,
        );
        const file = String(result.files.get(KNOWN));
        expect(file).not.toContain('S3CRET');
        expect(Object.keys((JSON.parse(file) as { controllers: object }).controllers)).toEqual([
          `http://127.0.0.1:${port}/v1/cert.pem`,
        ]);
      },
    );
  });

  it('an answer other than 200 names the URL without them', async () => {
    await withServer(
      () => undefined,
      async (port) => {
        const result = await raw(`http://ops:S3CRET-pw@127.0.0.1:${port}/v1/cert.pem`);
        expect(result.code).toBe(1);
        expect(result.stderr).toBe(
          `error: cannot fetch "http://127.0.0.1:${port}/v1/cert.pem": 404 Not Found\n`,
        );
      },
    );
  });

  it('a file written with the password keeps its pins: used (and rewritten without it), and a swap is refused', async () => {
    await withServer(
      (path) => (path === '/v1/cert.pem' ? TLS_CRT : undefined),
      async (port) => {
        const url = `http://ops:S3CRET-pw@127.0.0.1:${port}/v1/cert.pem`;
        const legacy = (fingerprint: string) =>
          JSON.stringify({ version: 1, controllers: { [url]: [fingerprint] } });
        const same = await raw(url, { [KNOWN]: legacy(await fingerprintOf(TLS_CRT)) });
        expect(same.code).toBe(0);
        expect(same.stderr).toBe('');
        expect(JSON.parse(String(same.files.get(KNOWN)))).toEqual({
          version: 1,
          controllers: { [`http://127.0.0.1:${port}/v1/cert.pem`]: [await fingerprintOf(TLS_CRT)] },
        });
        const swapped = await raw(url, { [KNOWN]: legacy(OTHER_FINGERPRINT) });
        expect(swapped.code).toBe(1);
        expect(swapped.stderr).toContain(
          `the certificate of http://127.0.0.1:${port}/v1/cert.pem changed from`,
        );
        expect(swapped.stderr).not.toContain('S3CRET');
      },
    );
  });
});

describe('a password in a URL that does not parse is not printed either (a deliberate difference: Go prints it)', () => {
  it.each([
    [
      '--cert',
      ['--raw', '-n', 'n', '--name', 's', '--cert', 'https://ops:S3CRET-pw@[::1'],
      {},
      'error: open https://[::1: no such file or directory\n',
    ],
    [
      '--server',
      ['--raw', '-n', 'n', '--name', 's', '--server', 'https://ops:S3CRET-pw@[::1'],
      {},
      'error: invalid configuration: host must be a URL or a host:port pair: "https://[::1"\n',
    ],
    [
      'HTTPS_PROXY',
      ['--fetch-cert', '--server', 'https://k8s.example:6443', '--token', 't'],
      { HTTPS_PROXY: 'http://ops:S3CRET-pw@[::1' },
      'invalid proxy address "http://[::1"',
    ],
  ])('%s', async (_, args, env, expected) => {
    const mem = memoryIo({ files: FIXTURES, stdin: 'v' });
    const code = await run(args, mem.io, { ...ENV, ...env });
    expect(code).toBe(1);
    expect(mem.stderr()).not.toContain('S3CRET');
    expect(mem.stderr()).toContain(expected);
  });
});
