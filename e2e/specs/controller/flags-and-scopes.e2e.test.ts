import { describe, expect, it, onTestFinished } from 'vitest';
import { createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  createSealedSecret,
  decode,
  deleteSealedSecret,
  deleteSecret,
  getSealedSecret,
  getSecret,
  plainSecret,
  sealWith,
  startController,
  waitForSynced,
  type RunningController,
} from './support.js';

const CLUSTER_WIDE = 'sealedsecrets.bitnami.com/cluster-wide';
const NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';

async function controllerIn(namespace: string, args: string[] = []): Promise<RunningController> {
  const controller = await startController(namespace, args);
  onTestFinished(async (ctx) => {
    const code = await controller.stop();
    if (ctx.task.result?.state === 'fail' || code !== 0) {
      process.stderr.write(`--- controller output (exit ${code}) ---\n${controller.output()}\n`);
    }
  });
  return controller;
}

const settle = () => new Promise((r) => setTimeout(r, 1500));

describe('controller flags', () => {
  it('--additional-namespaces watches those namespaces too; others are left alone', async () => {
    const own = await createTestNamespace({ prefix: 'ctl-own-' });
    const extra = await createTestNamespace({ prefix: 'ctl-extra-' });
    const other = await createTestNamespace({ prefix: 'ctl-other-' });
    const controller = await controllerIn(own, ['--additional-namespaces', `${extra},does-not-exist`]);
    for (const ns of [own, extra, other])
      await createSealedSecret(await sealWith(controller, plainSecret(ns, 's', { foo: ns })));
    await waitFor(() => getSecret(own, 's'));
    await waitFor(() => getSecret(extra, 's'));
    await settle();
    expect(await getSecret(other, 's')).toBeUndefined();
    expect((await getSealedSecret(other, 's'))?.status).toBeUndefined();
    // Upstream's log text (addendum §3.1).
    expect(controller.output()).toContain("namespace doesn't exist");
  });

  it('--label-selector filters SealedSecrets', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-sel-' });
    const controller = await controllerIn(ns, ['--label-selector', 'team=a']);
    const picked = await sealWith(controller, plainSecret(ns, 'picked', { foo: 'bar' }));
    picked.metadata.labels = { team: 'a' };
    await createSealedSecret(picked);
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 'ignored', { foo: 'bar' })));
    await waitFor(() => getSecret(ns, 'picked'));
    await settle();
    expect(await getSecret(ns, 'ignored')).toBeUndefined();
  });

  it('--skip-recreate leaves a deleted Secret deleted; --update-status=false writes no status', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-skip-' });
    const controller = await controllerIn(ns, ['--skip-recreate', '--update-status=false']);
    await createSealedSecret(await sealWith(controller, plainSecret(ns, 's', { foo: 'bar' })));
    await waitFor(() => getSecret(ns, 's'));
    await settle();
    expect((await getSealedSecret(ns, 's'))?.status).toBeUndefined();
    await deleteSecret(ns, 's');
    await settle();
    expect(await getSecret(ns, 's')).toBeUndefined();
  });

  it('--old-gc-behavior deletes the Secret itself, even one without owner reference', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-oldgc-' });
    const controller = await controllerIn(ns, ['--old-gc-behavior']);
    await createSealedSecret(
      await sealWith(
        controller,
        plainSecret(
          ns,
          's',
          { foo: 'bar' },
          {
            annotations: {
              'sealedsecrets.bitnami.com/skip-set-owner-references': 'true',
              'sealedsecrets.bitnami.com/managed': 'true',
            },
          },
        ),
      ),
    );
    const secret = await waitFor(() => getSecret(ns, 's'));
    expect(secret.metadata.ownerReferences ?? []).toHaveLength(0);
    await deleteSealedSecret(ns, 's');
    await waitFor(async () => (await getSecret(ns, 's')) === undefined, {
      description: 'the controller to delete it',
    });
  });
});

describe('scopes and templates', () => {
  it('strict fails on rename; namespace-wide survives a rename but not a namespace move; cluster-wide survives a namespace move', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-scope-' });
    const ns2 = await createTestNamespace({ prefix: 'ctl-scope2-' });
    const controller = await controllerIn(ns, ['--additional-namespaces', ns2]);
    const strict = await sealWith(controller, plainSecret(ns, 'strict', { foo: 'bar' }));
    strict.metadata.name = 'strict-renamed';
    await createSealedSecret(strict);
    const nsWide = await sealWith(
      controller,
      plainSecret(ns, 'nsw', { foo: 'bar' }, { annotations: { [NAMESPACE_WIDE]: 'true' } }),
    );
    nsWide.metadata.name = 'nsw-renamed';
    await createSealedSecret(nsWide);
    const clusterWide = await sealWith(
      controller,
      plainSecret('somewhere', 'cw', { foo: 'bar' }, { annotations: { [CLUSTER_WIDE]: 'true' } }),
    );
    clusterWide.metadata = { ...clusterWide.metadata, name: 'cw-moved', namespace: ns };
    await createSealedSecret(clusterWide);

    const nsWideMoved = await sealWith(
      controller,
      plainSecret(ns, 'nsw-moved', { foo: 'bar' }, { annotations: { [NAMESPACE_WIDE]: 'true' } }),
    );
    nsWideMoved.metadata.namespace = ns2;
    await createSealedSecret(nsWideMoved);

    const movedFailed = await waitForSynced(ns2, 'nsw-moved', (c) => c.status === 'False');
    expect(movedFailed.status?.conditions?.[0]?.message).toBe('no key could decrypt secret (foo)');
    expect(await getSecret(ns2, 'nsw-moved')).toBeUndefined();
    const failed = await waitForSynced(ns, 'strict-renamed', (c) => c.status === 'False');
    expect(failed.status?.conditions?.[0]?.message).toBe('no key could decrypt secret (foo)');
    await waitForSynced(ns, 'nsw-renamed', (c) => c.status === 'True');
    await waitForSynced(ns, 'cw-moved', (c) => c.status === 'True');
    expect(decode((await getSecret(ns, 'cw-moved'))?.data)).toEqual({ foo: 'bar' });
  });

  it('renders template.data, keeps template.type and accepts a renamed item key', async () => {
    const ns = await createTestNamespace({ prefix: 'ctl-tpl-' });
    const controller = await controllerIn(ns);
    const ss = await sealWith(
      controller,
      plainSecret(ns, 'tpl', { password: 'p<w>' }, {}, { type: 'kubernetes.io/dockerconfigjson' }),
    );
    ss.spec.encryptedData = { renamed: ss.spec.encryptedData['password'] ?? '' };
    ss.spec.template = {
      ...ss.spec.template,
      data: { '.dockerconfigjson': '{"auths":{"r":{"password":{{ toJson .renamed }}}}}' },
    };
    await createSealedSecret(ss);
    await waitForSynced(ns, 'tpl', (c) => c.status === 'True');
    const secret = await getSecret(ns, 'tpl');
    expect(secret?.type).toBe('kubernetes.io/dockerconfigjson');
    expect(decode(secret?.data)).toEqual({
      renamed: 'p<w>',
      '.dockerconfigjson': '{"auths":{"r":{"password":"p\\u003cw\\u003e"}}}',
    });
  });
});
