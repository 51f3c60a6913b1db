import { parseCertificatePem, sealSecret } from '@ssts/core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../../harness/paths.js';
import { createTestNamespace, kubeEndpoint, kubeJson, waitFor } from '../../helpers/index.js';
import {
  controllerForTest,
  createSealedSecret,
  deleteSealedSecret,
  getSealedSecret,
  plainSecret,
  replaceSealedSecret,
  type SealedSecret,
} from '../controller/support.js';
import { startGoController, upstreamBinaries, UPSTREAM_BUILD_TIMEOUT_MS } from '../interop/upstream.js';
import { observed, sealedFor, stored } from './support.js';
import { scanMarkdown } from './doc-examples.js';
import { fluxHealth, type HealthCheckExprs } from './flux-health.js';
import { argoCdSealedSecretHealth, WAITING_MESSAGE, type SealedSecretHealthInput } from './argocd-health.js';

// docs/argocd.md and docs/flux.md: what Argo CD's health assessment, and Flux's health check with the
// healthCheckExprs of docs/flux.md, conclude about SealedSecrets, held against statuses written by the real
// controller on the local control plane.

/** The SealedSecret healthCheckExprs of docs/flux.md, read from the page itself. */
const fluxExprs: HealthCheckExprs = (() => {
  const page = scanMarkdown('docs/flux.md', readFileSync(join(repoRoot(), 'docs/flux.md'), 'utf8'));
  const apps = page.examples.find((e) => e.path === 'clusters/prod/apps.yaml');
  const spec = (
    parse(apps?.code ?? '') as { spec?: { healthCheckExprs?: (HealthCheckExprs & { kind: string })[] } }
  ).spec;
  const exprs = spec?.healthCheckExprs?.find((e) => e.kind === 'SealedSecret');
  if (exprs === undefined) throw new Error('docs/flux.md has no healthCheckExprs for SealedSecret');
  return exprs;
})();

/** Flux's verdict on a SealedSecret, with the expressions of docs/flux.md. */
const flux = (ss: SealedSecret) => fluxHealth(ss as unknown as Record<string, unknown>, fluxExprs).status;

describe('the Argo CD rules themselves (docs/argocd.md)', () => {
  const synced = (status: string, message?: string) => ({
    type: 'Synced',
    status,
    ...(message === undefined ? {} : { message }),
  });
  const cases: [string, SealedSecretHealthInput, string, string][] = [
    ['no status yet', { metadata: { generation: 1 } }, 'Progressing', WAITING_MESSAGE],
    [
      'Synced=True for the current generation',
      { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [synced('True')] } },
      'Healthy',
      '',
    ],
    [
      'Synced=False for the current generation',
      {
        metadata: { generation: 3 },
        status: { observedGeneration: 3, conditions: [synced('False', 'no key could decrypt secret (a)')] },
      },
      'Degraded',
      'no key could decrypt secret (a)',
    ],
    [
      'Synced=True for an older generation',
      { metadata: { generation: 2 }, status: { observedGeneration: 1, conditions: [synced('True')] } },
      'Progressing',
      WAITING_MESSAGE,
    ],
    [
      'Synced=False for an older generation',
      { metadata: { generation: 2 }, status: { observedGeneration: 1, conditions: [synced('False', 'x')] } },
      'Progressing',
      WAITING_MESSAGE,
    ],
    [
      'a condition without observedGeneration',
      { metadata: { generation: 1 }, status: { conditions: [synced('True')] } },
      'Progressing',
      WAITING_MESSAGE,
    ],
    [
      'Synced=Unknown',
      { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [synced('Unknown')] } },
      'Progressing',
      WAITING_MESSAGE,
    ],
    [
      'being deleted, held by finalizers',
      {
        metadata: {
          generation: 1,
          deletionTimestamp: '2026-01-01T00:00:00Z',
          finalizers: ['a.example/x', 'b'],
        },
        status: { observedGeneration: 1, conditions: [synced('True')] },
      },
      'Progressing',
      'Pending deletion; blocked by finalizers: a.example/x, b',
    ],
    [
      'being deleted, no finalizer left',
      { metadata: { generation: 1, deletionTimestamp: '2026-01-01T00:00:00Z' } },
      'Progressing',
      'Pending deletion',
    ],
  ];
  it.each(cases)('%s', (_name, input, status, message) => {
    expect(argoCdSealedSecretHealth(input)).toStrictEqual({ status, message });
  });
});

describe('the Flux rules with the expressions of docs/flux.md', () => {
  const cond = (status: string) => ({ type: 'Synced', status });
  const cases: [string, Record<string, unknown>, string][] = [
    ['no status yet (the expressions cannot be evaluated)', { metadata: { generation: 1 } }, 'InProgress'],
    [
      'Synced=True',
      { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [cond('True')] } },
      'Current',
    ],
    [
      'Synced=False',
      { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [cond('False')] } },
      'Failed',
    ],
    [
      'an older generation',
      { metadata: { generation: 2 }, status: { observedGeneration: 1, conditions: [cond('False')] } },
      'InProgress',
    ],
    [
      'no Synced condition',
      { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [] } },
      'InProgress',
    ],
  ];
  it.each(cases)('%s', (_name, obj, expected) => {
    expect(fluxHealth(obj, fluxExprs).status).toBe(expected);
  });

  it('avoid the filter().all() form, which calls a status without a Synced condition Failed', () => {
    const allForm = {
      failed: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'False')",
      current: "status.conditions.filter(e, e.type == 'Synced').all(e, e.status == 'True')",
    };
    const empty = { metadata: { generation: 1 }, status: { observedGeneration: 1, conditions: [] } };
    expect(fluxHealth(empty, allForm)).toStrictEqual({ status: 'Failed', reason: 'failed' });
  });
});

async function health(ns: string, name: string) {
  const ss = await stored(ns, name);
  return { ss, health: argoCdSealedSecretHealth(ss) };
}

describe('Argo CD health of statuses written by our controller', () => {
  it('fresh (no status yet) is Progressing, then Healthy once the controller unsealed it', async () => {
    const ns = await createTestNamespace({ prefix: 'argo-fresh-' });
    const first = await controllerForTest(ns);
    const sealed = await sealedFor(first, ns, 'db', 's3cret');
    // The object reaches the API server while no controller runs, so it is truly fresh.
    await first.stop();
    await createSealedSecret(sealed);
    const fresh = await health(ns, 'db');
    expect(fresh.ss.status).toBeUndefined();
    expect(fresh.ss.metadata.generation).toBe(1);
    expect(fresh.health).toStrictEqual({ status: 'Progressing', message: WAITING_MESSAGE });
    expect(flux(fresh.ss)).toBe('InProgress');

    await controllerForTest(ns);
    const done = await observed(ns, 'db', 1);
    expect(done.status?.conditions).toMatchObject([{ type: 'Synced', status: 'True' }]);
    expect(argoCdSealedSecretHealth(done)).toStrictEqual({ status: 'Healthy', message: '' });
    expect(flux(done)).toBe('Current');

    // docs/argocd.md names the field manager to ignore (managedFieldsManagers): the controller's, on the Secret
    // it writes and on the status subresource.
    type Managed = { metadata: { managedFields?: { manager?: string; subresource?: string }[] } };
    const secret = await kubeJson<Managed>(kubeEndpoint(), 'GET', `/api/v1/namespaces/${ns}/secrets/db`);
    expect(secret.metadata.managedFields?.map((f) => f.manager)).toStrictEqual(['sealed-secrets-controller']);
    const ss = await kubeJson<Managed>(
      kubeEndpoint(),
      'GET',
      `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/db`,
    );
    expect(ss.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'sealed-secrets-controller', subresource: 'status' }),
    );
  });

  it('failed (Synced=False) is Degraded with the controller message', async () => {
    const ns = await createTestNamespace({ prefix: 'argo-failed-' });
    const controller = await controllerForTest(ns);
    // Sealed (strict scope) for another name: this controller's key cannot open it under the name `db`.
    const other = await sealedFor(controller, ns, 'other', 's3cret');
    await createSealedSecret({ ...other, metadata: { ...other.metadata, name: 'db' } });
    const failed = await observed(ns, 'db', 1);
    expect(failed.status?.conditions?.[0]?.status).toBe('False');
    expect(argoCdSealedSecretHealth(failed)).toStrictEqual({
      status: 'Degraded',
      message: 'no key could decrypt secret (password)',
    });
    expect(flux(failed)).toBe('Failed');
  });

  it('updated but not yet observed is Progressing, whatever the old verdict; observed, it is Healthy', async () => {
    const ns = await createTestNamespace({ prefix: 'argo-stale-' });
    let controller = await controllerForTest(ns);
    const good = await sealedFor(controller, ns, 'db', 'v1');
    const other = await sealedFor(controller, ns, 'other', 'v1');
    await createSealedSecret(good);
    expect(argoCdSealedSecretHealth(await observed(ns, 'db', 1)).status).toBe('Healthy');

    // A stale Synced=True: the spec changes while the controller is down.
    await controller.stop();
    await replaceSealedSecret({ ...(await stored(ns, 'db')), spec: other.spec });
    const staleTrue = await health(ns, 'db');
    expect(staleTrue.ss.metadata.generation).toBe(2);
    expect(staleTrue.ss.status).toMatchObject({ observedGeneration: 1, conditions: [{ status: 'True' }] });
    expect(staleTrue.health).toStrictEqual({ status: 'Progressing', message: WAITING_MESSAGE });
    expect(flux(staleTrue.ss)).toBe('InProgress');

    // The controller observes generation 2, which cannot be opened under this name: Degraded.
    controller = await controllerForTest(ns);
    const second = await observed(ns, 'db', 2);
    expect(argoCdSealedSecretHealth(second)).toStrictEqual({
      status: 'Degraded',
      message: 'no key could decrypt secret (password)',
    });
    expect(flux(second)).toBe('Failed');

    // A stale Synced=False: fixed while the controller is down, it is Progressing, not Degraded.
    await controller.stop();
    await replaceSealedSecret({ ...(await stored(ns, 'db')), spec: good.spec });
    const staleFalse = await health(ns, 'db');
    expect(staleFalse.ss.status).toMatchObject({ observedGeneration: 2, conditions: [{ status: 'False' }] });
    expect(staleFalse.health.status).toBe('Progressing');
    expect(flux(staleFalse.ss)).toBe('InProgress');

    await controllerForTest(ns);
    const third = await observed(ns, 'db', 3);
    expect(argoCdSealedSecretHealth(third)).toStrictEqual({ status: 'Healthy', message: '' });
    expect(flux(third)).toBe('Current');
  });

  it('being deleted while a finalizer holds it is Progressing and names the finalizer', async () => {
    const ns = await createTestNamespace({ prefix: 'argo-deleting-' });
    const controller = await controllerForTest(ns);
    const sealed = await sealedFor(controller, ns, 'db', 's3cret');
    await createSealedSecret({
      ...sealed,
      metadata: { ...sealed.metadata, finalizers: ['example.com/hold'] },
    });
    expect(argoCdSealedSecretHealth(await observed(ns, 'db', 1)).status).toBe('Healthy');
    await deleteSealedSecret(ns, 'db');
    const deleting = await waitFor(
      async () => {
        const ss = await getSealedSecret(ns, 'db');
        return ss?.metadata.deletionTimestamp !== undefined ? ss : undefined;
      },
      { timeoutMs: 10_000, description: 'the deletionTimestamp' },
    );
    expect(argoCdSealedSecretHealth(deleting)).toStrictEqual({
      status: 'Progressing',
      message: 'Pending deletion; blocked by finalizers: example.com/hold',
    });
    // Release it so the namespace can go.
    await kubeJson(kubeEndpoint(), 'PATCH', `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/db`, {
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
      contentType: 'application/json-patch+json',
    });
    await waitFor(async () => (await getSealedSecret(ns, 'db')) === undefined, {
      timeoutMs: 10_000,
      description: 'the SealedSecret to go',
    });
  });
});

describe('the same verdicts for the Go controller (v0.40.0, the oracle of upstream behaviour)', () => {
  it(
    'synced is Healthy and failed is Degraded with the same message; its field manager is `controller`',
    async () => {
      await upstreamBinaries();
      const ns = await createTestNamespace({ prefix: 'argo-go-' });
      const go = await startGoController(ns, { args: ['--key-renew-period', '0'] });
      onTestFinished(() => go.stop());
      const publicKey = parseCertificatePem(await go.certPem()).publicKey;
      const seal = (name: string): SealedSecret => ({
        ...sealSecret(plainSecret(ns, name, { password: 's3cret' }), { publicKey }),
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
      });
      await createSealedSecret(seal('good'));
      const other = seal('other');
      await createSealedSecret({ ...other, metadata: { ...other.metadata, name: 'bad' } });
      const good = await observed(ns, 'good', 1);
      const bad = await observed(ns, 'bad', 1);
      expect(argoCdSealedSecretHealth(good)).toStrictEqual({ status: 'Healthy', message: '' });
      expect(argoCdSealedSecretHealth(bad)).toStrictEqual({
        status: 'Degraded',
        message: 'no key could decrypt secret (password)',
      });
      expect([flux(good), flux(bad)]).toStrictEqual(['Current', 'Failed']);
      type Managed = { metadata: { managedFields?: { manager?: string }[] } };
      const secret = await kubeJson<Managed>(kubeEndpoint(), 'GET', `/api/v1/namespaces/${ns}/secrets/good`);
      expect(secret.metadata.managedFields?.map((f) => f.manager)).toStrictEqual(['controller']);
    },
    UPSTREAM_BUILD_TIMEOUT_MS,
  );
});
