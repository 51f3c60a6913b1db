import { PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { objectApi } from './cluster.js';

export interface ApplyOptions {
  /** Sets metadata.namespace on every object (namespaced kinds only). */
  namespace?: string;
  /** Server-side dry run: validated and admitted, but not persisted. */
  dryRun?: boolean;
  fieldManager?: string;
  /** Static user to act as (default admin). */
  user?: string;
}

/** Parses a YAML/JSON stream (or takes objects) and server-side applies each object in order. */
export async function applyManifest(
  manifest: string | KubernetesObject | readonly KubernetesObject[],
  options: ApplyOptions = {},
): Promise<KubernetesObject[]> {
  const objects =
    typeof manifest === 'string' ? parseManifest(manifest) : Array.isArray(manifest) ? manifest : [manifest];
  const api = objectApi(options.user);
  const applied: KubernetesObject[] = [];
  for (const object of objects as readonly KubernetesObject[]) {
    const spec: KubernetesObject = structuredClone(object);
    if (options.namespace !== undefined) spec.metadata = { ...spec.metadata, namespace: options.namespace };
    applied.push(
      await api.patch(
        spec,
        undefined,
        options.dryRun ? 'All' : undefined,
        options.fieldManager ?? 'ssts-e2e',
        true,
        PatchStrategy.ServerSideApply,
      ),
    );
  }
  return applied;
}

export function parseManifest(text: string): KubernetesObject[] {
  return parseAllDocuments(text)
    .map((doc) => doc.toJS() as unknown)
    .filter((doc): doc is KubernetesObject => typeof doc === 'object' && doc !== null && 'kind' in doc);
}
