import { dirname, isAbsolute, join } from 'node:path';
import { CliError, describeFsError } from '../errors.js';
import type { FileSystem } from '../io/io.js';

/** One named entry of a kubeconfig list (`clusters`, `contexts`, `users`), fields as in the file. */
export interface NamedEntry {
  readonly name: string;
  readonly body: Readonly<Record<string, unknown>>;
}

/** The merged kubeconfig files (client-go rules: the first file that defines a name or current-context wins). */
export interface RawKubeconfig {
  readonly currentContext: string;
  readonly clusters: readonly NamedEntry[];
  readonly contexts: readonly NamedEntry[];
  readonly users: readonly NamedEntry[];
  /** True when no file contributed anything. */
  readonly empty: boolean;
}

export interface KubeconfigFlags {
  readonly kubeconfig: string;
  readonly context: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace: string;
  readonly server: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const IN_CLUSTER_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';
const IN_CLUSTER_TOKEN_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const EMPTY_CONFIG =
  'invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable';

/** Path fields relative to the kubeconfig file, made absolute as client-go does. */
const PATH_FIELDS: Readonly<Record<string, readonly string[]>> = {
  clusters: ['certificate-authority'],
  users: ['client-certificate', 'client-key', 'tokenFile'],
};

function kubeconfigPaths(flags: KubeconfigFlags, env: Env): { paths: string[]; explicit: boolean } {
  if (flags.kubeconfig !== '') return { paths: [flags.kubeconfig], explicit: true };
  const fromEnv = (env.KUBECONFIG ?? '').split(':').filter((p) => p !== '');
  if (fromEnv.length > 0) return { paths: fromEnv, explicit: false };
  const home = env.HOME ?? env.USERPROFILE;
  return { paths: home === undefined ? [] : [join(home, '.kube', 'config')], explicit: false };
}

function entries(doc: Record<string, unknown>, list: string, inner: string, baseDir: string): NamedEntry[] {
  const items = doc[list];
  if (!Array.isArray(items)) return [];
  const out: NamedEntry[] = [];
  for (const item of items as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { name } = item as { name?: unknown };
    const body = (item as Record<string, unknown>)[inner];
    if (typeof name !== 'string') continue;
    const copy: Record<string, unknown> =
      typeof body === 'object' && body !== null ? { ...(body as object) } : {};
    for (const field of PATH_FIELDS[list] ?? []) {
      const value = copy[field];
      if (typeof value === 'string' && value !== '' && !isAbsolute(value)) copy[field] = join(baseDir, value);
    }
    out.push({ name, body: copy });
  }
  return out;
}

/** Reads and merges the kubeconfig files named by `--kubeconfig`, `KUBECONFIG` or `~/.kube/config`. */
export async function loadKubeconfig(
  fs: FileSystem,
  flags: KubeconfigFlags,
  env: Env,
): Promise<RawKubeconfig> {
  const { paths, explicit } = kubeconfigPaths(flags, env);
  let currentContext = '';
  let empty = true;
  const lists: Record<'clusters' | 'contexts' | 'users', NamedEntry[]> = {
    clusters: [],
    contexts: [],
    users: [],
  };
  for (const path of paths) {
    let text: string;
    try {
      text = (await fs.readFile(path)).toString('utf8');
    } catch (error) {
      if (explicit) throw new CliError('KUBECONFIG', describeFsError('stat', path, error), { cause: error });
      continue;
    }
    const { parse } = await import('../io/yaml.js');
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (error) {
      const reason = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
      throw new CliError('KUBECONFIG', `error loading config file "${path}": ${reason}`, { cause: error });
    }
    if (typeof doc !== 'object' || doc === null) continue;
    const record = doc as Record<string, unknown>;
    empty = false;
    const cc = record['current-context'];
    if (currentContext === '' && typeof cc === 'string') currentContext = cc;
    for (const [list, inner] of [
      ['clusters', 'cluster'],
      ['contexts', 'context'],
      ['users', 'user'],
    ] as const) {
      for (const entry of entries(record, list, inner, dirname(path))) {
        if (!lists[list].some((e) => e.name === entry.name)) lists[list].push(entry);
      }
    }
  }
  return { currentContext, empty, ...lists };
}

/** The context, cluster and user a command would use, after the `--context/--cluster/--user/--server` overrides. */
export interface EffectiveConfig {
  readonly contextName: string;
  readonly context: Readonly<Record<string, unknown>> | undefined;
  readonly clusterName: string;
  readonly cluster: Readonly<Record<string, unknown>> | undefined;
  readonly userName: string;
  readonly user: Readonly<Record<string, unknown>> | undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** client-go's ConfirmUsable, reduced to the checks users meet: unknown context, no server at all. */
export function effectiveConfig(raw: RawKubeconfig, flags: KubeconfigFlags): EffectiveConfig {
  const contextName = flags.context !== '' ? flags.context : raw.currentContext;
  const context = raw.contexts.find((c) => c.name === contextName)?.body;
  if (contextName !== '' && context === undefined) {
    throw new CliError(
      'KUBECONFIG',
      `invalid configuration: context was not found for specified context: ${contextName}`,
    );
  }
  const clusterName = flags.cluster !== '' ? flags.cluster : str(context?.cluster);
  const cluster = raw.clusters.find((c) => c.name === clusterName)?.body;
  const userName = flags.user !== '' ? flags.user : str(context?.user);
  const user = raw.users.find((u) => u.name === userName)?.body;
  if (flags.server === '' && str(cluster?.server) === '')
    throw new CliError('KUBECONFIG_EMPTY', EMPTY_CONFIG);
  return { contextName, context, clusterName, cluster, userName, user };
}

/** Whether client-go would fall back to the in-cluster configuration. */
export async function inClusterPossible(fs: FileSystem, env: Env): Promise<boolean> {
  if (!env.KUBERNETES_SERVICE_HOST || !env.KUBERNETES_SERVICE_PORT) return false;
  try {
    await fs.readFile(IN_CLUSTER_TOKEN_FILE);
    return true;
  } catch {
    return false;
  }
}

async function inClusterNamespace(fs: FileSystem, env: Env): Promise<string> {
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  try {
    const ns = (await fs.readFile(IN_CLUSTER_NAMESPACE_FILE)).toString('utf8').trim();
    if (ns !== '') return ns;
  } catch {
    // no service-account namespace file: fall through to "default"
  }
  return 'default';
}

export interface ResolvedNamespace {
  readonly namespace: string;
  /** True when it came from `-n` (a mismatch with the input Secret is then an error). */
  readonly explicit: boolean;
}

/**
 * Compat §6.5 "Namespace precedence" minus the input Secret: `-n`, the context's namespace, the in-cluster
 * namespace (inside a pod, without a kubeconfig), else `default`. Throws CliError KUBECONFIG like client-go.
 */
export async function resolveNamespace(
  fs: FileSystem,
  flags: KubeconfigFlags,
  env: Env,
): Promise<ResolvedNamespace> {
  if (flags.namespace !== '') return { namespace: flags.namespace, explicit: true };
  const raw = await loadKubeconfig(fs, flags, env);
  let contextNamespace = '';
  let failure: unknown;
  try {
    contextNamespace = str(effectiveConfig(raw, flags).context?.namespace);
  } catch (error) {
    failure = error;
  }
  const emptyConfig = failure instanceof CliError && failure.code === 'KUBECONFIG_EMPTY';
  if ((failure !== undefined && !emptyConfig) || !(await inClusterPossible(fs, env))) {
    if (failure !== undefined) throw failure;
    return { namespace: contextNamespace === '' ? 'default' : contextNamespace, explicit: false };
  }
  if (contextNamespace !== '') return { namespace: contextNamespace, explicit: false };
  return { namespace: await inClusterNamespace(fs, env), explicit: false };
}
