import { describe, expect, it } from 'vitest';
import { memoryIo } from '../test-helpers/memory-io.js';
import { loadKubeconfig, resolveNamespace, type KubeconfigFlags } from './kubeconfig.js';

const flags: KubeconfigFlags = {
  kubeconfig: '',
  context: '',
  cluster: '',
  user: '',
  namespace: '',
  server: '',
};

const config = (ns: string, current = 'a', server = 'https://k') => `
current-context: ${current}
clusters: [{name: c, cluster: {server: ${server}, certificate-authority: ca.pem}}]
contexts: [{name: a, context: {cluster: c, user: u, namespace: ${ns}}}, {name: b, context: {cluster: c, user: u}}]
users: [{name: u, user: {token: t}}]
`;

describe('resolveNamespace (compat §6.5 precedence)', () => {
  it('prefers -n, then the context namespace, then default', async () => {
    const { io } = memoryIo({ files: { '/h/.kube/config': config('team') } });
    const env = { HOME: '/h' };
    expect(await resolveNamespace(io.fs, { ...flags, namespace: 'x' }, env)).toEqual({
      namespace: 'x',
      explicit: true,
    });
    expect(await resolveNamespace(io.fs, flags, env)).toEqual({ namespace: 'team', explicit: false });
    expect(await resolveNamespace(io.fs, { ...flags, context: 'b' }, env)).toEqual({
      namespace: 'default',
      explicit: false,
    });
  });

  it('merges KUBECONFIG files: the first file to set a value wins', async () => {
    const { io } = memoryIo({
      files: {
        '/one': 'contexts: [{name: a, context: {cluster: c, namespace: first}}]\n',
        '/two': config('second'),
      },
    });
    expect(await resolveNamespace(io.fs, flags, { KUBECONFIG: '/missing:/one:/two' })).toEqual({
      namespace: 'first',
      explicit: false,
    });
  });

  it('fails like client-go without any configuration, or with an unknown context', async () => {
    const { io } = memoryIo({ files: { '/h/.kube/config': config('team') } });
    await expect(resolveNamespace(io.fs, flags, { HOME: '/nowhere' })).rejects.toThrow(
      'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable',
    );
    await expect(resolveNamespace(io.fs, { ...flags, context: 'zz' }, { HOME: '/h' })).rejects.toThrow(
      'context was not found for specified context: zz',
    );
    await expect(resolveNamespace(io.fs, { ...flags, kubeconfig: '/nope' }, {})).rejects.toThrow(
      'stat /nope: no such file or directory',
    );
  });

  it('uses the in-cluster namespace inside a pod when the context has none', async () => {
    const token = '/var/run/secrets/kubernetes.io/serviceaccount/token';
    const nsFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
    const pod = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: '/nowhere' };
    const { io } = memoryIo({
      files: { [token]: 't', [nsFile]: 'sa-ns\n', '/h/.kube/config': config('team') },
    });
    expect((await resolveNamespace(io.fs, flags, pod)).namespace).toBe('sa-ns');
    expect((await resolveNamespace(io.fs, flags, { ...pod, POD_NAMESPACE: 'pod-ns' })).namespace).toBe(
      'pod-ns',
    );
    expect((await resolveNamespace(io.fs, flags, { ...pod, HOME: '/h' })).namespace).toBe('team');
    expect(
      (await resolveNamespace(io.fs, { ...flags, context: 'b' }, { ...pod, HOME: '/h' })).namespace,
    ).toBe('sa-ns');
  });

  it('makes relative paths absolute against the kubeconfig directory', async () => {
    const { io } = memoryIo({ files: { '/h/.kube/config': config('team') } });
    const raw = await loadKubeconfig(io.fs, flags, { HOME: '/h' });
    expect(raw.clusters[0]?.body['certificate-authority']).toBe('/h/.kube/ca.pem');
  });
});
