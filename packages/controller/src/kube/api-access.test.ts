import { mkdtempSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadApiAccess } from './api-access.js';

const dir = mkdtempSync(join(tmpdir(), 'api-access-'));

function kubeconfig(name: string, cluster: object, user: object): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'ctx',
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'ns' } }],
      clusters: [
        { name: 'other', cluster: { server: 'https://wrong' } },
        { name: 'c', cluster },
      ],
      users: [{ name: 'u', user }],
    }),
  );
  return path;
}

async function applied(path: string, env: Record<string, string> = {}): Promise<https.RequestOptions> {
  const access = await loadApiAccess({ kubeconfig: path, env });
  const options: https.RequestOptions = {};
  await access.applyToHTTPSOptions(options);
  return options;
}

describe('loadApiAccess', () => {
  it('applies static credentials like client-node: CA data, relative cert/key files, bearer token', async () => {
    writeFileSync(join(dir, 'client.crt'), 'CERT');
    writeFileSync(join(dir, 'client.key'), 'KEY');
    const path = kubeconfig(
      'static',
      {
        server: 'https://127.0.0.1:6443',
        'certificate-authority-data': Buffer.from('CA').toString('base64'),
        'tls-server-name': 'kubernetes',
      },
      { 'client-certificate': 'client.crt', 'client-key': 'client.key', token: 'abc' },
    );
    const ours = await applied(path);
    const kc = new KubeConfig();
    kc.loadFromFile(path);
    const theirs: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(theirs);
    for (const field of ['ca', 'cert', 'key', 'servername'] as const) {
      expect(String(ours[field])).toBe(String(theirs[field]));
    }
    expect(ours.headers).toEqual({ Authorization: 'Bearer abc' });
    expect((theirs.headers as Record<string, string>)['Authorization']).toBe('Bearer abc');
    expect((await loadApiAccess({ kubeconfig: path, env: {} })).getCurrentCluster()?.server).toBe(
      'https://127.0.0.1:6443',
    );
    expect(await loadApiAccess({ kubeconfig: path, env: {} })).not.toBeInstanceOf(KubeConfig);
  });

  it('reads a token file and skips TLS verification when told to', async () => {
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const path = kubeconfig(
      'tokenfile',
      { server: 'https://h:1', 'insecure-skip-tls-verify': true },
      { tokenFile: join(dir, 'token') },
    );
    const options = await applied(path);
    expect(options.headers).toEqual({ Authorization: 'Bearer from-file' });
    expect(options.rejectUnauthorized).toBe(false);
  });

  it('uses KUBECONFIG when --kubeconfig is empty and not in a cluster', async () => {
    const path = kubeconfig('env', { server: 'http://127.0.0.1:8001' }, {});
    const access = await loadApiAccess({ kubeconfig: '', env: { KUBECONFIG: path } });
    expect(access.getCurrentCluster()?.server).toBe('http://127.0.0.1:8001');
  });

  it('delegates exec plugins and unknown fields to client-node', async () => {
    const exec = kubeconfig(
      'exec',
      { server: 'https://h:1' },
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } },
    );
    expect(await loadApiAccess({ kubeconfig: exec, env: {} })).toBeInstanceOf(KubeConfig);
    const proxy = kubeconfig('proxy', { server: 'https://h:1', 'proxy-url': 'http://p:3128' }, {});
    expect(await loadApiAccess({ kubeconfig: proxy, env: {} })).toBeInstanceOf(KubeConfig);
  });
});
