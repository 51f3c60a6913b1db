import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ensureBinaries, startProcess } from '../../harness/index.js';
import {
  applyManifest,
  coreApi,
  createTestNamespace,
  e2eCluster,
  kubeEndpoint,
  kubeRequest,
  objectApi,
  parseManifest,
  waitFor,
} from '../../helpers/index.js';
import { HELM_BUILD_TIMEOUT_MS, helmBin, repoRoot } from '../chart/helm.js';
import {
  controllerForTest,
  decode,
  getSecret,
  plainSecret,
  sealWith,
  waitForSynced,
} from '../controller/support.js';
import {
  create,
  deleteSealedSecrets,
  denial,
  get,
  installPolicy,
  replace,
  sealed,
  waitUntilEnforced,
  type InstalledPolicy,
  type SealedSecret,
} from './support.js';

// The chart's ValidatingAdmissionPolicy against the real admission chain of kube-apiserver 1.34 (docs/admission.md).
// Every denial is compared with the exact text the API server returns.

const CLUSTER_WIDE = 'sealedsecrets.bitnami.com/cluster-wide';
const NAMESPACE_WIDE = 'sealedsecrets.bitnami.com/namespace-wide';

let deny: InstalledPolicy;
let ns: string;

beforeAll(async () => {
  helmBin();
  deny = await installPolicy();
  ns = await createTestNamespace({
    prefix: 'adm-deny-',
    labels: deny.namespaceLabels,
    deleteAfterTest: false,
  });
  await waitUntilEnforced(deny, ns);
}, HELM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await deny?.remove();
  if (ns === undefined) return;
  await deleteSealedSecrets(ns);
  await coreApi()
    .deleteNamespace({ name: ns })
    .catch(() => undefined);
});

/** Expects a dry-run create of `object` to be denied with exactly `message`. */
async function expectDenied(object: SealedSecret, message: string): Promise<void> {
  const a = await create(object);
  expect(a.message).toBe(denial(deny.name, object.metadata.name ?? '', message));
  expect(a.status).toBe(422);
  expect(a.reason).toBe('Invalid');
}

function withTemplateMeta(ss: SealedSecret, meta: Record<string, unknown>): SealedSecret {
  return {
    ...ss,
    spec: {
      ...ss.spec,
      template: { ...ss.spec.template, metadata: { ...ss.spec.template?.metadata, ...meta } },
    },
  };
}

function withValue(ss: SealedSecret, key: string, value: string): SealedSecret {
  return { ...ss, spec: { ...ss.spec, encryptedData: { ...ss.spec.encryptedData, [key]: value } } };
}

describe('admits what the controller can unseal', () => {
  it('a SealedSecret sealed by kubeseal, in each scope', async () => {
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
      const ss = sealed(ns, `good-${scope}`, { scope });
      const a = await create(ss, { persist: true });
      expect(a.status, a.message).toBe(201);
      expect(a.warnings).toEqual([]);
      expect((await get(ns, `good-${scope}`)).spec.encryptedData).toEqual(ss.spec.encryptedData);
    }
  });

  it('a cluster-wide SealedSecret copied from another namespace, and a renamed namespace-wide one', async () => {
    // Their labels do not include the namespace (cluster-wide) or the name (namespace-wide), so the controller
    // unseals them; it ignores the template's name and namespace.
    const copied = sealed('elsewhere', 'copied', { scope: 'cluster-wide' });
    copied.metadata.namespace = ns;
    expect(copied.spec.template?.metadata?.namespace).toBe('elsewhere');
    expect((await create(copied)).status).toBe(201);
    const renamed = sealed(ns, 'before', { scope: 'namespace-wide' });
    renamed.metadata.name = 'after';
    expect((await create(renamed)).status).toBe(201);
  });

  it('values wrapped over several lines (Go skips CR and LF in base64)', async () => {
    const ss = sealed(ns, 'wrapped');
    const value = ss.spec.encryptedData['password'] ?? '';
    const wrapped = `${value.replace(/(.{76})/g, '$1\r\n')}\n`;
    expect((await create(withValue(ss, 'password', wrapped))).status).toBe(201);
  });

  it('a kubernetes.io/tls SealedSecret whose keys come from template.data, and a template-only one', async () => {
    const tls = sealed(ns, 'tls', { type: 'kubernetes.io/tls', data: { 'tls.key': 'k' } });
    tls.spec.template = { ...tls.spec.template, data: { 'tls.crt': '{{ index . "tls.key" }}' } };
    expect((await create(tls)).status).toBe(201);
    const templateOnly = sealed(ns, 'template-only', { data: {} });
    templateOnly.spec.template = { ...templateOnly.spec.template, data: { greeting: 'hello' } };
    expect(templateOnly.spec.encryptedData).toEqual({});
    expect((await create(templateOnly)).status).toBe(201);
  });
});

describe('denies, naming the field and the reason', () => {
  it('a strict SealedSecret renamed after sealing (wrong template name)', async () => {
    const ss = sealed(ns, 'db');
    ss.metadata.name = 'db-renamed';
    await expectDenied(
      ss,
      'spec.template.metadata.name is "db" but metadata.name is "db-renamed": a strict-scope SealedSecret is ' +
        'sealed for its name and cannot be renamed; seal it again under the new name (or seal it namespace-wide)',
    );
  });

  it('a SealedSecret moved to another namespace (wrong template namespace), strict and namespace-wide', async () => {
    for (const scope of ['strict', 'namespace-wide'] as const) {
      const ss = sealed('staging', 'db', { scope });
      ss.metadata.namespace = ns;
      await expectDenied(
        ss,
        `spec.template.metadata.namespace is "staging" but the SealedSecret is in namespace "${ns}": a ${scope} ` +
          `SealedSecret is sealed for its namespace and cannot be moved; seal it again for "${ns}" (or seal it ` +
          'cluster-wide)',
      );
    }
  });

  it('a scope annotation the controller would ignore ("True", "1", "")', async () => {
    for (const value of ['True', '1', '']) {
      const ss = sealed(ns, 'db');
      ss.metadata.annotations = { [NAMESPACE_WIDE]: value };
      await expectDenied(
        ss,
        `metadata.annotations["${NAMESPACE_WIDE}"] is "${value}": the controller reads only the exact value ` +
          '"true" as set, so it would ignore this annotation; use "true" or "false"',
      );
    }
    const template = withTemplateMeta(sealed(ns, 'db'), { annotations: { [CLUSTER_WIDE]: 'yes' } });
    await expectDenied(
      template,
      `spec.template.metadata.annotations["${CLUSTER_WIDE}"] is "yes": the controller reads only the exact ` +
        'value "true" as set, so it would ignore this annotation; use "true" or "false"',
    );
  });

  it('contradicting scope annotations', async () => {
    const ss = sealed(ns, 'db', { scope: 'cluster-wide' });
    ss.metadata.annotations = { ...ss.metadata.annotations, [NAMESPACE_WIDE]: 'true' };
    await expectDenied(
      ss,
      `metadata.annotations sets both "${CLUSTER_WIDE}" and "${NAMESPACE_WIDE}" to "true": a SealedSecret has one ` +
        'scope (the controller would use cluster-wide); remove one of them',
    );
    // "false" is a known value and contradicts nothing.
    const annotations = { [CLUSTER_WIDE]: 'true', [NAMESPACE_WIDE]: 'false' };
    const ok = withTemplateMeta(sealed(ns, 'db', { scope: 'cluster-wide' }), { annotations });
    ok.metadata.annotations = annotations;
    expect((await create(ok)).status).toBe(201);
  });

  it('a truncated ciphertext, with the length its prefix announces', async () => {
    const ss = sealed(ns, 'db');
    const value = ss.spec.encryptedData['password'] ?? '';
    // RSA-4096: 2 + 512 + 7 ("hunter2") + 16 = 537 bytes; keep 300 of them (400 base64 characters).
    expect(Buffer.from(value, 'base64')).toHaveLength(537);
    await expectDenied(
      withValue(ss, 'password', value.slice(0, 400)),
      'spec.encryptedData["password"] is truncated: its first two bytes give a 512-byte RSA block, so it needs at ' +
        'least 530 bytes (2-byte length, RSA block, 16-byte AES-GCM tag), but it decodes to 300 bytes',
    );
  });

  it('a value shorter than any ciphertext (146 bytes with a 1024-bit key), or with an impossible prefix', async () => {
    const ss = sealed(ns, 'db');
    await expectDenied(
      withValue(ss, 'password', Buffer.alloc(145, 2).toString('base64')),
      'spec.encryptedData["password"] is too short: it decodes to 145 bytes, and the shortest sealed value has 146 ' +
        '(2-byte length, 128-byte RSA block of a 1024-bit key, 16-byte AES-GCM tag)',
    );
    // 146 bytes is enough length, but a prefix of 0x0010 announces a 16-byte RSA block: no key is that small.
    const blob = Buffer.alloc(146, 0);
    blob.writeUInt16BE(16, 0);
    await expectDenied(
      withValue(ss, 'password', blob.toString('base64')),
      'spec.encryptedData["password"] is not a sealed value: its first two bytes give an RSA block of 16 bytes, ' +
        'less than the 128 bytes of the smallest key (1024 bits)',
    );
    // The smallest real ciphertext passes: 2-byte prefix 128, 128-byte block, 16-byte tag, empty plaintext.
    const smallest = Buffer.alloc(146, 1);
    smallest.writeUInt16BE(128, 0);
    expect((await create(withValue(ss, 'password', smallest.toString('base64')))).status).toBe(201);
  });

  it('bad base64: URL-safe alphabet, a cut quantum, a space', async () => {
    const ss = sealed(ns, 'db');
    const value = ss.spec.encryptedData['password'] ?? '';
    for (const bad of [value.replace(/\+/g, '-').replace(/\//g, '_'), value.slice(0, -1), ` ${value}`]) {
      expect(bad).not.toBe(value);
      await expectDenied(
        withValue(ss, 'password', bad),
        'spec.encryptedData["password"] is not valid base64: a sealed value is standard base64 (A-Z, a-z, 0-9, +, ' +
          '/) with = padding, as kubeseal writes it',
      );
    }
  });

  it('a template that claims another scope (smuggled scope annotation)', async () => {
    const ss = withTemplateMeta(sealed(ns, 'db'), { annotations: { [CLUSTER_WIDE]: 'true' } });
    await expectDenied(
      ss,
      'spec.template.metadata.annotations give the scope cluster-wide but metadata.annotations give strict: the ' +
        'controller unseals with the scope of metadata.annotations and copies the template annotations onto the ' +
        'Secret, which would then claim a scope its SealedSecret does not have (kubeseal takes the scope from them ' +
        'when the Secret is sealed again); make the two agree',
    );
  });

  it('a template.data key named after a scope annotation (smuggled scope), and other invalid data keys', async () => {
    const ss = sealed(ns, 'db');
    ss.spec.template = { ...ss.spec.template, data: { [CLUSTER_WIDE]: 'true' } };
    await expectDenied(
      ss,
      `spec.template.data["${CLUSTER_WIDE}"]: not a valid Secret data key (letters, digits, -, _ and . only, at ` +
        'most 253 characters, not . or ..), so the API server would refuse the Secret; a data key cannot set the ' +
        'scope either, only metadata.annotations can',
    );
    const spaced = sealed(ns, 'db');
    spaced.spec.encryptedData = { 'db password': spaced.spec.encryptedData['password'] ?? '' };
    await expectDenied(
      spaced,
      'spec.encryptedData["db password"]: not a valid Secret data key (letters, digits, -, _ and . only, at most ' +
        '253 characters, not . or ..), so the API server would refuse the Secret',
    );
  });

  it('a Secret type without the keys the API server requires', async () => {
    await expectDenied(
      sealed(ns, 'db', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'c' } }),
      'spec.template.type is "kubernetes.io/tls", and the API server refuses such a Secret without the data keys ' +
        '"tls.crt" and "tls.key" (from spec.encryptedData or spec.template.data)',
    );
    await expectDenied(
      sealed(ns, 'db', { type: 'kubernetes.io/dockerconfigjson', data: { config: '{}' } }),
      'spec.template.type is "kubernetes.io/dockerconfigjson", and the API server refuses such a Secret without ' +
        'the data key ".dockerconfigjson" (from spec.encryptedData or spec.template.data)',
    );
  });

  it('the legacy spec.data together with spec.encryptedData', async () => {
    const ss = sealed(ns, 'db');
    ss.spec.data = ss.spec.encryptedData['password'] ?? '';
    await expectDenied(
      ss,
      'spec.data (the legacy single-blob format) and spec.encryptedData are both set: the controller refuses ' +
        "\"cannot use the field 'encryptedData' and the deprecated field 'data' at the same time\"; keep only " +
        'spec.encryptedData',
    );
  });
});

describe('updates', () => {
  async function stored(name: string, options: Parameters<typeof sealed>[2] = {}): Promise<SealedSecret> {
    expect((await create(sealed(ns, name, options), { persist: true })).status).toBe(201);
    return get(ns, name);
  }

  it('refuses a type change, which the existing Secret cannot take', async () => {
    const ss = await stored('typed', { type: 'Opaque' });
    ss.spec.template = { ...ss.spec.template, type: 'kubernetes.io/basic-auth' };
    const a = await replace(ss);
    expect(a.status).toBe(422);
    expect(a.message).toBe(
      denial(
        deny.name,
        'typed',
        'spec.template.type changes from "Opaque" to "kubernetes.io/basic-auth": the API server refuses to change ' +
          'the type of the existing Secret, so the controller could not update it; delete the SealedSecret and its ' +
          'Secret and create them again',
      ),
    );
    // An empty type is Opaque: dropping the field changes nothing.
    delete ss.spec.template?.type;
    expect((await replace(ss)).status).toBe(200);
  });

  it('refuses data keys added to or removed from an immutable SealedSecret, and immutable going back to false', async () => {
    const ss = await stored('frozen', { immutable: true });
    const added = withValue(ss, 'extra', ss.spec.encryptedData['password'] ?? '');
    expect((await replace(added)).message).toBe(
      denial(
        deny.name,
        'frozen',
        'spec.template.immutable is true, and the update changes the data keys of the Secret (adds "extra"): that ' +
          'Secret is immutable, so the API server would refuse the change and the controller could not apply it; ' +
          'delete the SealedSecret and its Secret and create them again',
      ),
    );
    const thawed = structuredClone(ss);
    thawed.spec.template = { ...thawed.spec.template, immutable: false };
    expect((await replace(thawed)).message).toBe(
      denial(
        deny.name,
        'frozen',
        'spec.template.immutable goes from true to false, which has no effect: the controller never changes the ' +
          'immutable field of an existing Secret, and that Secret is immutable; delete the SealedSecret and its ' +
          'Secret and create them again',
      ),
    );
    // Re-encrypting (kubeseal --re-encrypt) gives new ciphertexts for the same keys: allowed.
    const resealed = sealed(ns, 'frozen', { immutable: true });
    const reencrypted = { ...ss, spec: { ...ss.spec, encryptedData: resealed.spec.encryptedData } };
    expect(reencrypted.spec.encryptedData).not.toEqual(ss.spec.encryptedData);
    expect((await replace(reencrypted)).status).toBe(200);
  });

  it('refuses a scope change that keeps values sealed for the old scope; re-sealed values pass', async () => {
    const ss = await stored('rescoped', { data: { password: 'hunter2' } });
    const annotations = { [NAMESPACE_WIDE]: 'true' };
    const moved = withTemplateMeta({ ...ss, metadata: { ...ss.metadata, annotations } }, { annotations });
    expect((await replace(moved)).message).toBe(
      denial(
        deny.name,
        'rescoped',
        'metadata.annotations change the scope from strict to namespace-wide, but spec.encryptedData keeps the ' +
          'values of "password" sealed for strict: the controller unseals with the label of the new scope and ' +
          'would fail; seal them again with kubeseal --scope namespace-wide',
      ),
    );
    const resealed = sealed(ns, 'rescoped', { scope: 'namespace-wide', data: { password: 'hunter2' } });
    expect(
      (await replace({ ...moved, spec: { ...moved.spec, encryptedData: resealed.spec.encryptedData } }))
        .status,
    ).toBe(200);
  });

  it('lets metadata-only updates and finalizer removal through on a broken object created before the policy', async () => {
    // Created while the namespace was not selected by the binding, then the namespace is labelled.
    const legacyNs = await createTestNamespace({ prefix: 'adm-legacy-' });
    const broken = sealed(legacyNs, 'broken');
    broken.metadata.name = 'broken-renamed';
    broken.metadata.finalizers = ['ssts.e2e/hold'];
    expect((await create(broken, { persist: true })).status).toBe(201);
    const labelled = await kubeRequest(kubeEndpoint(), 'PATCH', `/api/v1/namespaces/${legacyNs}`, {
      body: { metadata: { labels: deny.namespaceLabels } },
      contentType: 'application/merge-patch+json',
    });
    expect(labelled.status).toBe(200);
    await waitUntilEnforced(deny, legacyNs);

    const relabelled = await get(legacyNs, 'broken-renamed');
    relabelled.metadata.labels = { team: 'a' };
    relabelled.metadata.annotations = { 'argocd.argoproj.io/tracking-id': 'app:bitnami.com/SealedSecret:x' };
    expect((await replace(relabelled, { persist: true })).status).toBe(200);
    // The controller's status write goes to the status subresource, which the policy does not match.
    const withStatus = await get(legacyNs, 'broken-renamed');
    withStatus.status = {
      conditions: [{ type: 'Synced', status: 'False', message: 'no key could decrypt secret' }],
    };
    expect((await replace(withStatus, { subresource: 'status', persist: true })).status).toBe(200);
    // A spec change is checked.
    const edited = await get(legacyNs, 'broken-renamed');
    edited.spec.template = { ...edited.spec.template, type: 'Opaque' };
    expect((await replace(edited)).status).toBe(422);

    const del = await kubeRequest(
      kubeEndpoint(),
      'DELETE',
      `/apis/bitnami.com/v1alpha1/namespaces/${legacyNs}/sealedsecrets/broken-renamed`,
    );
    expect(del.status).toBe(200);
    const dying = await get(legacyNs, 'broken-renamed');
    expect(dying.metadata.deletionTimestamp).toBeTruthy();
    dying.metadata.finalizers = [];
    expect((await replace(dying, { persist: true })).status).toBe(200);
    await waitFor(
      async () =>
        (
          await kubeRequest(
            kubeEndpoint(),
            'GET',
            `/apis/bitnami.com/v1alpha1/namespaces/${legacyNs}/sealedsecrets/broken-renamed`,
          )
        ).status === 404,
      { timeoutMs: 10_000 },
    );
  });
});

describe('scope of the policy', () => {
  it('is a no-op for other kinds: a Secret and a ConfigMap with the same oddities are admitted', async () => {
    // Scope annotations that the policy refuses on a SealedSecret ("True", both at once).
    const metadata = { name: 'odd', annotations: { [CLUSTER_WIDE]: 'True', [NAMESPACE_WIDE]: 'true' } };
    const secret = await kubeRequest(kubeEndpoint(), 'POST', `/api/v1/namespaces/${ns}/secrets?dryRun=All`, {
      body: { apiVersion: 'v1', kind: 'Secret', metadata, type: 'Opaque', data: { password: 'AAAA' } },
    });
    const cm = await kubeRequest(kubeEndpoint(), 'POST', `/api/v1/namespaces/${ns}/configmaps?dryRun=All`, {
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { password: 'AAAA' } },
    });
    for (const res of [secret, cm]) {
      expect(res.status, res.body).toBe(201);
      expect(res.headers['warning']).toBeUndefined();
    }
  });

  it('does not act in namespaces its binding does not select', async () => {
    const other = await createTestNamespace({ prefix: 'adm-other-' });
    const ss = sealed(other, 'db');
    ss.metadata.name = 'db-renamed';
    const a = await create(ss);
    expect(a.status).toBe(201);
    expect(a.warnings).toEqual([]);
  });
});

describe('with the controller running', () => {
  it('an admitted SealedSecret unseals and the controller writes its status (status is not checked)', async () => {
    const controller = await controllerForTest(ns);
    const ss = await sealWith(
      controller,
      plainSecret(ns, 'live', { password: 'hunter2' }, { labels: { app: 'x' } }),
    );
    const a = await create(ss, { persist: true });
    expect(a.status, a.message).toBe(201);
    await waitForSynced(ns, 'live', (c) => c.status === 'True');
    const secret = await waitFor(() => getSecret(ns, 'live'));
    expect(decode(secret.data)).toEqual({ password: 'hunter2' });
    // SealedSecrets sealed with another key (the test key) fail: the controller's Synced=False write goes through too.
    await waitForSynced(ns, 'good-strict', (c) => c.status === 'False');
  });
});

describe('cost: objects up to what etcd stores are evaluated in full, larger ones are refused', () => {
  // etcd's default request limit is 1.5 MiB per object. A fake ciphertext that passes every check: length prefix N,
  // then N + 16 + plaintext bytes.
  const fake = (rsaBytes: number, plaintext: number): string => {
    const blob = Buffer.alloc(2 + rsaBytes + plaintext + 16, 7);
    blob.writeUInt16BE(rsaBytes, 0);
    return blob.toString('base64');
  };
  const withData = (name: string, encryptedData: Record<string, string>): SealedSecret => {
    const ss = sealed(ns, name);
    return { ...ss, spec: { ...ss.spec, encryptedData } };
  };
  const ETCD_LIMIT = 1.5 * 1024 * 1024;

  it('one value of 1.5 MiB minus the envelope (a 1.1 MiB Secret sealed with RSA-4096)', async () => {
    const room = ETCD_LIMIT - 2048 - JSON.stringify(withData('one-large', { blob: '' })).length;
    const ss = withData('one-large', { blob: fake(512, Math.floor(room / 4) * 3 - 530) });
    const size = JSON.stringify(ss).length;
    expect(size).toBeGreaterThan(ETCD_LIMIT - 4 * 1024);
    expect(size).toBeLessThan(ETCD_LIMIT);
    const a = await create(ss);
    expect(a.message).toBeUndefined();
    expect(a.status).toBe(201);
  });

  it('500 values (admission.policy.maxKeys) filling 1.5 MiB', async () => {
    const value = fake(512, Math.floor((ETCD_LIMIT - 8 * 1024) / 500 / 4) * 3 - 530);
    const data = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, value]));
    const ss = withData('many', data);
    expect(JSON.stringify(ss).length).toBeGreaterThan(ETCD_LIMIT - 16 * 1024);
    expect(JSON.stringify(ss).length).toBeLessThan(ETCD_LIMIT);
    const a = await create(ss);
    expect(a.message).toBeUndefined();
    expect(a.status).toBe(201);
  });

  it('more keys than admission.policy.maxKeys are refused before any loop runs (501 and 5 000 keys)', async () => {
    for (const count of [501, 5_000]) {
      const data = Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'AAAA']));
      const ss = withData('too-many', data);
      await expectDenied(
        ss,
        `spec.encryptedData has ${count} keys and spec.template.data 0: this policy checks at most 500 in each ` +
          '(admission.policy.maxKeys), because checking more would cost the API server too much time; split the ' +
          'Secret, or leave this object out with admission.policy.objectSelector',
      );
    }
  });

  it('values beyond what etcd stores run out of CEL cost and are refused with failurePolicy Fail', async () => {
    // 2.9 MB: under the API server's 3 MiB request limit, twice what etcd would store.
    const a = await create(withData('too-large', { blob: fake(512, 2_170_000) }));
    expect(a.status).toBe(422);
    expect(a.message).toContain(
      `ValidatingAdmissionPolicy '${deny.name}' with binding '${deny.name}' denied request`,
    );
    expect(a.message).toContain('cost limit exceeded');
  });
});

describe('deploy/admission-policy.yaml', () => {
  it('passes a server-side dry run', async () => {
    const objects = parseManifest(readFileSync(join(repoRoot, 'deploy/admission-policy.yaml'), 'utf8'));
    const admitted = await applyManifest(objects, { dryRun: true });
    expect(admitted.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'ValidatingAdmissionPolicy/sealed-secrets-controller-policy',
      'ValidatingAdmissionPolicyBinding/sealed-secrets-controller-policy',
    ]);
  });
});

describe('type checking against the CRD schema', () => {
  it("kube-controller-manager's policy status controller finds no type warnings in the policy", async () => {
    // The suite's kube-controller-manager does not run this controller; a second one runs only it.
    const dir = mkdtempSync(join(tmpdir(), 'ssts-adm-kcm-'));
    const kubeconfig = e2eCluster().kubeconfigPath;
    const kcm = startProcess({
      name: 'kube-controller-manager (policy status)',
      command: ensureBinaries().kubeControllerManager,
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--authentication-kubeconfig=${kubeconfig}`,
        `--authorization-kubeconfig=${kubeconfig}`,
        '--leader-elect=false',
        '--controllers=validatingadmissionpolicy-status-controller',
        '--bind-address=127.0.0.1',
        '--secure-port=0',
      ],
      logPath: join(dir, 'kcm.log'),
    });
    onTestFinished(async () => {
      await kcm.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    const status = (name: string) =>
      waitFor(
        async () => {
          const res = await kubeRequest(
            kubeEndpoint(),
            'GET',
            `/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/${name}`,
          );
          const p = JSON.parse(res.body) as {
            metadata: { generation: number };
            status?: { observedGeneration?: number; typeChecking?: { expressionWarnings?: unknown[] } };
          };
          return p.status?.observedGeneration === p.metadata.generation && p.status.typeChecking !== undefined
            ? p.status.typeChecking
            : undefined;
        },
        { timeoutMs: 45_000, description: `the type checking of ${name}` },
      );

    // Control: a misspelt field is reported, so the controller really checks against the CRD's schema.
    const typo = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: `${deny.name}-typo` },
      spec: {
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ['bitnami.com'],
              apiVersions: ['v1alpha1'],
              operations: ['CREATE'],
              resources: ['sealedsecrets'],
            },
          ],
        },
        validations: [{ expression: 'size(object.spec.encryptedDat) >= 0' }],
      },
    };
    await applyManifest(typo);
    onTestFinished(async () => {
      await objectApi()
        .delete(typo)
        .catch(() => undefined);
    });
    expect(JSON.stringify(await status(typo.metadata.name))).toContain("undefined field 'encryptedDat'");
    expect(await status(deny.name)).toEqual({});
  }, 90_000);
});

describe('Warn mode', () => {
  it('admits a broken SealedSecret and returns the message as a Warning header', async () => {
    const warn = await installPolicy({ 'admission.policy.validationActions': ['Warn'] });
    try {
      const warnNs = await createTestNamespace({ prefix: 'adm-warn-', labels: warn.namespaceLabels });
      await waitUntilEnforced(warn, warnNs);
      const ss = sealed(warnNs, 'db');
      ss.metadata.name = 'db-renamed';
      ss.spec.encryptedData['password'] = (ss.spec.encryptedData['password'] ?? '').slice(0, 400);
      const a = await create(ss, { persist: true });
      expect(a.status).toBe(201);
      // One warning per failed check, in the order of the policy's validations.
      expect(a.warnings).toEqual([
        `Validation failed for ValidatingAdmissionPolicy '${warn.name}' with binding '${warn.name}': ` +
          'spec.template.metadata.name is "db" but metadata.name is "db-renamed": a strict-scope SealedSecret is ' +
          'sealed for its name and cannot be renamed; seal it again under the new name (or seal it namespace-wide)',
        `Validation failed for ValidatingAdmissionPolicy '${warn.name}' with binding '${warn.name}': ` +
          'spec.encryptedData["password"] is truncated: its first two bytes give a 512-byte RSA block, so it ' +
          'needs at least 530 bytes (2-byte length, RSA block, 16-byte AES-GCM tag), but it decodes to 300 bytes',
      ]);
      expect((await get(warnNs, 'db-renamed')).metadata.name).toBe('db-renamed');
      await deleteSealedSecrets(warnNs);
    } finally {
      await warn.remove();
    }
  });
});
