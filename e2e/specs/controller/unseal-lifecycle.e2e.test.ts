import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreApi, createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  createSealedSecret,
  createSecret,
  decode,
  deleteSealedSecret,
  deleteSecret,
  eventsFor,
  getSealedSecret,
  getSecret,
  plainSecret,
  replaceSealedSecret,
  sealWith,
  startController,
  waitForSynced,
  type RunningController,
  type SealedSecret,
} from './support.js';

const MANAGED = 'sealedsecrets.bitnami.com/managed';
const PATCH = 'sealedsecrets.bitnami.com/patch';

let ns: string;
let controller: RunningController;

beforeAll(async () => {
  ns = await createTestNamespace({ prefix: 'ctl-life-', deleteAfterTest: false });
  controller = await startController(ns);
}, 90_000);

afterAll(async () => {
  const code = await controller?.stop();
  if (code !== 0) process.stderr.write(`--- controller output ---\n${controller?.output() ?? ''}\n`);
  expect(code).toBe(0);
  await coreApi()
    .deleteNamespace({ name: ns })
    .catch(() => undefined);
});

async function seal(
  name: string,
  data: Record<string, string>,
  meta: Parameters<typeof plainSecret>[3] = {},
  extra = {},
) {
  return sealWith(controller, plainSecret(ns, name, data, meta, extra));
}

describe('the controller against a real API server', () => {
  it('creates the Secret with data, template labels and owner reference; Synced=True; event Unsealed', async () => {
    const created = await createSealedSecret(await seal('create', { foo: 'bar' }, { labels: { app: 'x' } }));
    const secret = await waitFor(() => getSecret(ns, 'create'), { description: 'the Secret' });
    expect(decode(secret.data)).toEqual({ foo: 'bar' });
    expect(secret.metadata.labels).toEqual({ app: 'x' });
    expect(secret.type).toBe('Opaque');
    expect(secret.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        name: 'create',
        uid: created.metadata.uid,
        controller: true,
      },
    ]);
    const ss = await waitForSynced(ns, 'create', (c) => c.status === 'True');
    const condition = ss.status?.conditions?.[0];
    expect(ss.status?.observedGeneration).toBe(1);
    expect(condition?.lastTransitionTime).toBe(condition?.lastUpdateTime);
    expect(condition?.message).toBeUndefined();
    const events = await waitFor(async () => {
      const found = await eventsFor(created);
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]).toMatchObject({
      type: 'Normal',
      reason: 'Unsealed',
      message: 'SealedSecret unsealed successfully',
      source: { component: 'sealed-secrets' },
    });
    // The empty-template-type quirk is fixed: no second write after the create.
    expect((await getSecret(ns, 'create'))?.metadata.resourceVersion).toBe(secret.metadata.resourceVersion);
  });

  it('updates the Secret when the spec changes; observedGeneration 2 and the times differ', async () => {
    await createSealedSecret(await seal('update', { foo: 'one' }));
    await waitForSynced(ns, 'update', (c) => c.status === 'True');
    await new Promise((r) => setTimeout(r, 1100));
    const current = (await getSealedSecret(ns, 'update')) as SealedSecret;
    const next = await seal('update', { foo: 'two', extra: 'x' });
    await replaceSealedSecret({ ...current, spec: next.spec });
    await waitFor(async () => decode((await getSecret(ns, 'update'))?.data).foo === 'two');
    const ss = await waitForSynced(ns, 'update', (_c, s) => s.status?.observedGeneration === 2);
    const condition = ss.status?.conditions?.[0];
    expect(condition?.status).toBe('True');
    expect(condition?.lastUpdateTime).not.toBe(condition?.lastTransitionTime);
    expect(decode((await getSecret(ns, 'update'))?.data)).toEqual({ foo: 'two', extra: 'x' });
  });

  it('lets kube-controller-manager garbage-collect the Secret when the SealedSecret is deleted', async () => {
    await createSealedSecret(await seal('gc', { foo: 'bar' }));
    await waitFor(() => getSecret(ns, 'gc'));
    await deleteSealedSecret(ns, 'gc');
    await waitFor(async () => (await getSecret(ns, 'gc')) === undefined, {
      timeoutMs: 45_000,
      description: 'GC',
    });
  });

  it('re-creates a deleted owned Secret', async () => {
    await createSealedSecret(await seal('recreate', { foo: 'bar' }));
    const first = await waitFor(() => getSecret(ns, 'recreate'));
    await deleteSecret(ns, 'recreate');
    const second = await waitFor(async () => {
      const s = await getSecret(ns, 'recreate');
      return s !== undefined && s.metadata.uid !== first.metadata.uid ? s : undefined;
    });
    expect(decode(second.data)).toEqual({ foo: 'bar' });
    expect(second.metadata.ownerReferences).toHaveLength(1);
  });

  it('refuses an existing unmanaged Secret, takes over a managed one, merges a patch one without adopting it', async () => {
    await createSecret(plainSecret(ns, 'unmanaged', { mine: 'x' }));
    await createSecret(
      plainSecret(ns, 'managed', { old: 'x' }, { labels: { old: 'l' }, annotations: { [MANAGED]: 'true' } }),
    );
    await createSecret(
      plainSecret(
        ns,
        'patched',
        { foo: 'old', foo2: 'kept' },
        { labels: { keep: 'l' }, annotations: { [PATCH]: 'true', keep: 'a' } },
      ),
    );
    await createSealedSecret(await seal('unmanaged', { foo: 'bar' }));
    await createSealedSecret(await seal('managed', { foo: 'bar' }, { labels: { app: 'new' } }));
    await createSealedSecret(
      await seal('patched', { foo: 'new' }, { labels: { app: 'new' }, annotations: { t: 'v' } }),
    );

    const refused = await waitForSynced(ns, 'unmanaged', (c) => c.status === 'False');
    expect(refused.status?.conditions?.[0]?.message).toBe(
      'failed update: Resource "unmanaged" already exists and is not managed by SealedSecret',
    );
    expect(decode((await getSecret(ns, 'unmanaged'))?.data)).toEqual({ mine: 'x' });

    await waitForSynced(ns, 'managed', (c) => c.status === 'True');
    const managed = await getSecret(ns, 'managed');
    expect(decode(managed?.data)).toEqual({ foo: 'bar' });
    expect(managed?.metadata.labels).toEqual({ app: 'new' });
    expect(managed?.metadata.annotations ?? {}).toEqual({});
    expect(managed?.metadata.ownerReferences).toHaveLength(1);

    await waitForSynced(ns, 'patched', (c) => c.status === 'True');
    const patched = await getSecret(ns, 'patched');
    expect(decode(patched?.data)).toEqual({ foo: 'new', foo2: 'kept' });
    expect(patched?.metadata.labels).toEqual({ keep: 'l', app: 'new' });
    expect(patched?.metadata.annotations).toEqual({ [PATCH]: 'true', keep: 'a', t: 'v' });
    expect(patched?.metadata.ownerReferences ?? []).toHaveLength(0);
  });

  it('managed + patch: adopted and merged; patch only on an empty Secret: merged, not adopted (compat §9.4 #5, #6)', async () => {
    await createSecret(
      plainSecret(
        ns,
        'managed-patched',
        { foo: 'old', foo2: 'kept' },
        { labels: { keep: 'l' }, annotations: { [MANAGED]: 'true', [PATCH]: 'true' } },
      ),
    );
    await createSecret({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'patched-empty', namespace: ns, annotations: { [PATCH]: 'true' } },
    });
    await createSealedSecret(await seal('managed-patched', { foo: 'new' }, { labels: { app: 'new' } }));
    await createSealedSecret(await seal('patched-empty', { foo: 'new' }, { labels: { app: 'new' } }));

    await waitForSynced(ns, 'managed-patched', (c) => c.status === 'True');
    const adopted = await getSecret(ns, 'managed-patched');
    expect(decode(adopted?.data)).toEqual({ foo: 'new', foo2: 'kept' });
    expect(adopted?.metadata.labels).toEqual({ keep: 'l', app: 'new' });
    expect(adopted?.metadata.annotations).toEqual({ [MANAGED]: 'true', [PATCH]: 'true' });
    expect(adopted?.metadata.ownerReferences).toHaveLength(1);

    await waitForSynced(ns, 'patched-empty', (c) => c.status === 'True');
    const merged = await getSecret(ns, 'patched-empty');
    expect(decode(merged?.data)).toEqual({ foo: 'new' });
    expect(merged?.metadata.labels).toEqual({ app: 'new' });
    expect(merged?.metadata.ownerReferences ?? []).toHaveLength(0);
  });

  it('re-creation: an unowned managed Secret comes back; patch-only and unannotated ones stay deleted (compat §9.4 #7)', async () => {
    const skipOwner = 'sealedsecrets.bitnami.com/skip-set-owner-references';
    await createSealedSecret(
      await seal(
        'unowned-managed',
        { foo: 'bar' },
        { annotations: { [skipOwner]: 'true', [MANAGED]: 'true' } },
      ),
    );
    const first = await waitFor(() => getSecret(ns, 'unowned-managed'));
    expect(first.metadata.ownerReferences ?? []).toHaveLength(0);
    await deleteSecret(ns, 'unowned-managed');
    const again = await waitFor(async () => {
      const s = await getSecret(ns, 'unowned-managed');
      return s !== undefined && s.metadata.uid !== first.metadata.uid ? s : undefined;
    });
    expect(decode(again.data)).toEqual({ foo: 'bar' });

    await createSecret(plainSecret(ns, 'patch-only', { mine: 'x' }, { annotations: { [PATCH]: 'true' } }));
    await createSealedSecret(await seal('patch-only', { foo: 'bar' }));
    await waitForSynced(ns, 'patch-only', (c) => c.status === 'True');
    await createSecret(plainSecret(ns, 'plain', { mine: 'x' }));
    await createSealedSecret(await seal('plain', { foo: 'bar' }));
    await waitForSynced(ns, 'plain', (c) => c.status === 'False');
    // Its retries would create the Secret once it is gone: wait until they are spent.
    await waitFor(() =>
      controller
        .output()
        .split('\n')
        .some((line) => line.includes(`"${ns}/plain"`) && line.includes('giving up')),
    );
    await deleteSecret(ns, 'patch-only');
    await deleteSecret(ns, 'plain');
    await new Promise((r) => setTimeout(r, 1500));
    expect(await getSecret(ns, 'patch-only')).toBeUndefined();
    expect(await getSecret(ns, 'plain')).toBeUndefined();
  });

  it('makes a Secret immutable and reports a later data change as a terminal ErrUpdateFailed', async () => {
    const created = await createSealedSecret(
      await seal('immutable', { foo: 'bar' }, {}, { immutable: true }),
    );
    await waitForSynced(ns, 'immutable', (c) => c.status === 'True');
    expect((await getSecret(ns, 'immutable'))?.immutable).toBe(true);
    const current = (await getSealedSecret(ns, 'immutable')) as SealedSecret;
    await replaceSealedSecret({
      ...current,
      spec: (await seal('immutable', { foo: 'changed' }, {}, { immutable: true })).spec,
    });
    const ss = await waitForSynced(ns, 'immutable', (c) => c.status === 'False');
    expect(ss.status?.observedGeneration).toBe(2);
    // The API server's text is withheld (it can quote values); its status, reason and field are kept.
    expect(ss.status?.conditions?.[0]?.message).toBe(
      'cannot update Secret "immutable": the API server answered 422 Invalid (data: FieldValueForbidden); ' +
        "its message is withheld, as it can quote the Secret's values",
    );
    const events = await waitFor(async () => {
      const found = (await eventsFor(created)).filter((e) => e.reason === 'ErrUpdateFailed');
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]?.message).toContain('the target Secret is immutable');
    expect(decode((await getSecret(ns, 'immutable'))?.data)).toEqual({ foo: 'bar' });
  });

  it('reports bad input as Synced=False with a useful message and keeps unsealing good SealedSecrets', async () => {
    const good = await seal('bad-base64', { foo: 'bar', ok: 'fine' });
    good.spec.encryptedData['foo'] = 'not base64!';
    const badB64 = await createSealedSecret(good);
    const tampered = await seal('tampered', { foo: 'bar' });
    const bytes = Buffer.from(tampered.spec.encryptedData['foo'] ?? '', 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    tampered.spec.encryptedData['foo'] = bytes.toString('base64');
    await createSealedSecret(tampered);
    const renamed = await seal('original-name', { foo: 'bar' });
    renamed.metadata.name = 'renamed';
    await createSealedSecret(renamed);
    const templated = await seal('template', { foo: 'bar' });
    templated.spec.template = { ...templated.spec.template, data: { out: '{{ nosuchfunction .foo }}' } };
    await createSealedSecret(templated);

    const b64 = await waitForSynced(ns, 'bad-base64', (c) => c.status === 'False');
    expect(b64.status?.conditions?.[0]?.message).toMatch(/illegal base64 data at input byte \d+ \(foo\)/);
    expect(b64.status?.conditions?.[0]?.message).not.toContain('decrypt');
    for (const name of ['tampered', 'renamed']) {
      const ss = await waitForSynced(ns, name, (c) => c.status === 'False');
      expect(ss.status?.conditions?.[0]?.message).toBe('no key could decrypt secret (foo)');
      expect(await getSecret(ns, name)).toBeUndefined();
    }
    const tpl = await waitForSynced(ns, 'template', (c) => c.status === 'False');
    expect(tpl.status?.conditions?.[0]?.message).toContain('out');
    expect(tpl.status?.conditions?.[0]?.message).not.toContain('bar');
    const events = await waitFor(async () => {
      const found = (await eventsFor(badB64)).filter((e) => e.reason === 'ErrUnsealFailed');
      return found.length > 0 ? found : undefined;
    });
    expect(events[0]?.message).toMatch(/^Failed to unseal: illegal base64/);

    await createSealedSecret(await seal('still-good', { foo: 'bar' }));
    await waitForSynced(ns, 'still-good', (c) => c.status === 'True');
    expect(controller.process.exitCode).toBeNull();
  });

  it('serves /v1/cert.pem, /v1/verify, /v1/rotate and /metrics over HTTP', async () => {
    const cert = await fetch(`${controller.url}/v1/cert.pem`);
    expect(cert.status).toBe(200);
    expect(cert.headers.get('content-type')).toBe('application/x-pem-file');
    expect((await cert.text()).match(/BEGIN CERTIFICATE/g)).toHaveLength(1);

    const sealed = await seal('http', { foo: 'bar' });
    const post = (path: string, body: unknown) =>
      fetch(`${controller.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await post('/v1/verify', sealed)).status).toBe(200);
    expect(
      (await post('/v1/verify', { ...sealed, metadata: { ...sealed.metadata, name: 'other' } })).status,
    ).toBe(409);

    const rotated = await post('/v1/rotate', sealed);
    expect(rotated.status).toBe(200);
    const body = (await rotated.json()) as SealedSecret;
    expect(body.spec.encryptedData['foo']).not.toBe(sealed.spec.encryptedData['foo']);
    await createSealedSecret(body);
    await waitFor(async () => decode((await getSecret(ns, 'http'))?.data).foo === 'bar');

    const metrics = await (await fetch(`${controller.metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^sealed_secrets_controller_unseal_requests_total [1-9]/m);
    expect(metrics).toContain(
      `sealed_secrets_controller_condition_info{namespace="${ns}",name="create",condition="Synced",ss_app_kubernetes_io_instance=""} 1`,
    );
    expect(metrics).toContain(
      'sealed_secrets_controller_http_requests_total{path="/v1/verify",code="409",method="post"} 1',
    );
    expect(metrics).toMatch(
      /sealed_secrets_controller_unseal_errors_total\{reason="unseal",namespace="[^"]+"\} [1-9]/,
    );
  });
});
