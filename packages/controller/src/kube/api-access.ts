import { existsSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { errorMessage } from '../errors.js';
import { KubeError } from './kube-errors.js';

/**
 * What the gateway needs from a kubeconfig: the server, and per request the TLS material and credentials.
 * client-node's KubeConfig satisfies it as is.
 */
export interface ApiAccess {
  getCurrentCluster(): { readonly server: string } | null;
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

export interface ApiAccessOptions {
  /** Explicit kubeconfig path; empty → in-cluster service account, else KUBECONFIG / ~/.kube/config. */
  readonly kubeconfig: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** client-go and client-node re-read a token file at most once a minute (bound tokens rotate). */
const TOKEN_REFRESH_MS = 60_000;
const CLUSTER_FIELDS = new Set([
  'server',
  'certificate-authority',
  'certificate-authority-data',
  'insecure-skip-tls-verify',
  'tls-server-name',
  'extensions',
]);
const USER_FIELDS = new Set([
  'token',
  'tokenFile',
  'client-certificate',
  'client-certificate-data',
  'client-key',
  'client-key-data',
  'extensions',
]);

/**
 * Loads credentials the way upstream does (in-cluster first), or from `--kubeconfig` / KUBECONFIG / ~/.kube/config.
 * In-cluster accounts and kubeconfigs with static credentials (token, token file, client certificate) are read
 * here; anything else (exec and auth-provider plugins, proxies, basic auth, merged KUBECONFIG lists) is delegated
 * to client-node's KubeConfig, loaded only then: that module alone costs about 70 MiB of resident memory.
 */
export async function loadApiAccess(options: ApiAccessOptions): Promise<ApiAccess> {
  const { kubeconfig, env } = options;
  if (kubeconfig === '' && env['KUBERNETES_SERVICE_HOST'] !== undefined) {
    const simple = inClusterAccess(env);
    if (simple !== undefined) return simple;
  }
  const path = kubeconfig !== '' ? kubeconfig : defaultKubeconfigPath(env);
  if (path !== undefined) {
    const simple = staticKubeconfigAccess(path);
    if (simple !== undefined) return simple;
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (kubeconfig !== '') kc.loadFromFile(kubeconfig);
  else if (env['KUBERNETES_SERVICE_HOST'] !== undefined) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

function defaultKubeconfigPath(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const list = env['KUBECONFIG'];
  if (list !== undefined && list !== '') {
    const paths = list.split(delimiter).filter((p) => p !== '');
    // Several files are merged by client-node's rules: leave that to it.
    return paths.length === 1 ? paths[0] : undefined;
  }
  const home = env['HOME'] ?? homedir();
  const path = join(home, '.kube', 'config');
  return existsSync(path) ? path : undefined;
}

type Yaml = Record<string, unknown>;

function asRecord(value: unknown): Yaml | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Yaml) : undefined;
}

function named(list: unknown, name: unknown, field: string): Yaml | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = list.map(asRecord).find((item) => item?.['name'] === name);
  return asRecord(entry?.[field]);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** undefined when the kubeconfig needs more than static credentials (client-node handles it then). */
function staticKubeconfigAccess(path: string): ApiAccess | undefined {
  let doc: Yaml | undefined;
  try {
    doc = asRecord(parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined; // client-node reports the error in its own words
  }
  if (doc === undefined) return undefined;
  const context = named(doc['contexts'], doc['current-context'], 'context');
  const cluster = named(doc['clusters'], context?.['cluster'], 'cluster');
  const user = context?.['user'] === undefined ? {} : named(doc['users'], context['user'], 'user');
  const server = text(cluster?.['server']);
  if (cluster === undefined || user === undefined || server === undefined) return undefined;
  if (Object.keys(cluster).some((k) => !CLUSTER_FIELDS.has(k))) return undefined;
  if (Object.keys(user).some((k) => !USER_FIELDS.has(k))) return undefined;
  const root = dirname(path);
  const file = (value: unknown): string | undefined => {
    const p = text(value);
    return p === undefined || isAbsolute(p) ? p : join(root, p);
  };
  const material = (data: unknown, fileField: unknown): Buffer | undefined => {
    const inline = text(data);
    if (inline !== undefined) return Buffer.from(inline, 'base64');
    const p = file(fileField);
    return p === undefined ? undefined : readFileSync(p);
  };
  try {
    const token = text(user['token']);
    return new StaticAccess({
      server,
      ca: material(cluster['certificate-authority-data'], cluster['certificate-authority']),
      cert: material(user['client-certificate-data'], user['client-certificate']),
      key: material(user['client-key-data'], user['client-key']),
      insecure: cluster['insecure-skip-tls-verify'] === true,
      servername: text(cluster['tls-server-name']),
      token: token === undefined ? tokenFile(file(user['tokenFile'])) : () => token,
    });
  } catch {
    return undefined;
  }
}

function inClusterAccess(env: Readonly<Record<string, string | undefined>>): ApiAccess | undefined {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '443';
  const caPath = join(SERVICE_ACCOUNT_DIR, 'ca.crt');
  const tokenPath = join(SERVICE_ACCOUNT_DIR, 'token');
  if (!existsSync(caPath) || !existsSync(tokenPath)) return undefined;
  return new StaticAccess({
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ca: readFileSync(caPath),
    cert: undefined,
    key: undefined,
    insecure: false,
    servername: undefined,
    token: tokenFile(tokenPath),
  });
}

function tokenFile(path: string | undefined): () => string | undefined {
  if (path === undefined) return () => undefined;
  let token: string | undefined;
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt >= TOKEN_REFRESH_MS) {
      try {
        token = readFileSync(path, 'utf8').trim();
      } catch (cause) {
        throw new KubeError('Unauthorized', `cannot read the token file ${path}: ${errorMessage(cause)}`, {
          cause,
        });
      }
      readAt = Date.now();
    }
    return token;
  };
}

interface StaticAccessOptions {
  readonly server: string;
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly insecure: boolean;
  readonly servername: string | undefined;
  readonly token: () => string | undefined;
}

/** Static credentials, applied the way client-node's KubeConfig applies them. */
class StaticAccess implements ApiAccess {
  readonly #options: StaticAccessOptions;

  constructor(options: StaticAccessOptions) {
    this.#options = options;
  }

  getCurrentCluster(): { readonly server: string } {
    return { server: this.#options.server };
  }

  applyToHTTPSOptions(options: https.RequestOptions): Promise<void> {
    const { ca, cert, key, insecure, servername, token } = this.#options;
    if (ca !== undefined) options.ca = ca;
    if (cert !== undefined) options.cert = cert;
    if (key !== undefined) options.key = key;
    if (insecure) options.rejectUnauthorized = false;
    if (servername !== undefined) options.servername = servername;
    const bearer = token();
    if (bearer !== undefined) options.headers = { ...options.headers, Authorization: `Bearer ${bearer}` };
    return Promise.resolve();
  }
}
