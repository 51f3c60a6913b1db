import { onTestFinished } from 'vitest';
import { coreApi } from './cluster.js';

export interface TestNamespaceOptions {
  /** generateName prefix (default "e2e-"). */
  prefix?: string;
  labels?: Record<string, string>;
  /** Delete the namespace when the current test finishes (default true; ignored outside a test). */
  deleteAfterTest?: boolean;
}

/** Creates a fresh namespace with generateName and returns its name. Deletion is not awaited. */
export async function createTestNamespace(options: TestNamespaceOptions = {}): Promise<string> {
  const api = coreApi();
  const ns = await api.createNamespace({
    body: {
      metadata: {
        generateName: options.prefix ?? 'e2e-',
        labels: { 'ssts.e2e/test-namespace': 'true', ...options.labels },
      },
    },
  });
  const name = ns.metadata?.name;
  if (name === undefined) throw new Error('the API server returned a namespace without a name');
  if (options.deleteAfterTest ?? true) {
    try {
      onTestFinished(async () => {
        await api.deleteNamespace({ name }).catch(() => undefined);
      });
    } catch {
      // Called from a hook rather than a test: the caller owns the namespace's lifetime.
    }
  }
  return name;
}
