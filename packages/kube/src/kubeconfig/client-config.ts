import { join } from 'node:path';
import { basicAuth, bearerToken, noCredentials, tokenFile, type Credentials } from '../auth/credentials.js';
import { needsPlugin, pluginCredentials } from '../auth/plugin.js';
import { KubeError } from '../errors.js';
import { describeFsError } from '../text/fs-error.js';
import type { TlsSettings } from '../http/request.js';
import { defaultReadFile, loadKubeconfigFiles } from './files.js';
import {
  confirmUsable,
  EmptyConfigError,
  lookupError,
  overrideCluster,
  overrideUser,
  selectEntries,
  str,
} from './select.js';
import type { EntryFields, KubeAccessOptions, MergedKubeconfig, ReadFile } from './types.js';
import { withoutUserinfo } from '../text/userinfo.js';

/** Everything a client needs to reach and authenticate to one API server. */
export interface RestConfig {
  readonly server: URL;
  readonly tls: TlsSettings;
  readonly credentials: Credentials;
  /** Impersonate-* headers (kubeconfig `as`/`as-groups`/`as-uid`/`as-user-extra`, `--as*` flags). */
  readonly impersonation: Readonly<Record<string, string | readonly string[]>>;
  /** The cluster's `proxy-url` (`--proxy-url`), when set. */
  readonly proxyUrl: string | undefined;
  readonly source: 'kubeconfig' | 'in-cluster';
}

export interface ResolvedNamespace {
  readonly namespace: string;
  /** True when it came from `--namespace` (a mismatch with an input object is then an error for kubeseal). */
  readonly explicit: boolean;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Largest CA, certificate, key or namespace file we read. */
export const MAX_CREDENTIAL_FILE_BYTES = 1024 * 1024;

async function readBounded(readFile: ReadFile, path: string): Promise<Buffer> {
  const bytes = await readFile(path);
  if (bytes.length > MAX_CREDENTIAL_FILE_BYTES)
    throw Object.assign(new Error(`larger than ${MAX_CREDENTIAL_FILE_BYTES} bytes`), { code: 'EFBIG' });
  return bytes;
}

/**
 * client-go's DeferredLoadingClientConfig: kubeconfig files merged by its rules, the override flags, and the
 * in-cluster service account when no kubeconfig configures a cluster. Files are read once per loader.
 */
export class KubeconfigLoader {
  readonly #options: KubeAccessOptions;
  readonly #readFile: ReadFile;
  #merged: Promise<MergedKubeconfig> | undefined;

  constructor(options: KubeAccessOptions) {
    this.#options = options;
    this.#readFile = options.readFile ?? defaultReadFile;
  }

  merged(): Promise<MergedKubeconfig> {
    this.#merged ??= loadKubeconfigFiles(this.#options);
    return this.#merged;
  }

  get #overrides() {
    return this.#options.overrides ?? {};
  }

  get #serviceAccountDir(): string {
    return this.#options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  }

  /** client-go's InClusterConfig is possible: inside a pod with a service-account token. */
  async inClusterPossible(): Promise<boolean> {
    const { env } = this.#options;
    if (!env['KUBERNETES_SERVICE_HOST'] || !env['KUBERNETES_SERVICE_PORT']) return false;
    try {
      await readBounded(this.#readFile, join(this.#serviceAccountDir, 'token'));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The namespace for a command (compat §6.5 precedence minus the input object): `--namespace`, the context's
   * namespace, the in-cluster namespace (inside a pod, when the kubeconfig names none), else `default`.
   */
  async namespace(): Promise<ResolvedNamespace> {
    const given = this.#overrides.namespace;
    if (given !== undefined && given !== '') return { namespace: given, explicit: true };
    const merged = await this.merged();
    const selection = selectEntries(merged, this.#overrides);
    const problem = confirmUsable(merged, this.#overrides, selection);
    const contextNamespace = problem === undefined ? str(selection.context['namespace']) : '';
    if (
      (problem !== undefined && !(problem instanceof EmptyConfigError)) ||
      !(await this.inClusterPossible())
    ) {
      if (problem !== undefined) throw problem;
      return { namespace: contextNamespace === '' ? 'default' : contextNamespace, explicit: false };
    }
    if (contextNamespace !== '') return { namespace: contextNamespace, explicit: false };
    return { namespace: await this.#inClusterNamespace(), explicit: false };
  }

  async #inClusterNamespace(): Promise<string> {
    const fromEnv = this.#options.env['POD_NAMESPACE'];
    if (fromEnv) return fromEnv;
    try {
      const ns = (await readBounded(this.#readFile, join(this.#serviceAccountDir, 'namespace')))
        .toString('utf8')
        .trim();
      if (ns !== '') return ns;
    } catch {
      // no service-account namespace file: "default", as client-go
    }
    return 'default';
  }

  /** The server, TLS settings and credentials to use; throws KubeError `Config` with client-go's texts. */
  async restConfig(): Promise<RestConfig> {
    const merged = await this.merged();
    const overrides = this.#overrides;
    const missing = lookupError(merged, overrides);
    if (missing !== undefined) throw missing;
    const selection = selectEntries(merged, overrides);
    const problem = confirmUsable(merged, overrides, selection);
    if (problem instanceof EmptyConfigError && (await this.inClusterPossible())) return this.#inCluster();
    if (problem !== undefined) throw problem;
    return restConfigFor(selection.clusterName, selection.cluster, selection.userName, selection.user, {
      readFile: this.#readFile,
      source: 'kubeconfig',
    });
  }

  #inCluster(): Promise<RestConfig> {
    const { env } = this.#options;
    const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
    const port = env['KUBERNETES_SERVICE_PORT'] ?? '';
    const cluster = overrideCluster(
      {
        server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
        'certificate-authority': join(this.#serviceAccountDir, 'ca.crt'),
      },
      this.#overrides,
    );
    const user = overrideUser({ tokenFile: join(this.#serviceAccountDir, 'token') }, this.#overrides);
    return restConfigFor('in-cluster', cluster, 'in-cluster', user, {
      readFile: this.#readFile,
      source: 'in-cluster',
      // client-go only logs an unreadable in-cluster CA and continues with the system roots.
      optionalCa: true,
    });
  }
}

/** The namespace of the pod we run in: POD_NAMESPACE, else the service-account file, else `default` (client-go). */
export async function inClusterNamespace(
  options: Pick<KubeAccessOptions, 'env' | 'readFile' | 'serviceAccountDir'>,
): Promise<string> {
  const fromEnv = options.env['POD_NAMESPACE'];
  if (fromEnv) return fromEnv;
  const path = join(options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR, 'namespace');
  try {
    const ns = (await readBounded(options.readFile ?? defaultReadFile, path)).toString('utf8').trim();
    if (ns !== '') return ns;
  } catch {
    // no service-account namespace file: "default", as client-go
  }
  return 'default';
}

interface RestConfigContext {
  readonly readFile: ReadFile;
  readonly source: RestConfig['source'];
  readonly optionalCa?: boolean;
}

async function material(
  ctx: RestConfigContext,
  data: unknown,
  file: unknown,
  what: string,
  owner: string,
): Promise<Buffer | undefined> {
  const inline = str(data);
  if (inline !== '') return Buffer.from(inline, 'base64');
  const path = str(file);
  if (path === '') return undefined;
  try {
    return await readBounded(ctx.readFile, path);
  } catch (cause) {
    if (what === 'certificate-authority' && ctx.optionalCa === true) return undefined;
    throw new KubeError(
      'Config',
      `invalid configuration: unable to read ${what} ${path} for ${owner} due to ${describeFsError('open', path, cause)}`,
      { cause },
    );
  }
}

function impersonationHeaders(user: EntryFields): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  if (str(user['as']) !== '') headers['Impersonate-User'] = str(user['as']);
  if (str(user['as-uid']) !== '') headers['Impersonate-Uid'] = str(user['as-uid']);
  const groups = user['as-groups'];
  if (Array.isArray(groups) && groups.length > 0) headers['Impersonate-Group'] = groups.map(String);
  const extra = user['as-user-extra'];
  if (typeof extra === 'object' && extra !== null && !Array.isArray(extra)) {
    for (const [key, values] of Object.entries(extra as Record<string, unknown>)) {
      const list = Array.isArray(values) ? values.map(String) : [String(values)];
      headers[`Impersonate-Extra-${encodeURIComponent(key)}`] = list;
    }
  }
  return headers;
}

/** Whether `server` starts with `<scheme>://` (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`). */
function hasScheme(server: string): boolean {
  const letter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  const end = server.indexOf('://');
  if (end < 1 || !letter(server.charCodeAt(0))) return false;
  for (let i = 1; i < end; i++) {
    const c = server.charCodeAt(i);
    if (!(letter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  return true;
}

/** client-go's defaultServerURL: a server without a scheme is https when TLS is configured at all, else http. */
function serverUrl(server: string, tlsConfigured: boolean): URL {
  const withScheme = hasScheme(server) ? server : `${tlsConfigured ? 'https' : 'http'}://${server}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch (cause) {
    throw new KubeError(
      'Config',
      // Go prints the text as given; a password in it is left out here.
      `invalid configuration: host must be a URL or a host:port pair: "${withoutUserinfo(server)}"`,
      {
        cause,
      },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new KubeError(
      'Config',
      `invalid configuration: unsupported scheme "${url.protocol.slice(0, -1)}" in server "${server}"`,
    );
  return url;
}

function credentialsFor(
  ctx: RestConfigContext,
  server: URL,
  userName: string,
  user: EntryFields,
): Credentials {
  if (needsPlugin(user)) return pluginCredentials(server.href, userName, user);
  if (str(user['token']) !== '') return bearerToken(str(user['token']));
  if (str(user['tokenFile']) !== '') return tokenFile(str(user['tokenFile']), ctx.readFile);
  if (str(user['username']) !== '' || str(user['password']) !== '')
    return basicAuth(str(user['username']), str(user['password']));
  return noCredentials;
}

/** Reads the TLS material of a selected cluster and user and picks the credentials. */
export async function restConfigFor(
  clusterName: string,
  cluster: EntryFields,
  userName: string,
  user: EntryFields,
  ctx: RestConfigContext,
): Promise<RestConfig> {
  const ca = await material(
    ctx,
    cluster['certificate-authority-data'],
    cluster['certificate-authority'],
    'certificate-authority',
    clusterName,
  );
  const cert = await material(
    ctx,
    user['client-certificate-data'],
    user['client-certificate'],
    'client-cert',
    userName,
  );
  const key = await material(ctx, user['client-key-data'], user['client-key'], 'client-key', userName);
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  if (insecure && ca !== undefined)
    throw new KubeError(
      'Config',
      'specifying a root certificates file with the insecure flag is not allowed',
    );
  const servername = str(cluster['tls-server-name']);
  const server = serverUrl(
    str(cluster['server']),
    ca !== undefined || cert !== undefined || insecure || servername !== '',
  );
  const proxyUrl = str(cluster['proxy-url']);
  return {
    server,
    tls: {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      ...(insecure ? { rejectUnauthorized: false } : {}),
      ...(servername === '' ? {} : { servername }),
    },
    credentials: credentialsFor(ctx, server, userName, user),
    impersonation: impersonationHeaders(user),
    proxyUrl: proxyUrl === '' ? undefined : proxyUrl,
    source: ctx.source,
  };
}

/** Shorthand: the RestConfig for these options. */
export function loadRestConfig(options: KubeAccessOptions): Promise<RestConfig> {
  return new KubeconfigLoader(options).restConfig();
}

/** Shorthand: the namespace for these options. */
export function resolveNamespace(options: KubeAccessOptions): Promise<ResolvedNamespace> {
  return new KubeconfigLoader(options).namespace();
}
