import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mapBounded, type KubeClient } from './kube-client.js';
import type { Core } from './workspace.js';

type SealedSecret = ReturnType<Core['sealSecret']>;

/** Names `<prefix>-0 … <prefix>-(n-1)`. */
export function objectNames(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
}

/** One SealedSecret per name, each with `values` random values sealed (strict scope) with `publicKey`. */
export function sealObjects(
  core: Core,
  publicKey: KeyObject,
  namespace: string,
  names: readonly string[],
  values: number,
): SealedSecret[] {
  return names.map((name) => {
    const stringData: Record<string, string> = {};
    for (let v = 0; v < values; v++) stringData[`key${v}`] = randomBytes(18).toString('base64');
    const sealed = core.sealSecret(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData },
      { publicKey },
    );
    return { ...sealed, apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' };
  });
}

/** Creates the SealedSecrets with at most `concurrency` requests in flight; resolves with the wall time. */
export async function createObjects(
  client: KubeClient,
  namespace: string,
  objects: readonly SealedSecret[],
  concurrency = 8,
): Promise<number> {
  const started = performance.now();
  const path = `/apis/bitnami.com/v1alpha1/namespaces/${namespace}/sealedsecrets`;
  await mapBounded(objects, concurrency, (object) => client.json('POST', path, { body: object }));
  return performance.now() - started;
}
