import { EmptyConfigError, isKubeError, type Env, type KubeAccessOptions } from '@ssts/kube/kubeconfig';
import { CliError } from '../errors.js';
import type { FileSystem } from '../io/io.js';
import type { ClusterFlags } from './controller-client.js';

/** The kubeconfig flags, in the shape of @ssts/kube's loader options (files read through the CLI's Io). */
export type KubeconfigFlags = Pick<
  ClusterFlags,
  | 'kubeconfig'
  | 'context'
  | 'cluster'
  | 'user'
  | 'namespace'
  | 'server'
  | 'token'
  | 'as'
  | 'asUid'
  | 'asGroup'
  | 'username'
  | 'password'
  | 'clientCertificate'
  | 'clientKey'
  | 'certificateAuthority'
  | 'insecureSkipTlsVerify'
  | 'tlsServerName'
  | 'proxyUrl'
>;

export function kubeAccessOptions(fs: FileSystem, flags: KubeconfigFlags, env: Env): KubeAccessOptions {
  return {
    kubeconfig: flags.kubeconfig,
    env,
    readFile: (path) => fs.readFile(path),
    overrides: {
      context: flags.context,
      cluster: flags.cluster,
      user: flags.user,
      namespace: flags.namespace,
      server: flags.server,
      token: flags.token,
      impersonate: flags.as,
      impersonateUid: flags.asUid,
      impersonateGroups: flags.asGroup,
      username: flags.username,
      password: flags.password,
      clientCertificate: flags.clientCertificate,
      clientKey: flags.clientKey,
      certificateAuthority: flags.certificateAuthority,
      insecureSkipTlsVerify: flags.insecureSkipTlsVerify,
      tlsServerName: flags.tlsServerName,
      proxyUrl: flags.proxyUrl,
    },
  };
}

/** A kubeconfig problem from @ssts/kube as the CLI's error (KUBECONFIG_EMPTY: client-go's "empty config"). */
export function kubeconfigError(error: unknown): unknown {
  if (!isKubeError(error, 'Config')) return error;
  const code = error instanceof EmptyConfigError ? 'KUBECONFIG_EMPTY' : 'KUBECONFIG';
  return new CliError(code, error.message, { cause: error });
}
