import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFixture } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../harness/paths.js';
import {
  applyManifest,
  createTestNamespace,
  customObjectsApi,
  kubeEndpoint,
  kubeJson,
  kubeRequest,
} from '../helpers/index.js';

const CRD_FILE = join(repoRoot(), 'charts/sealed-secrets/crds/bitnami.com_sealedsecrets.yaml');
const GROUP = 'bitnami.com';
const VERSION = 'v1alpha1';
const PLURAL = 'sealedsecrets';
const VECTORS = ['sealed-strict.json', 'sealed-namespace-wide.json', 'sealed-cluster-wide.json'];

interface SealedSecretObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; annotations?: Record<string, string> };
  spec: { encryptedData?: Record<string, string>; template?: unknown };
  status?: unknown;
}

function vector(file: string): SealedSecretObject {
  return readJsonFixture<SealedSecretObject>('vectors', 'sealedsecret-4096', file);
}

describe('SealedSecret CRD on a real API server', () => {
  it('is installed and Established with the compat identity', async () => {
    const crd = await kubeJson<{
      spec: {
        group: string;
        scope: string;
        names: Record<string, unknown>;
        versions: {
          name: string;
          served: boolean;
          storage: boolean;
          subresources?: unknown;
          additionalPrinterColumns?: unknown[];
        }[];
      };
      status: { conditions: { type: string; status: string }[] };
    }>(kubeEndpoint(), 'GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${PLURAL}.${GROUP}`);

    expect(crd.status.conditions).toContainEqual(
      expect.objectContaining({ type: 'Established', status: 'True' }),
    );
    expect(crd.spec.group).toBe(GROUP);
    expect(crd.spec.scope).toBe('Namespaced');
    expect(crd.spec.names).toMatchObject({
      kind: 'SealedSecret',
      listKind: 'SealedSecretList',
      plural: PLURAL,
      singular: 'sealedsecret',
    });
    expect(crd.spec.names['shortNames']).toBeUndefined();
    expect(crd.spec.versions).toHaveLength(1);
    expect(crd.spec.versions[0]).toMatchObject({
      name: VERSION,
      served: true,
      storage: true,
      subresources: { status: {} },
    });
    expect(crd.spec.versions[0]?.additionalPrinterColumns).toEqual([
      { name: 'Status', type: 'string', jsonPath: '.status.conditions[0].message' },
      { name: 'Synced', type: 'string', jsonPath: '.status.conditions[0].status' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
  });

  it('passes a server-side dry run of the CRD manifest', async () => {
    const [applied] = await applyManifest(readFileSync(CRD_FILE, 'utf8'), { dryRun: true });
    expect(applied?.kind).toBe('CustomResourceDefinition');
    expect(applied?.metadata?.name).toBe(`${PLURAL}.${GROUP}`);
  });

  it.each(VECTORS)('accepts the vector %s and stores encryptedData unchanged', async (file) => {
    const namespace = await createTestNamespace({ prefix: 'e2e-crd-' });
    const ss = vector(file);
    const created = (await customObjectsApi().createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      body: { ...ss, metadata: { ...ss.metadata, namespace } },
    })) as SealedSecretObject;

    expect(created.metadata.uid).toBeTruthy();
    const read = (await customObjectsApi().getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace,
      plural: PLURAL,
      name: ss.metadata.name,
    })) as SealedSecretObject;
    expect(read.spec.encryptedData).toEqual(ss.spec.encryptedData);
    expect(read.spec.template).toEqual(ss.spec.template);
    expect(read.metadata.annotations).toEqual(ss.metadata.annotations);
  });

  it('rejects a SealedSecret without spec.encryptedData (schema validation)', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-crd-' });
    const ss = vector('sealed-strict.json');
    const res = await kubeRequest(
      kubeEndpoint(),
      'POST',
      `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`,
      {
        body: { ...ss, metadata: { name: 'invalid', namespace }, spec: { template: ss.spec.template } },
      },
    );
    expect(res.status).toBe(422);
    const status = JSON.parse(res.body) as { reason: string; message: string };
    expect(status.reason).toBe('Invalid');
    expect(status.message).toContain('spec.encryptedData');
  });

  it('serves the status subresource and the printer columns', async () => {
    const namespace = await createTestNamespace({ prefix: 'e2e-crd-' });
    const ss = vector('sealed-strict.json');
    const base = `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
    await kubeJson(kubeEndpoint(), 'POST', base, { body: { ...ss, metadata: { name: 'cols', namespace } } });
    const status = {
      observedGeneration: 1,
      conditions: [{ type: 'Synced', status: 'False', message: 'no key could decrypt secret' }],
    };
    const patched = await kubeJson<SealedSecretObject>(kubeEndpoint(), 'PATCH', `${base}/cols/status`, {
      contentType: 'application/merge-patch+json',
      body: { status },
    });
    expect(patched.status).toEqual(status);

    const table = await kubeJson<{ columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] }>(
      kubeEndpoint(),
      'GET',
      `${base}/cols`,
      { headers: { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } },
    );
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Status', 'Synced', 'Age']);
    expect(table.rows[0]?.cells.slice(0, 3)).toEqual(['cols', 'no key could decrypt secret', 'False']);
  });
});
