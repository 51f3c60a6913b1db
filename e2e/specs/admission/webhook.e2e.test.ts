import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { sealSecret } from '@ssts/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreApi, createTestNamespace, kubeEndpoint, kubeRequest, waitFor } from '../../helpers/index.js';
import { HELM_BUILD_TIMEOUT_MS, helmBin } from '../chart/helm.js';
import {
  getSecret,
  plainSecret,
  sealWith,
  waitForSynced,
  type RunningController,
} from '../controller/support.js';
import { create, deleteSealedSecrets, type SealedSecret } from './support.js';
import {
  injectedBundle,
  installWebhookConfiguration,
  servedCertificate,
  startWebhookController,
  waitUntilWebhookEnforces,
  webhookDenial,
  webhookPort,
  type InstalledWebhook,
} from './webhook-support.js';

// The controller's validating webhook (docs/admission.md, section 2) behind the real admission chain of
// kube-apiserver 1.34: the chart's ValidatingWebhookConfiguration registered by URL on 127.0.0.1, the controller out
// of cluster with the webhook on, and every denial compared with the exact text the API server returns.

// A key of "another cluster".
const { publicKey: foreignKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function sealedWithForeignKey(namespace: string, name: string): SealedSecret {
  const ss = sealSecret(plainSecret(namespace, name, { password: 'hunter2' }), { publicKey: foreignKey });
  return { ...ss, apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' };
}

/** Moves a SealedSecret as an edited file would: top-level metadata only (the template still says where from). */
function movedTo(ss: SealedSecret, namespace: string): SealedSecret {
  return { ...ss, metadata: { ...ss.metadata, namespace } };
}

function withTemplateData(ss: SealedSecret, data: Record<string, string>): SealedSecret {
  return { ...ss, spec: { ...ss.spec, template: { ...ss.spec.template, data } } };
}

async function cleanUp(namespaces: (string | undefined)[]): Promise<void> {
  for (const namespace of namespaces) {
    if (namespace === undefined) continue;
    await deleteSealedSecrets(namespace).catch(() => undefined);
    await coreApi()
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
  }
}

describe('the webhook behind the API server', () => {
  let webhook: InstalledWebhook;
  let controller: RunningController;
  let controllerNs: string;
  let ns: string;
  let port: number;

  beforeAll(async () => {
    helmBin();
    const where = await webhookPort();
    port = where.port;
    webhook = await installWebhookConfiguration(where.url, { timeoutSeconds: 5 });
    controllerNs = await createTestNamespace({ prefix: 'adm-wh-ctrl-', deleteAfterTest: false });
    ns = await createTestNamespace({
      prefix: 'adm-wh-',
      labels: webhook.namespaceLabels,
      deleteAfterTest: false,
    });
    controller = await startWebhookController(controllerNs, ns, webhook.name, port);
    await waitUntilWebhookEnforces(sealedWithForeignKey(ns, 'probe')).catch((error: unknown) => {
      process.stderr.write(`--- controller output ---\n${controller.output()}\n`);
      throw error;
    });
  }, HELM_BUILD_TIMEOUT_MS + 90_000);

  afterAll(async () => {
    const code = await controller?.stop();
    if (code !== 0 && controller !== undefined) process.stderr.write(`${controller.output()}\n`);
    await webhook?.remove();
    await cleanUp([ns, controllerNs]);
  });

  it('writes its CA into the configuration, and serves a certificate from it for 127.0.0.1', async () => {
    const bundle = await injectedBundle(webhook.name);
    expect(bundle).toHaveLength(1);
    const ca = new X509Certificate(bundle[0] ?? '');
    const served = await servedCertificate(port);
    const leaf = new X509Certificate(served.raw);
    expect(leaf.checkIssued(ca) && leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    const secret = await getSecret(controllerNs, 'webhook-ca');
    expect(secret?.type).toBe('kubernetes.io/tls');
  });

  it('admits a good SealedSecret, which the controller then unseals', async () => {
    const good = await sealWith(controller, plainSecret(ns, 'good', { password: 'hunter2' }));
    const answer = await create(good, { persist: true });
    expect(answer).toMatchObject({ status: 201, warnings: [] });
    await waitForSynced(ns, 'good', (c) => c.status === 'True');
  });

  it('refuses one moved to another namespace, naming where it was sealed for', async () => {
    const sealed = await sealWith(
      controller,
      plainSecret('prod', 'db', { password: 'hunter2', username: 'admin' }),
    );
    const answer = await create(movedTo(sealed, ns));
    expect(answer.status).toBe(422);
    expect(answer.reason).toBe('Invalid');
    expect(answer.message).toBe(
      webhookDenial(
        `spec.encryptedData["password"] and ["username"]: sealed for prod/db (strict scope), but this SealedSecret ` +
          `is ${ns}/db (strict scope) (moved from namespace "prod"); seal it again for ${ns}/db (or seal it ` +
          'cluster-wide to use it in any namespace)',
      ),
    );
  });

  it('refuses one sealed with a key the controller does not have', async () => {
    const answer = await create(sealedWithForeignKey(ns, 'foreign'));
    expect(answer.status).toBe(422);
    expect(answer.message).toBe(
      webhookDenial(
        'spec.encryptedData["password"]: sealed with a key this controller does not have (none of its 1 key ' +
          'decrypts it): sealed for another cluster, or with a key that was removed; seal it again with this ' +
          "controller's certificate (kubeseal --fetch-cert)",
      ),
    );
  });

  it('gives the same answer whatever template.data says (templates are never rendered)', async () => {
    const moved = movedTo(await sealWith(controller, plainSecret('prod', 'db', { password: 'hunter2' })), ns);
    const plain = await create(moved);
    expect(plain.status).toBe(422);
    for (const data of [
      { password: '{{ index . "password" }}' },
      { leak: '{{ printf "%s" (index . "password") }}' },
      { broken: '{{ index . ' },
      { slow: '{{ range $i := until 1000000 }}{{ $i }}{{ end }}' },
    ]) {
      const answer = await create(withTemplateData(moved, data));
      expect(answer).toEqual(plain);
    }
    // A good one is admitted whatever its templates would do: rendering is the controller's job, later.
    const good = await sealWith(controller, plainSecret(ns, 'templated', { password: 'hunter2' }));
    for (const data of [{ dsn: 'postgres://u:{{ index . "password" }}@db' }, { broken: '{{ index . ' }]) {
      expect(await create(withTemplateData(good, data))).toMatchObject({ status: 201, warnings: [] });
    }
  });

  it('does not check namespaces the configuration does not select, nor deletions', async () => {
    const other = await createTestNamespace({ prefix: 'adm-wh-other-' });
    expect(await create(sealedWithForeignKey(other, 'foreign'))).toMatchObject({ status: 201 });
    const res = await kubeRequest(
      kubeEndpoint(),
      'DELETE',
      `/apis/bitnami.com/v1alpha1/namespaces/${ns}/sealedsecrets/good`,
    );
    expect(res.status).toBe(200);
  });

  it('with the controller stopped and failurePolicy Ignore, applies succeed', async () => {
    expect(await controller.stop()).toBe(0);
    const t0 = performance.now();
    const answer = await create(sealedWithForeignKey(ns, 'while-down'), { persist: true });
    const ms = performance.now() - t0;
    expect(answer.status).toBe(201);
    // A liveness bound only (the machine is shared): the API server does not wait past timeoutSeconds (5 s).
    expect(ms).toBeLessThan(5_000 + 10_000);
    process.stdout.write(`webhook down (connection refused): create took ${ms.toFixed(0)} ms\n`);
  });
});

describe('a webhook that does not answer, with failurePolicy Ignore', () => {
  let server: Server;
  const sockets = new Set<Socket>();
  let webhook: InstalledWebhook | undefined;
  let ns: string | undefined;

  beforeAll(() => helmBin(), HELM_BUILD_TIMEOUT_MS);
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    server?.close();
    await webhook?.remove();
    await cleanUp([ns]);
  });

  it('admits after timeoutSeconds', async () => {
    // Accepts connections and never answers: the API server waits for its timeout, then ignores the webhook.
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    webhook = await installWebhookConfiguration(`https://127.0.0.1:${address.port}/validate-sealedsecrets`, {
      timeoutSeconds: 2,
    });
    ns = await createTestNamespace({
      prefix: 'adm-wh-hung-',
      labels: webhook.namespaceLabels,
      deleteAfterTest: false,
    });
    // The configuration reaches the admission plugin through an informer: wait until the webhook is called.
    await waitFor(
      async () => {
        const before = sockets.size;
        await create(sealedWithForeignKey(ns ?? '', 'probe'));
        return sockets.size > before;
      },
      { timeoutMs: 30_000, description: 'the API server to call the hung webhook' },
    );
    const t0 = performance.now();
    const answer = await create(sealedWithForeignKey(ns, 'hung'), { persist: true });
    const ms = performance.now() - t0;
    expect(answer.status).toBe(201);
    expect(ms).toBeLessThan(2_000 + 10_000);
    process.stdout.write(`webhook hung (timeoutSeconds 2): create took ${ms.toFixed(0)} ms\n`);
  });
});

describe('certificate rotation through the API server', () => {
  let webhook: InstalledWebhook;
  let controller: RunningController | undefined;
  let controllerNs: string;
  let ns: string;
  let port: number;

  beforeAll(async () => {
    helmBin();
    const where = await webhookPort();
    port = where.port;
    webhook = await installWebhookConfiguration(where.url, { timeoutSeconds: 5 });
    controllerNs = await createTestNamespace({ prefix: 'adm-wh-rot-ctrl-', deleteAfterTest: false });
    ns = await createTestNamespace({
      prefix: 'adm-wh-rot-',
      labels: webhook.namespaceLabels,
      deleteAfterTest: false,
    });
  }, HELM_BUILD_TIMEOUT_MS);

  afterAll(async () => {
    const code = await controller?.stop();
    if (code !== 0 && controller !== undefined) process.stderr.write(`${controller.output()}\n`);
    await webhook?.remove();
    await cleanUp([ns, controllerNs]);
  });

  it('reissues the serving certificate and rotates the CA; the API server keeps reaching the webhook', async () => {
    // Lifetimes in seconds: the serving certificate is reissued every 4 s, the CA replaced after 10 s.
    controller = await startWebhookController(controllerNs, ns, webhook.name, port, [
      '--webhook-cert-validity',
      '6s',
      '--webhook-ca-validity',
      '15s',
    ]);
    const foreign = sealedWithForeignKey(ns, 'foreign');
    await waitUntilWebhookEnforces(foreign);
    const firstCa = (await getSecret(controllerNs, 'webhook-ca'))?.data?.['tls.crt'];
    const firstLeaf = (await servedCertificate(port)).fingerprint256;

    await waitFor(async () => (await servedCertificate(port)).fingerprint256 !== firstLeaf, {
      timeoutMs: 30_000,
      description: 'a new serving certificate',
    });
    const rotated = await waitFor(
      async () => {
        const ca = (await getSecret(controllerNs, 'webhook-ca'))?.data?.['tls.crt'];
        return ca !== undefined && ca !== firstCa && ca;
      },
      { timeoutMs: 40_000, description: 'a new CA' },
    );
    // The bundle in the configuration holds the new CA and the old one, which has not expired yet.
    const newCa = new X509Certificate(Buffer.from(rotated, 'base64'));
    await waitFor(async () => (await injectedBundle(webhook.name)).length === 2, { timeoutMs: 10_000 });
    const bundle = (await injectedBundle(webhook.name)).map((pem) => new X509Certificate(pem));
    expect(bundle[0]?.fingerprint256).toBe(newCa.fingerprint256);
    // Soon a serving certificate from the new CA, and the API server still reaches the webhook.
    await waitFor(async () => new X509Certificate((await servedCertificate(port)).raw).checkIssued(newCa), {
      timeoutMs: 30_000,
      description: 'a serving certificate from the new CA',
    });
    for (let i = 0; i < 3; i++) {
      const answer = await create(foreign);
      expect(answer.status).toBe(422);
      expect(answer.message).toContain('sealed with a key this controller does not have');
    }
    expect(controller.output()).toContain('Webhook CA rotated');
  });
});
