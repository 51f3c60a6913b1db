import { writeFileSync } from 'node:fs';

export interface KubeconfigOptions {
  server: string;
  caPem: string | Buffer;
  token: string;
  user: string;
}

/** A self-contained kubeconfig (CA embedded) with one cluster/user/context, all named "ssts-e2e". */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const caData = Buffer.from(options.caPem).toString('base64');
  // JSON is valid YAML and every kubeconfig loader accepts it; no YAML emitter needed.
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'ssts-e2e', cluster: { server: options.server, 'certificate-authority-data': caData } },
    ],
    users: [{ name: options.user, user: { token: options.token } }],
    contexts: [{ name: 'ssts-e2e', context: { cluster: 'ssts-e2e', user: options.user } }],
    'current-context': 'ssts-e2e',
    preferences: {},
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

export function writeKubeconfig(path: string, options: KubeconfigOptions): string {
  writeFileSync(path, renderKubeconfig(options), { mode: 0o600 });
  return path;
}
