import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { memoryIo } from '../test-helpers/memory-io.js';

const KUBECONFIG = '/home/u/.kube/config';
const FILES = {
  '/tls.crt': readFileSync(join(VECTOR_4096_DIR, 'tls.crt')),
  [KUBECONFIG]:
    'current-context: c\ncontexts: [{name: c, context: {cluster: k, namespace: kube-ns}}]\nclusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]\n',
};

async function seal(stdin: string, extraArgs: string[] = []) {
  const mem = memoryIo({ stdin, files: FILES });
  const code = await run(['--cert', '/tls.crt', '-o', 'yaml', ...extraArgs], mem.io, { HOME: '/home/u' });
  const doc = code === 0 ? (parse(mem.stdout()) as { metadata: { namespace?: string } }) : undefined;
  return { code, namespace: doc?.metadata.namespace, stderr: mem.stderr(), read: mem.read };
}

const secret = (namespace?: string) =>
  `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n${namespace === undefined ? '' : `  namespace: ${namespace}\n`}stringData:\n  a: b\n`;

describe('sealing reads the kubeconfig only when its namespace is needed', () => {
  it('does not read it for a Secret that names its namespace', async () => {
    const r = await seal(secret('own-ns'));
    expect(r).toMatchObject({ code: 0, namespace: 'own-ns', stderr: '' });
    expect(r.read).toEqual(['/tls.crt']);
  });

  it('reads it to fill in a missing namespace', async () => {
    const r = await seal(secret());
    expect(r).toMatchObject({ code: 0, namespace: 'kube-ns' });
    expect(r.read).toContain(KUBECONFIG);
  });

  it('compares -n with the Secret without the kubeconfig, and still reports a mismatch', async () => {
    const same = await seal(secret('own-ns'), ['-n', 'own-ns']);
    expect(same).toMatchObject({ code: 0, namespace: 'own-ns' });
    const other = await seal(secret('own-ns'), ['-n', 'other']);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(
      'error: namespace mismatch: input secret is in namespace "own-ns" but "other" was specified\n',
    );
    expect([...same.read, ...other.read]).not.toContain(KUBECONFIG);
  });

  it('does not read it for cluster-wide scope', async () => {
    const r = await seal(secret(), ['--scope', 'cluster-wide']);
    expect(r.code).toBe(0);
    expect(r.read).not.toContain(KUBECONFIG);
  });
});
