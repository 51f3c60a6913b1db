import { KubeError } from '../errors.js';
import type { EntryFields, KubeconfigOverrides, MergedKubeconfig } from './types.js';

/** The context, cluster and user a command uses, after the override flags. */
export interface Selection {
  readonly contextName: string;
  readonly context: EntryFields;
  readonly clusterName: string;
  readonly cluster: EntryFields;
  readonly userName: string;
  readonly user: EntryFields;
}

export const EMPTY_CONFIG_MESSAGE =
  'no configuration has been provided, try setting KUBERNETES_MASTER environment variable';
const EMPTY_CLUSTER = 'cluster has no server defined';

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const given = (value: string | undefined): value is string => value !== undefined && value !== '';

/** client-go's getContext/getCluster/getAuthInfo: a name given by flag must exist (checked before validation). */
export function lookupError(config: MergedKubeconfig, o: KubeconfigOverrides): KubeError | undefined {
  if (given(o.user) && !config.users.has(o.user))
    return new KubeError('Config', `auth info "${o.user}" does not exist`);
  if (given(o.context) && !config.contexts.has(o.context))
    return new KubeError('Config', `context "${o.context}" does not exist`);
  if (given(o.cluster) && !config.clusters.has(o.cluster))
    return new KubeError('Config', `cluster "${o.cluster}" does not exist`);
  return undefined;
}

/** Applies the cluster flags the way client-go's DirectClientConfig.getCluster does. */
export function overrideCluster(cluster: EntryFields, o: KubeconfigOverrides): EntryFields {
  const out: Record<string, unknown> = { ...cluster };
  if (given(o.server)) out['server'] = o.server;
  // --insecure-skip-tls-verify or --certificate-authority replace the file's whole CA setting.
  if (o.insecureSkipTlsVerify === true || given(o.certificateAuthority)) {
    out['insecure-skip-tls-verify'] = o.insecureSkipTlsVerify === true;
    out['certificate-authority'] = o.certificateAuthority ?? '';
    delete out['certificate-authority-data'];
  }
  // A --server given on the command line drops the file's tls-server-name unless --tls-server-name is given too.
  if (given(o.tlsServerName) || given(o.server)) out['tls-server-name'] = o.tlsServerName ?? '';
  if (given(o.proxyUrl)) out['proxy-url'] = o.proxyUrl;
  return out;
}

/** Applies the credential and impersonation flags (a flag's file replaces the file's inline data). */
export function overrideUser(user: EntryFields, o: KubeconfigOverrides): EntryFields {
  const out: Record<string, unknown> = { ...user };
  if (given(o.token)) out['token'] = o.token;
  if (given(o.username)) out['username'] = o.username;
  if (given(o.password)) out['password'] = o.password;
  if (given(o.clientCertificate)) {
    out['client-certificate'] = o.clientCertificate;
    delete out['client-certificate-data'];
  }
  if (given(o.clientKey)) {
    out['client-key'] = o.clientKey;
    delete out['client-key-data'];
  }
  if (given(o.impersonate)) out['as'] = o.impersonate;
  if (given(o.impersonateUid)) out['as-uid'] = o.impersonateUid;
  if (o.impersonateGroups !== undefined && o.impersonateGroups.length > 0)
    out['as-groups'] = [...o.impersonateGroups];
  return out;
}

export function selectEntries(config: MergedKubeconfig, o: KubeconfigOverrides): Selection {
  const contextName = given(o.context) ? o.context : config.currentContext;
  const context = config.contexts.get(contextName) ?? {};
  const clusterName = given(o.cluster) ? o.cluster : str(context['cluster']);
  const userName = given(o.user) ? o.user : str(context['user']);
  return {
    contextName,
    context,
    clusterName,
    cluster: overrideCluster(config.clusters.get(clusterName) ?? {}, o),
    userName,
    user: overrideUser(config.users.get(userName) ?? {}, o),
  };
}

function isEmptyValue(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    value === false ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && Object.keys(value).length === 0)
  );
}

function validateUser(name: string, user: EntryFields): string[] {
  const errors: string[] = [];
  const has = (field: string): boolean => !isEmptyValue(user[field]);
  const methods: string[] = [];
  if (has('token')) methods.push('token');
  if (has('username') || has('password')) methods.push('basicAuth');
  if (has('client-certificate') || has('client-certificate-data')) {
    if (!has('client-key') && !has('client-key-data'))
      errors.push(
        `client-key-data or client-key must be specified for ${name} to use the clientCert authentication method.`,
      );
  }
  const exec = user['exec'];
  if (!isEmptyValue(exec)) {
    if (has('auth-provider'))
      errors.push(`authProvider cannot be provided in combination with an exec plugin for ${name}`);
    const { command, apiVersion } = exec as { command?: unknown; apiVersion?: unknown };
    if (isEmptyValue(command))
      errors.push(`command must be specified for ${name} to use exec authentication plugin`);
    if (isEmptyValue(apiVersion))
      errors.push(`apiVersion must be specified for ${name} to use exec authentication plugin`);
  }
  if (methods.length > 1)
    errors.push(
      `more than one authentication method found for ${name}; found [${methods.join(' ')}], only one is allowed`,
    );
  if ((has('as-uid') || has('as-groups') || has('as-user-extra')) && !has('as'))
    errors.push(`requesting uid, groups or user-extra for ${name} without impersonating a user`);
  return errors;
}

function validateCluster(name: string, cluster: EntryFields): string[] {
  // Observed with kubeseal v0.40.0: only an unnamed, empty cluster is "no server defined" (the empty-config case);
  // a named cluster that is missing or has no server is reported by name.
  if (name === '' && Object.values(cluster).every(isEmptyValue)) return [EMPTY_CLUSTER];
  if (str(cluster['server']) !== '') return [];
  return [name === '' ? 'default cluster has no server defined' : `no server found for cluster "${name}"`];
}

/**
 * client-go's ConfirmUsable: the problems that make the selection unusable, as one `invalid configuration` error
 * (undefined when usable). When the only problem is that no cluster is configured at all, the error is client-go's
 * "empty config" (`isEmptyConfigError`), after which in-cluster configuration may be tried.
 */
export function confirmUsable(
  config: MergedKubeconfig,
  o: KubeconfigOverrides,
  s: Selection,
): KubeError | undefined {
  const errors: string[] = [];
  if (s.contextName !== '' && !config.contexts.has(s.contextName))
    errors.push(`context was not found for specified context: ${s.contextName}`);
  errors.push(...validateUser(s.userName, s.user), ...validateCluster(s.clusterName, s.cluster));
  if (errors.length === 0) return undefined;
  if (errors.length === 1 && errors[0] === EMPTY_CLUSTER) return new EmptyConfigError();
  const text = errors.length === 1 ? (errors[0] ?? '') : `[${errors.join(', ')}]`;
  return new KubeError('Config', `invalid configuration: ${text}`);
}

/** No kubeconfig configures a cluster (client-go's ErrEmptyConfig). */
export class EmptyConfigError extends KubeError {
  constructor() {
    super('Config', `invalid configuration: ${EMPTY_CONFIG_MESSAGE}`);
  }
}
