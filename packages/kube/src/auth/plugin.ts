import type https from 'node:https';
import { errorMessage } from '../text/error-message.js';
import { KubeError } from '../errors.js';
import type { EntryFields } from '../kubeconfig/types.js';
import type { AppliedCredentials, Credentials } from './credentials.js';
import { monotonicMs } from '../clock.js';

/** Whether a kubeconfig user needs a credential plugin (client-go's exec or auth-provider). */
export function needsPlugin(user: EntryFields): boolean {
  const present = (v: unknown): boolean => typeof v === 'object' && v !== null;
  return present(user['exec']) || present(user['auth-provider']);
}

/** How long a plugin's answer is reused before asking client-node again (which caches until expiry itself). */
export const PLUGIN_CACHE_MS = 10_000;

function material(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  return typeof value === 'string' && value !== '' ? Buffer.from(value) : undefined;
}

let instances = 0;

/** Counts loads of @kubernetes/client-node, so tests can prove static configurations never load it. */
export const pluginLoads = { count: 0 };

/**
 * Credentials from an exec or auth-provider plugin, run by @kubernetes/client-node: its module graph costs about
 * half a second and 70 MiB, so it is imported here, on the first request of a configuration that has a plugin,
 * and never otherwise. client-node caches the token until it expires and runs the plugin again then.
 */
export function pluginCredentials(server: string, userName: string, user: EntryFields): Credentials {
  const kind = user['exec'] !== undefined ? 'exec' : 'auth-provider';
  let kubeConfig: Promise<{ applyToHTTPSOptions(options: https.RequestOptions): Promise<void> }> | undefined;
  const load = async () => {
    pluginLoads.count++;
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    const pluginFields = Object.fromEntries(
      Object.entries(user).filter(([field]) => field === 'exec' || field === 'auth-provider'),
    );
    // client-node caches exec tokens per user name across all its KubeConfigs: a unique name keeps two
    // configurations in one process apart.
    const name = `${userName === '' ? 'user' : userName}#${++instances}`;
    // Only the plugin is client-node's business: server TLS and static credentials stay ours. client-node refuses
    // http:// servers unless verification is "skipped"; its own agent is never used.
    kc.loadFromString(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
        users: [{ name, user: pluginFields }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: name } }],
        'current-context': 'ctx',
      }),
    );
    return kc;
  };
  let cached: { applied: AppliedCredentials; at: number } | undefined;
  return {
    kind,
    async apply(): Promise<AppliedCredentials> {
      // client-node re-runs a plugin whose credential has no expiry on every call; keep its answer briefly.
      if (cached !== undefined && monotonicMs() - cached.at < PLUGIN_CACHE_MS) return cached.applied;
      kubeConfig ??= load();
      const options: https.RequestOptions = { headers: {} };
      try {
        await (await kubeConfig).applyToHTTPSOptions(options);
      } catch (cause) {
        kubeConfig = undefined;
        // client-node JSON.parses the plugin's output, and V8's message quotes it: the token itself, when the
        // output is an ExecCredential with a typo. Say what client-go says, without the text.
        const reason = cause instanceof SyntaxError ? 'decoding stdout: not valid JSON' : errorMessage(cause);
        throw new KubeError('Unauthorized', `the ${kind} credential plugin failed: ${reason}`, { cause });
      }
      const headers: Record<string, string> = {};
      const authorization = (options.headers as Record<string, unknown> | undefined)?.['Authorization'];
      if (typeof authorization === 'string') headers['Authorization'] = authorization;
      const cert = material(options.cert);
      const key = material(options.key);
      const applied = {
        headers,
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
      };
      cached = { applied, at: monotonicMs() };
      return applied;
    },
    invalidate: () => {
      cached = undefined;
    },
  };
}
