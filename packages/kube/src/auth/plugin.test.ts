import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../client.js';
import { loadRestConfig } from '../kubeconfig/client-config.js';
import { startServer, type Handler, type TestServer } from '../test-helpers/servers.js';
import { pluginLoads } from './plugin.js';

let server: TestServer & { handle(h: Handler): void };
const dir = mkdtempSync(join(tmpdir(), 'kube-plugin-'));

beforeAll(async () => {
  server = await startServer((req, res) =>
    res.end(JSON.stringify({ auth: req.headers.authorization ?? '' })),
  );
});
afterAll(() => server.close());

function kubeconfig(name: string, user: object): string {
  const path = join(dir, `kubeconfig-${name}`);
  writeFileSync(
    path,
    JSON.stringify({
      'current-context': 'x',
      clusters: [{ name: 'c', cluster: { server: server.url } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

async function authorizationWith(path: string): Promise<string> {
  const client = await KubeClient.create(await loadRestConfig({ kubeconfig: path, env: {} }), {
    timeoutMs: 20_000,
  });
  try {
    return (await client.json<{ auth: string }>('GET', '/api')).auth;
  } finally {
    client.close();
  }
}

describe('credential plugins', () => {
  it('never loads @kubernetes/client-node for static credentials; loads it lazily for an exec plugin', async () => {
    const before = pluginLoads.count;
    writeFileSync(join(dir, 'token'), 'file-token\n');
    expect(await authorizationWith(kubeconfig('token', { token: 'static' }))).toBe('Bearer static');
    expect(await authorizationWith(kubeconfig('token-file', { tokenFile: 'token' }))).toBe(
      'Bearer file-token',
    );
    expect(await authorizationWith(kubeconfig('basic', { username: 'a', password: 'b' }))).toBe(
      `Basic ${Buffer.from('a:b').toString('base64')}`,
    );
    expect(await authorizationWith(kubeconfig('none', {}))).toBe('');
    expect(pluginLoads.count).toBe(before);

    // A real exec plugin: a script that prints an ExecCredential, run by client-node.
    const plugin = join(dir, 'plugin.mjs');
    writeFileSync(
      plugin,
      `#!${process.execPath}\nprocess.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-exec', expirationTimestamp: '2999-01-01T00:00:00Z' } }));\n`,
    );
    chmodSync(plugin, 0o755);
    const exec = kubeconfig('exec', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
    });
    const config = await loadRestConfig({ kubeconfig: exec, env: {} });
    expect(config.credentials.kind).toBe('exec');
    expect(pluginLoads.count).toBe(before); // loading the configuration alone does not import it
    expect(await authorizationWith(exec)).toBe('Bearer from-exec');
    expect(pluginLoads.count).toBe(before + 1);
  });

  it('reports a failing plugin as Unauthorized with its reason', async () => {
    const exec = kubeconfig('broken', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: join(dir, 'no-such-plugin') },
    });
    await expect(authorizationWith(exec)).rejects.toMatchObject({
      code: 'Unauthorized',
      message: expect.stringContaining('the exec credential plugin failed') as unknown,
    });
  });

  it('never quotes the output of a plugin that is not JSON (it holds the token)', async () => {
    const plugin = join(dir, 'typo-plugin.mjs');
    const output =
      '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":CANARY-t0ken}}';
    writeFileSync(plugin, `#!${process.execPath}\nprocess.stdout.write(${JSON.stringify(output)});\n`);
    chmodSync(plugin, 0o755);
    const exec = kubeconfig('typo', {
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command: plugin, interactiveMode: 'Never' },
    });
    await expect(authorizationWith(exec)).rejects.toMatchObject({
      code: 'Unauthorized',
      message: 'the exec credential plugin failed: decoding stdout: not valid JSON',
    });
  });
});
