import { errorMessage } from './errors.js';
import type { Logger } from './log.js';

/** Namespace look-ups in flight at once (upstream, addendum §3.1). */
export const BOOTSTRAP_CONCURRENCY = 16;

export interface NamespaceBootstrap {
  /** `--additional-namespaces`, already split, trimmed, without empty entries and deduplicated (config.ts). */
  readonly namespaces: readonly string[];
  readonly ownNamespace: string;
  /** GET the namespace: false when it does not exist; throws on any other API error. */
  readonly exists: (namespace: string) => Promise<boolean>;
  /** Starts watching a namespace that exists. */
  readonly watch: (namespace: string) => void;
  readonly log: Logger;
  readonly concurrency?: number;
}

/**
 * Addendum §3.1 step 4: at most 16 look-ups in flight; a missing namespace is logged and skipped; the own
 * namespace is skipped; any other error is remembered while the others finish, then the first one is thrown
 * (upstream panics: start-up fails). Resolves with the namespaces now watched.
 */
export async function bootstrapAdditionalNamespaces(options: NamespaceBootstrap): Promise<string[]> {
  const pending = options.namespaces.filter((namespace) => namespace !== options.ownNamespace);
  const watched: string[] = [];
  let firstError: { error: unknown } | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const namespace = pending[next++] ?? '';
      try {
        if (await options.exists(namespace)) {
          options.watch(namespace);
          watched.push(namespace);
          options.log.info({ namespace }, 'Watching an additional namespace');
        } else {
          options.log.warn({ namespace }, "namespace doesn't exist");
        }
      } catch (error) {
        options.log.error(
          { namespace, error: errorMessage(error) },
          'Cannot look up an additional namespace',
        );
        firstError ??= { error };
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? BOOTSTRAP_CONCURRENCY, pending.length));
  await Promise.all(Array.from({ length: workers }, worker));
  if (firstError !== undefined) throw firstError.error;
  return watched;
}
