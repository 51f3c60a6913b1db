import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { ControlPlaneError } from './errors.js';
import { kubeJson, type KubeEndpoint } from './kube-request.js';
import { waitFor } from './wait-for.js';

interface Crd {
  metadata: { name: string };
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

export function readCrdFile(path: string): Crd[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((doc) => doc.toJS() as unknown)
    .filter((doc): doc is Crd => typeof doc === 'object' && doc !== null && 'metadata' in doc);
}

/** Server-side applies every CRD in `files` (idempotent) and waits until each is Established. */
export async function installCrds(
  endpoint: KubeEndpoint,
  files: readonly string[],
  timeoutMs = 30_000,
): Promise<string[]> {
  const names: string[] = [];
  for (const file of files) {
    for (const crd of readCrdFile(file)) {
      await kubeJson(endpoint, 'PATCH', `${CRD_PATH}/${crd.metadata.name}?fieldManager=ssts-e2e&force=true`, {
        body: crd,
        contentType: 'application/apply-patch+yaml',
      });
      names.push(crd.metadata.name);
    }
  }
  for (const name of names) await waitForCrdEstablished(endpoint, name, timeoutMs);
  return names;
}

export async function waitForCrdEstablished(
  endpoint: KubeEndpoint,
  name: string,
  timeoutMs = 30_000,
): Promise<void> {
  try {
    await waitFor(
      async () => {
        const crd = await kubeJson<Crd>(endpoint, 'GET', `${CRD_PATH}/${name}`);
        return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') === true;
      },
      { timeoutMs, description: `CRD ${name} to be Established` },
    );
  } catch (error) {
    throw new ControlPlaneError('Timeout', `CRD ${name} did not become Established`, { cause: error });
  }
}
