import * as http from 'node:http';
import * as https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import { CliError } from '../errors.js';
import type { FileSystem } from '../io/io.js';
import { effectiveConfig, inClusterPossible, loadKubeconfig, type Env } from '../kubeconfig/kubeconfig.js';
import {
  describeHttpFailure,
  parseRequestTimeout,
  type ClusterFlags,
  type ControllerClient,
  type ProxyResponse,
} from './controller-client.js';

// The only module that loads @kubernetes/client-node; modes import it lazily, so offline commands never pay for it.

function withoutEmpty(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== '' && v !== undefined));
}

async function buildKubeConfig(fs: FileSystem, flags: ClusterFlags, env: Env): Promise<KubeConfig> {
  const kc = new KubeConfig();
  const raw = await loadKubeconfig(fs, flags, env);
  if (raw.empty && flags.kubeconfig === '' && flags.server === '' && (await inClusterPossible(fs, env))) {
    kc.loadFromCluster();
    return kc;
  }
  const config = effectiveConfig(raw, flags);
  const cluster: Record<string, unknown> = { ...config.cluster };
  const user: Record<string, unknown> = { ...config.user };
  if (flags.certificateAuthority !== '') delete cluster['certificate-authority-data'];
  if (flags.clientCertificate !== '') delete user['client-certificate-data'];
  if (flags.clientKey !== '') delete user['client-key-data'];
  Object.assign(
    cluster,
    withoutEmpty({
      server: flags.server,
      'certificate-authority': flags.certificateAuthority,
      'tls-server-name': flags.tlsServerName,
      'proxy-url': flags.proxyUrl,
    }),
  );
  if (flags.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  // client-node refuses plain-http servers unless TLS verification is "skipped"; there is no TLS to verify there.
  if (typeof cluster.server === 'string' && cluster.server.startsWith('http:'))
    cluster['insecure-skip-tls-verify'] = true;
  Object.assign(
    user,
    withoutEmpty({
      token: flags.token,
      'client-certificate': flags.clientCertificate,
      'client-key': flags.clientKey,
      username: flags.username,
      password: flags.password,
    }),
  );
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubeseal', cluster }],
    users: [{ name: 'kubeseal', user }],
    contexts: [{ name: 'kubeseal', context: { cluster: 'kubeseal', user: 'kubeseal' } }],
    'current-context': 'kubeseal',
  };
  try {
    kc.loadFromString(JSON.stringify(doc));
  } catch (error) {
    throw new CliError(
      'KUBECONFIG',
      `invalid configuration: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return kc;
}

class TransportError extends Error {}

function makeRequester(kc: KubeConfig, flags: ClusterFlags) {
  const server = (kc.getCurrentCluster()?.server ?? '').replace(/\/+$/, '');
  let timeoutMs: number;
  try {
    timeoutMs = parseRequestTimeout(flags.requestTimeout);
  } catch (error) {
    throw new CliError('INVALID_ARGUMENT', (error as Error).message, { cause: error });
  }
  return async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string) => {
    const url = `${server}${path}`;
    const verb = method === 'GET' ? 'Get' : 'Post';
    const options: https.RequestOptions = { method, headers: { ...headers } };
    try {
      await kc.applyToHTTPSOptions(options);
    } catch (error) {
      throw new TransportError(`${verb} "${url}": ${(error as Error).message}`, { cause: error });
    }
    const extra: Record<string, string | string[]> = {};
    if (flags.as !== '') extra['Impersonate-User'] = flags.as;
    if (flags.asUid !== '') extra['Impersonate-Uid'] = flags.asUid;
    if (flags.asGroup.length > 0) extra['Impersonate-Group'] = [...flags.asGroup];
    options.headers = { ...options.headers, ...extra };
    if (timeoutMs > 0) options.timeout = timeoutMs;
    const transport = url.startsWith('http:') ? http : https;
    return new Promise<ProxyResponse>((resolve, reject) => {
      let req: http.ClientRequest;
      try {
        req = transport.request(url, options, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', (e) => reject(new TransportError(`${verb} "${url}": ${e.message}`, { cause: e })));
        });
      } catch (error) {
        reject(new TransportError(`${verb} "${url}": ${(error as Error).message}`, { cause: error }));
        return;
      }
      req.on('timeout', () => req.destroy(new Error('context deadline exceeded (Client.Timeout exceeded)')));
      req.on('error', (e) => reject(new TransportError(`${verb} "${url}": ${e.message}`, { cause: e })));
      req.end(body);
    });
  };
}

const SERVICE_HINT =
  'Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller';

/**
 * Loads the kubeconfig (with the client-go override flags), looks up the controller Service and returns a client
 * that talks to the controller through `/api/v1/namespaces/<ns>/services/http:<name>:<port>/proxy/` (compat §5.4).
 */
export async function connectController(
  fs: FileSystem,
  flags: ClusterFlags,
  env: Env,
): Promise<ControllerClient> {
  const kc = await buildKubeConfig(fs, flags, env);
  const request = makeRequester(kc, flags);
  const ns = encodeURIComponent(flags.controllerNamespace);
  const name = encodeURIComponent(flags.controllerName);
  let portName = '';
  try {
    const res = await request('GET', `/api/v1/namespaces/${ns}/services/${name}`, {
      Accept: 'application/json',
    });
    if (res.status < 200 || res.status > 299) throw new TransportError(describeHttpFailure(res));
    const service = JSON.parse(res.body.toString('utf8')) as { spec?: { ports?: { name?: unknown }[] } };
    const first = service.spec?.ports?.[0]?.name;
    portName = typeof first === 'string' ? first : '';
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError('CLUSTER', `cannot get sealed secret service: ${reason}.`, {
      cause: error,
      hints: [SERVICE_HINT],
    });
  }
  const proxy = `/api/v1/namespaces/${ns}/services/http:${name}:${encodeURIComponent(portName)}/proxy`;
  const post = (path: string, json: string) =>
    request(
      'POST',
      `${proxy}${path}`,
      { 'Content-Type': 'application/json', Accept: 'application/json, */*' },
      json,
    );
  return {
    async fetchCertificate() {
      try {
        const res = await request('GET', `${proxy}/v1/cert.pem`, { Accept: 'application/x-pem-file, */*' });
        if (res.status < 200 || res.status > 299) throw new TransportError(describeHttpFailure(res));
        return res.body;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CliError('CLUSTER', `cannot fetch certificate: ${reason}`, { cause: error });
      }
    },
    verify: (json) => post('/v1/verify', json),
    rotate: (json) => post('/v1/rotate', json),
  };
}
