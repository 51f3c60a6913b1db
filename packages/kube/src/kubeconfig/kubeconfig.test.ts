import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { kubeErrorOf } from '../test-helpers/servers.js';
import { KubeconfigLoader } from './client-config.js';
import { kubeconfigPaths, loadKubeconfigFiles } from './files.js';
import type { KubeAccessOptions, ReadFile } from './types.js';

/** An in-memory file system; records what was read. */
function memoryFiles(files: Record<string, string>): ReadFile & { read: string[] } {
  const read: string[] = [];
  const readFile = (path: string): Promise<Buffer> => {
    read.push(path);
    const text = files[path];
    if (text === undefined)
      return Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }));
    return Promise.resolve(Buffer.from(text));
  };
  return Object.assign(readFile, { read });
}

const one = `
current-context: a
clusters:
- {name: c, cluster: {server: 'https://one:6443', certificate-authority: ca.pem}}
- {name: shared, cluster: {server: 'https://from-one'}}
contexts:
- {name: a, context: {cluster: c, user: u, namespace: first}}
users:
- {name: u, user: {token: one-token}}
`;
const two = `
current-context: b
clusters:
- {name: shared, cluster: {server: 'https://from-two'}}
- {name: only-two, cluster: {server: 'https://two:6443', insecure-skip-tls-verify: true}}
contexts:
- {name: a, context: {cluster: shared, namespace: ignored}}
- {name: b, context: {cluster: only-two, user: basic}}
users:
- {name: u, user: {token: two-token}}
- {name: basic, user: {username: jane, password: s3cret}}
`;

function loader(files: Record<string, string>, options: Partial<KubeAccessOptions> = {}): KubeconfigLoader {
  return new KubeconfigLoader({ env: {}, readFile: memoryFiles(files), ...options });
}

describe('kubeconfig loading rules (client-go)', () => {
  it('splits KUBECONFIG on the platform delimiter (or the one given), drops empties and duplicates', () => {
    expect(kubeconfigPaths({ env: { KUBECONFIG: '/a:/b::/a' }, delimiter: ':' }).paths).toEqual(['/a', '/b']);
    expect(kubeconfigPaths({ env: { KUBECONFIG: 'C:\\a;C:\\b' }, delimiter: ';' }).paths).toEqual([
      'C:\\a',
      'C:\\b',
    ]);
    expect(kubeconfigPaths({ env: { HOME: '/h' } }).paths).toEqual(['/h/.kube/config']);
    expect(kubeconfigPaths({ kubeconfig: '/x', env: { KUBECONFIG: '/a' } })).toEqual({
      paths: ['/x'],
      explicit: true,
    });
  });

  it('merges several files: first file wins per name and for current-context; relative paths per file', async () => {
    const merged = await loadKubeconfigFiles({
      env: { KUBECONFIG: '/missing/config;/one/config;/two/config' },
      delimiter: ';',
      readFile: memoryFiles({ '/one/config': one, '/two/config': two }),
    });
    expect(merged.currentContext).toBe('a');
    expect(merged.files).toEqual(['/one/config', '/two/config']);
    expect(merged.clusters.get('shared')).toEqual({ server: 'https://from-one' });
    expect(merged.clusters.get('c')?.['certificate-authority']).toBe('/one/ca.pem');
    expect(merged.clusters.get('only-two')).toBeDefined();
    expect(merged.contexts.get('a')).toEqual({ cluster: 'c', user: 'u', namespace: 'first' });
    expect(merged.users.get('u')).toEqual({ token: 'one-token' });
    expect(merged.users.get('basic')).toEqual({ username: 'jane', password: 's3cret' });
  });

  it('uses the platform delimiter by default', async () => {
    const sep = process.platform === 'win32' ? ';' : ':';
    const config = await loader(
      { '/one/config': one, '/two/config': two },
      { env: { KUBECONFIG: `/two/config${sep}/one/config` } },
    ).restConfig();
    expect(config.server.href).toBe('https://two:6443/');
  });

  it('reports a missing explicit file, and a broken one, like client-go', async () => {
    expect((await kubeErrorOf(loader({}, { kubeconfig: '/nope' }).restConfig())).message).toBe(
      'stat /nope: no such file or directory',
    );
    const broken = await kubeErrorOf(loader({ '/k': 'clusters: [' }, { kubeconfig: '/k' }).restConfig());
    expect(broken.message).toMatch(/^error loading config file "\/k": /);
  });

  it('reads a JSON kubeconfig (the JSON.parse fast path) exactly as the YAML parser reads it', async () => {
    const doc = {
      'current-context': 'a',
      clusters: [
        { name: 'c', cluster: { server: 'https://one:6443', 'certificate-authority-data': 'Y2E=' } },
      ],
      contexts: [{ name: 'a', context: { cluster: 'c', user: 'u', namespace: 'n\u00e9\\"s' } }],
      users: [{ name: 'u', user: { token: 't"\\:{}' } }],
    };
    const read = async (text: string) =>
      loadKubeconfigFiles({ kubeconfig: '/k', env: {}, readFile: memoryFiles({ '/k': text }) });
    const { parse } = await import('yaml');
    // JSON white space anywhere between tokens, a key's colon included (the fast path counts keys after it).
    const spaced = JSON.stringify(doc, null, 2).replaceAll('": ', '" \r\n\t: ');
    for (const text of [
      JSON.stringify(doc),
      JSON.stringify(doc, null, 2),
      `\n\t${JSON.stringify(doc)}`,
      spaced,
    ]) {
      expect(parse(text)).toEqual(doc);
      expect(await read(text)).toEqual(await read(toYamlFlow(doc)));
    }
  });

  it('refuses a kubeconfig nested 200 000 levels deep (JSON and YAML) with one line, and loads again after', async () => {
    const deep = `{"current-context": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    for (const text of [deep, `# YAML\n${deep}`]) {
      const error = await kubeErrorOf(loader({ '/k': text }, { kubeconfig: '/k' }).restConfig());
      expect(error.message).toMatch(/^error loading config file "\/k": [^\n]+$/);
    }
    const good = JSON.stringify({
      'current-context': 'a',
      clusters: [{ name: 'c', cluster: { server: 'https://one:6443' } }],
      contexts: [{ name: 'a', context: { cluster: 'c', user: 'u' } }],
      users: [{ name: 'u', user: { token: 't' } }],
    });
    const config = await loader({ '/k': good }, { kubeconfig: '/k' }).restConfig();
    expect(String(config.server)).toBe('https://one:6443/');
  });

  it('never quotes a broken kubeconfig (a token, a key) in its error, nor prints it in a process warning', async () => {
    const token = 'CANARY-t0ken';
    const users = (user: string) => `current-context: a\nusers:\n- name: u\n  user: ${user}\n`;
    const cases: [string, string][] = [
      [users(`{token: *${token}}`), 'Unresolved alias (the anchor must be set before the alias)'],
      [users(`{token: "\\U${token}"}`), 'Invalid escape sequence at line 4, column 18'],
      [
        users(`\n    client-key-data: |${token}`),
        'Block scalar header includes extra characters at line 5, column 23',
      ],
      // Errors that quote nothing get the position too, without the code frame (the line) prettyErrors adds.
      [
        users(`{token: ${token}}\n   x: y`),
        'All mapping items must start at the same column at line 5, column 1',
      ],
    ];
    const warn = vi.spyOn(process, 'emitWarning');
    try {
      for (const [text, reason] of cases) {
        const error = await kubeErrorOf(loader({ '/k': text }, { kubeconfig: '/k' }).restConfig());
        expect(error.message).toBe(`error loading config file "/k": ${reason}`);
      }
      // An unknown tag is only a warning of the library: it used to reach stderr with the line under it.
      await loadKubeconfigFiles({
        kubeconfig: '/k',
        env: {},
        readFile: memoryFiles({ '/k': users(`{token: !${token} x}`) }),
      });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('refuses a JSON kubeconfig that repeats a key, as the YAML parser (and client-go) does', async () => {
    for (const text of [
      '{"current-context": "a", "clusters": [{"name": "c", "name": "d"}]}',
      // White space before a colon: the repeated key must still be counted.
      '{"current-context": "a", "clusters": [{"name"\t: "c", "name": "d"}]}',
      '{"current-context": "a", "clusters": [{"name"\r\n : "c", "name": "d"}]}',
    ]) {
      const error = await kubeErrorOf(loader({ '/k': text }, { kubeconfig: '/k' }).restConfig());
      expect(error.message).toMatch(/^error loading config file "\/k": .*unique/);
    }
  });
});

/** The same document behind a YAML comment, so that only the YAML parser reads it. */
function toYamlFlow(value: unknown): string {
  return `# not JSON\n${flow(value)}`;
}

function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (typeof value === 'object' && value !== null)
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${flow(v)}`)
      .join(', ')}}`;
  return JSON.stringify(value);
}

describe('selection and override flags', () => {
  const env = { KUBECONFIG: '/one/config:/two/config' };
  const files = { '/one/config': one, '/two/config': two, '/one/ca.pem': 'CA-PEM' };
  const opts = { env, delimiter: ':' };

  it('uses the current context of the first file, its cluster, user and namespace', async () => {
    const l = loader(files, opts);
    const config = await l.restConfig();
    expect(config.server.href).toBe('https://one:6443/');
    expect(config.tls.ca?.toString()).toBe('CA-PEM');
    expect((await config.credentials.apply()).headers).toEqual({ Authorization: 'Bearer one-token' });
    expect(await l.namespace()).toEqual({ namespace: 'first', explicit: false });
  });

  it('--context, --cluster, --user, --namespace pick other entries', async () => {
    const l = loader(files, { ...opts, overrides: { context: 'b', namespace: 'flag-ns' } });
    const config = await l.restConfig();
    expect(config.server.href).toBe('https://two:6443/');
    expect(config.tls.rejectUnauthorized).toBe(false);
    expect((await config.credentials.apply()).headers).toEqual({
      Authorization: `Basic ${Buffer.from('jane:s3cret').toString('base64')}`,
    });
    expect(await l.namespace()).toEqual({ namespace: 'flag-ns', explicit: true });
    const mixed = await loader(files, {
      ...opts,
      overrides: { cluster: 'shared', user: 'basic' },
    }).restConfig();
    expect(mixed.server.href).toBe('https://from-one/');
    expect(mixed.credentials.kind).toBe('basic');
  });

  it('--server, --token, --certificate-authority, --insecure-skip-tls-verify, --tls-server-name, --as*', async () => {
    const config = await loader(
      { ...files, '/flag-ca.pem': 'FLAG-CA' },
      {
        ...opts,
        overrides: {
          server: 'https://override:1',
          token: 'flag-token',
          certificateAuthority: '/flag-ca.pem',
          tlsServerName: 'kubernetes',
          impersonate: 'jane',
          impersonateUid: '42',
          impersonateGroups: ['g1', 'g2'],
        },
      },
    ).restConfig();
    expect(config.server.href).toBe('https://override:1/');
    expect(config.tls).toEqual({ ca: Buffer.from('FLAG-CA'), servername: 'kubernetes' });
    expect((await config.credentials.apply()).headers).toEqual({ Authorization: 'Bearer flag-token' });
    expect(config.impersonation).toEqual({
      'Impersonate-User': 'jane',
      'Impersonate-Uid': '42',
      'Impersonate-Group': ['g1', 'g2'],
    });
    const insecure = await loader(files, {
      ...opts,
      overrides: { insecureSkipTlsVerify: true },
    }).restConfig();
    expect(insecure.tls).toEqual({ rejectUnauthorized: false });
  });

  it('a server without a scheme is https when TLS is configured, else http (client-go defaultServerURL)', async () => {
    const plain =
      'clusters: [{name: c, cluster: {server: "127.0.0.1:8001"}}]\ncontexts: [{name: x, context: {cluster: c}}]\ncurrent-context: x\n';
    expect((await loader({ '/k': plain }, { kubeconfig: '/k' }).restConfig()).server.href).toBe(
      'http://127.0.0.1:8001/',
    );
    const tls = await loader(
      { '/k': plain },
      { kubeconfig: '/k', overrides: { insecureSkipTlsVerify: true } },
    ).restConfig();
    expect(tls.server.href).toBe('https://127.0.0.1:8001/');
    // A scheme is letters, digits, `+`, `-`, `.` after a letter, in any case.
    const upper = plain.replace('127.0.0.1:8001', 'HTTPS://127.0.0.1:8443');
    expect((await loader({ '/k': upper }, { kubeconfig: '/k' }).restConfig()).server.href).toBe(
      'https://127.0.0.1:8443/',
    );
  });

  it('names that do not exist fail with client-go texts, lookups before validation', async () => {
    const fails = async (overrides: NonNullable<KubeAccessOptions['overrides']>, text: string) =>
      expect((await kubeErrorOf(loader(files, { ...opts, overrides }).restConfig())).message).toBe(text);
    await fails({ context: 'zz' }, 'context "zz" does not exist');
    await fails({ cluster: 'zz' }, 'cluster "zz" does not exist');
    await fails({ user: 'zz' }, 'auth info "zz" does not exist');
    expect(
      (await kubeErrorOf(loader(files, { ...opts, overrides: { context: 'zz' } }).namespace())).message,
    ).toBe(
      'invalid configuration: [context was not found for specified context: zz, cluster has no server defined]',
    );
  });

  it('validates like ConfirmUsable: empty config, missing server, more than one auth method', async () => {
    expect((await kubeErrorOf(loader({}, { env: { HOME: '/nowhere' } }).restConfig())).message).toBe(
      'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable',
    );
    const noServer =
      'clusters: [{name: c, cluster: {server: ""}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\nusers: [{name: u, user: {token: t, username: a, password: b}}]\n';
    expect((await kubeErrorOf(loader({ '/k': noServer }, { kubeconfig: '/k' }).restConfig())).message).toBe(
      'invalid configuration: [more than one authentication method found for u; found [token basicAuth], only one is allowed, no server found for cluster "c"]',
    );
  });

  it('reads client certificates from files and inline data; a missing file is named', async () => {
    const cfg = `
current-context: x
clusters: [{name: c, cluster: {server: "https://h", certificate-authority-data: ${Buffer.from('INLINE-CA').toString('base64')}}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
users: [{name: u, user: {client-certificate: certs/u.crt, client-key-data: ${Buffer.from('KEY').toString('base64')}}}]
`;
    const ok = await loader(
      { '/k/config': cfg, '/k/certs/u.crt': 'CERT' },
      { kubeconfig: '/k/config' },
    ).restConfig();
    expect(ok.tls).toEqual({
      ca: Buffer.from('INLINE-CA'),
      cert: Buffer.from('CERT'),
      key: Buffer.from('KEY'),
    });
    expect(ok.credentials.kind).toBe('none');
    const missing = await kubeErrorOf(loader({ '/k/config': cfg }, { kubeconfig: '/k/config' }).restConfig());
    expect(missing.message).toBe(
      'invalid configuration: unable to read client-cert /k/certs/u.crt for u due to open /k/certs/u.crt: no such file or directory',
    );
  });

  it('reads the kubeconfig files once per loader', async () => {
    const readFile = memoryFiles(files);
    const l = new KubeconfigLoader({ ...opts, readFile });
    await l.namespace();
    await l.restConfig();
    expect(readFile.read.filter((p) => p.endsWith('config'))).toEqual(['/one/config', '/two/config']);
  });
});

describe('in-cluster configuration', () => {
  const pod = { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443', HOME: '/nowhere' };
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';

  it('is used when no kubeconfig configures a cluster: server, CA, token file, namespace', async () => {
    let token = 'first';
    let now = 0;
    const readFile: ReadFile = (path) => {
      const files: Record<string, string> = {
        [`${sa}/token`]: `${token}\n`,
        [`${sa}/ca.crt`]: 'SA-CA',
        [`${sa}/namespace`]: 'sa-ns\n',
      };
      const text = files[path];
      return text === undefined
        ? Promise.reject(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }))
        : Promise.resolve(Buffer.from(text));
    };
    const l = new KubeconfigLoader({ env: pod, readFile });
    const config = await l.restConfig();
    expect(config.source).toBe('in-cluster');
    expect(config.server.href).toBe('https://[fd00::1]/');
    expect(config.tls.ca?.toString()).toBe('SA-CA');
    expect(await l.namespace()).toEqual({ namespace: 'sa-ns', explicit: false });
    expect(
      await new KubeconfigLoader({ env: { ...pod, POD_NAMESPACE: 'pod-ns' }, readFile }).namespace(),
    ).toEqual({
      namespace: 'pod-ns',
      explicit: false,
    });
    expect((await config.credentials.apply()).headers).toEqual({ Authorization: 'Bearer first' });
    // The projected token rotates: it is read again after the refresh period (here with an injected clock).
    const { tokenFile } = await import('../auth/credentials.js');
    const rotating = tokenFile(`${sa}/token`, readFile, () => now);
    expect((await rotating.apply()).headers['Authorization']).toBe('Bearer first');
    token = 'second';
    now = 59_000;
    expect((await rotating.apply()).headers['Authorization']).toBe('Bearer first');
    now = 61_000;
    expect((await rotating.apply()).headers['Authorization']).toBe('Bearer second');
  });

  it('namespace precedence inside a pod: the context namespace, else POD_NAMESPACE / the service account', async () => {
    const readFile = memoryFiles({
      [`${sa}/token`]: 't',
      [`${sa}/namespace`]: 'sa-ns\n',
      '/h/.kube/config': one,
    });
    const ns = async (env: Record<string, string>, overrides = {}) =>
      (await new KubeconfigLoader({ env, readFile, overrides }).namespace()).namespace;
    expect(await ns({ ...pod, HOME: '/h' })).toBe('first');
    // A context without a namespace falls back to the pod's, not to "default".
    const noNs = memoryFiles({
      [`${sa}/token`]: 't',
      [`${sa}/namespace`]: 'sa-ns\n',
      '/h/.kube/config':
        'current-context: x\nclusters: [{name: c, cluster: {server: "https://k"}}]\ncontexts: [{name: x, context: {cluster: c}}]\n',
    });
    expect(
      (await new KubeconfigLoader({ env: { ...pod, HOME: '/h' }, readFile: noNs }).namespace()).namespace,
    ).toBe('sa-ns');
    expect(await ns({ ...pod, POD_NAMESPACE: 'pod-ns' })).toBe('pod-ns');
    // Outside a pod the same context gives "default".
    expect((await new KubeconfigLoader({ env: { HOME: '/h' }, readFile: noNs }).namespace()).namespace).toBe(
      'default',
    );
  });

  it('reads a real service-account directory, and a kubeconfig wins over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sa-'));
    writeFileSync(join(dir, 'token'), 'disk-token');
    writeFileSync(join(dir, 'namespace'), 'disk-ns');
    const inCluster = new KubeconfigLoader({ env: pod, serviceAccountDir: dir });
    const config = await inCluster.restConfig();
    expect(config.tls.ca).toBeUndefined(); // no ca.crt: the system roots, as client-go
    expect((await config.credentials.apply()).headers).toEqual({ Authorization: 'Bearer disk-token' });
    expect(await inCluster.namespace()).toEqual({ namespace: 'disk-ns', explicit: false });
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      'clusters: [{name: c, cluster: {server: "https://k"}}]\ncontexts: [{name: x, context: {cluster: c, namespace: ctx-ns}}]\ncurrent-context: x\n',
    );
    const fromFile = new KubeconfigLoader({
      env: { ...pod, KUBECONFIG: kubeconfig },
      serviceAccountDir: dir,
    });
    expect((await fromFile.restConfig()).source).toBe('kubeconfig');
    expect(await fromFile.namespace()).toEqual({ namespace: 'ctx-ns', explicit: false });
  });
});
