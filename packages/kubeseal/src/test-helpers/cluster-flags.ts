import type { ClusterFlags } from '../cluster/controller-client.js';

/** The cluster flags as the CLI parses them when none is given (kubeseal's defaults), with `overrides` on top. */
export function clusterFlags(overrides: Partial<ClusterFlags> = {}): ClusterFlags {
  return {
    kubeconfig: '',
    context: '',
    cluster: '',
    user: '',
    namespace: '',
    server: '',
    token: '',
    as: '',
    asUid: '',
    asGroup: [],
    username: '',
    password: '',
    clientCertificate: '',
    clientKey: '',
    certificateAuthority: '',
    insecureSkipTlsVerify: false,
    tlsServerName: '',
    proxyUrl: '',
    requestTimeout: '0',
    controllerNamespace: 'kube-system',
    controllerName: 'sealed-secrets-controller',
    ...overrides,
  };
}
