import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { e2eCluster, kubeEndpoint, kubeJson, waitFor } from '../../helpers/index.js';
import { decode, getSecret, waitForSynced, type SealedSecret } from '../controller/support.js';
import {
  firstContactNotice,
  applySealedSecret,
  decryptValue,
  keySecrets,
  kubeseal,
  expectOk,
  secretText,
  secretYaml,
  useOurController,
  writeKubeconfigFile,
  type ProxiedController,
} from './support.js';

// compat §9.4 item 12 and §5.4/§6: the built kubeseal CLI against our built controller, reached exactly the way
// users reach it: through the API server's service proxy (`http:<svc>:<port>`), with kubeconfig credentials.

const SERVICE_HINT =
  'Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller';

let ns: string;
let controller: ProxiedController;
let kcDefault: string;
let kcContextNs: string;
let dir: string;

const fixture = useOurController('kubeseal-online-', { args: ['--key-renew-period', '0'] });

beforeAll(async () => {
  ({ ns, controller, dir } = fixture);
  kcDefault = writeKubeconfigFile(dir, 'kubeconfig-default');
  kcContextNs = writeKubeconfigFile(dir, 'kubeconfig-ns', { namespace: ns });
});

/** kubeseal with the controller of this file (its namespace; default Service name). */
function ks(kubeconfig: string, args: readonly string[], input?: string) {
  return kubeseal(['--kubeconfig', kubeconfig, '--controller-namespace', ns, ...args], {
    ...(input === undefined ? {} : { input }),
  });
}

async function latestKey() {
  const keys = await keySecrets(ns);
  const latest = keys.at(-1);
  if (latest === undefined) throw new Error('no key Secret');
  return latest;
}

async function expectUnsealed(ss: SealedSecret, expected: Record<string, string>): Promise<void> {
  const name = ss.metadata.name ?? '';
  await applySealedSecret(ss);
  const synced = await waitForSynced(ns, name, (c) => c.status !== 'Unknown');
  expect(synced.status?.conditions?.[0]?.status, JSON.stringify(synced.status)).toBe('True');
  const secret = await getSecret(ns, name);
  expect(decode(secret?.data)).toEqual(expected);
  expect(secret?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'SealedSecret', name });
}

describe('kubeseal online, against our controller behind the service proxy', () => {
  it('--fetch-cert prints exactly the latest key Secret tls.crt', async () => {
    const res = await ks(kcDefault, ['--fetch-cert']);
    // First contact with this controller: trust on first use (issue 14), one line.
    expect(res.stderr).toMatch(firstContactNotice(ns));
    expect(res.code).toBe(0);
    expect(res.stdout).toBe(secretText(await latestKey(), 'tls.crt'));
    expect(res.stdout).toBe(await controller.certPem());
  });

  it('seals without --cert (namespace from the kubeconfig context); the controller unseals the same data', async () => {
    const data = { username: 'admin', password: 'p@ss:w0rd/with "quotes"', 'multi.line': 'a\nb\n' };
    const out = expectOk(await ks(kcContextNs, [], secretYaml('from-context', undefined, data)), 'kubeseal');
    const ss = JSON.parse(out) as SealedSecret;
    expect(ss).toMatchObject({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'from-context', namespace: ns },
    });
    expect(Object.keys(ss.spec.encryptedData ?? {}).sort()).toEqual(['multi.line', 'password', 'username']);
    // The ciphertext is for the cluster's latest key (checked with plain node:crypto, label "<ns>/<name>").
    const key = secretText(await latestKey(), 'tls.key');
    expect(
      decryptValue(key, `${ns}/from-context`, ss.spec.encryptedData?.['password'] ?? '').toString(),
    ).toBe(data.password);
    await expectUnsealed(ss, data);
    expect((await getSecret(ns, 'from-context'))?.metadata.labels).toEqual({ app: 'e2e' });
  });

  it('seals with -n (kubeconfig without a namespace), YAML output; the controller unseals it', async () => {
    const data = { token: 'x'.repeat(3000) };
    const out = expectOk(
      await ks(kcDefault, ['-n', ns, '-o', 'yaml'], secretYaml('from-flag', undefined, data)),
      'kubeseal',
    );
    expect(out.startsWith('---\n')).toBe(true);
    const ss = parseYaml(out) as SealedSecret;
    expect(ss.metadata).toMatchObject({ name: 'from-flag', namespace: ns });
    await expectUnsealed(ss, data);

    // Without -n and without a context namespace the namespace is "default" (compat §6.5): not ours.
    const def = JSON.parse(
      expectOk(await ks(kcDefault, [], secretYaml('elsewhere', undefined, data)), 'kubeseal'),
    ) as SealedSecret;
    expect(def.metadata.namespace).toBe('default');
  });

  it('--validate passes for a fresh SealedSecret and fails after renaming it', async () => {
    const out = expectOk(
      await ks(kcContextNs, [], secretYaml('to-validate', undefined, { a: 'b' })),
      'kubeseal',
    );
    const file = join(dir, 'to-validate.json');
    writeFileSync(file, out);
    const ok = await ks(kcDefault, ['--validate', '-f', file]);
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });

    const renamed = JSON.parse(out) as SealedSecret;
    renamed.metadata.name = 'renamed';
    const bad = await ks(kcDefault, ['--validate'], JSON.stringify(renamed));
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe('error: unable to decrypt sealed secret: renamed\n');
  });

  it('a missing controller Service gives the compat §6.3 error', async () => {
    const byName = await ks(kcDefault, ['--controller-name', 'nope', '--fetch-cert']);
    expect(byName.code).toBe(1);
    expect(byName.stdout).toBe('');
    expect(byName.stderr).toBe(
      `error: cannot get sealed secret service: services "nope" not found.\n${SERVICE_HINT}\n`,
    );
    // The default namespace kube-system has no sealed-secrets-controller in this suite.
    const byNamespace = await kubeseal(
      ['--kubeconfig', kcDefault, '--controller-namespace', `${ns}-missing`],
      {
        input: secretYaml('x', ns, { a: 'b' }),
      },
    );
    expect(byNamespace.code).toBe(1);
    expect(byNamespace.stderr).toBe(
      `error: cannot get sealed secret service: services "sealed-secrets-controller" not found.\n${SERVICE_HINT}\n`,
    );
  });

  it('works with a Service whose port is unnamed (proxy name `http:<svc>:`)', async () => {
    // A second Service in front of the same Pod, port unnamed, like the static controller.yaml (compat §7.3).
    const base = `/api/v1/namespaces/${ns}`;
    const pod = await kubeJson<{ metadata: { uid: string } }>(
      kubeEndpoint(),
      'GET',
      `${base}/pods/${controller.exposure.podName}`,
    );
    const port = controller.exposure.targetPort;
    await kubeJson(kubeEndpoint(), 'POST', `${base}/services`, {
      body: { metadata: { name: 'unnamed-port' }, spec: { ports: [{ port: 8080, targetPort: port }] } },
    });
    await kubeJson(kubeEndpoint(), 'POST', `${base}/endpoints`, {
      body: {
        metadata: { name: 'unnamed-port' },
        subsets: [
          {
            addresses: [
              {
                ip: controller.exposure.podIp,
                targetRef: {
                  kind: 'Pod',
                  namespace: ns,
                  name: controller.exposure.podName,
                  uid: pod.metadata.uid,
                },
              },
            ],
            ports: [{ port }],
          },
        ],
      },
    });
    const cert = await ks(kcDefault, ['--controller-name', 'unnamed-port', '--fetch-cert']);
    // Another Service is another controller identity: its own first contact.
    expect(cert.stderr).toMatch(firstContactNotice(ns, 'unnamed-port'));
    expect(cert.stdout).toBe(await controller.certPem());
    const out = expectOk(
      await ks(
        kcContextNs,
        ['--controller-name', 'unnamed-port'],
        secretYaml('via-unnamed', undefined, { k: 'v' }),
      ),
      'kubeseal',
    );
    await expectUnsealed(JSON.parse(out) as SealedSecret, { k: 'v' });
  });

  it('seals offline with --cert while the API server is unreachable', async () => {
    const certFile = join(dir, 'cert.pem');
    writeFileSync(certFile, await controller.certPem());
    const unreachable = writeKubeconfigFile(dir, 'kubeconfig-unreachable', {
      server: 'https://127.0.0.1:1',
      namespace: ns,
    });
    const online = await ks(unreachable, ['--fetch-cert']);
    expect(online.code).toBe(1);
    expect(online.stderr).toMatch(
      /^error: cannot get sealed secret service: .*dial tcp 127.0.0.1:1: connect: connection refused/,
    );

    const res = await ks(
      unreachable,
      ['--cert', certFile],
      secretYaml('offline', undefined, { k: 'offline' }),
    );
    expect(res.stderr).toBe('');
    const ss = JSON.parse(expectOk(res, 'kubeseal --cert')) as SealedSecret;
    expect(ss.metadata.namespace).toBe(ns);
    await expectUnsealed(ss, { k: 'offline' });
  });

  it('a user without services/proxy RBAC gets a clear error; the chart service-proxier Role lets them in', async () => {
    const token = e2eCluster().tokens['e2e-user'];
    if (token === undefined) throw new Error('no e2e-user token');
    const kcUser = writeKubeconfigFile(dir, 'kubeconfig-user', { token, namespace: ns });
    const noRbac = await ks(kcUser, ['--fetch-cert']);
    expect(noRbac.code).toBe(1);
    expect(noRbac.stderr).toBe(
      `error: cannot get sealed secret service: services "sealed-secrets-controller" is forbidden: User "e2e-user" cannot get resource "services" in API group "" in the namespace "${ns}".\n${SERVICE_HINT}\n`,
    );

    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
    const bind = async (role: string): Promise<void> => {
      await kubeJson(kubeEndpoint(), 'POST', `${rbac}/rolebindings`, {
        body: {
          metadata: { name: role },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'e2e-user' }],
        },
      });
    };
    await kubeJson(kubeEndpoint(), 'POST', `${rbac}/roles`, {
      body: {
        metadata: { name: 'service-reader' },
        rules: [
          {
            apiGroups: [''],
            resources: ['services'],
            resourceNames: ['sealed-secrets-controller'],
            verbs: ['get'],
          },
        ],
      },
    });
    await bind('service-reader');
    const noProxy = await waitFor(
      async () => {
        const res = await ks(kcUser, ['--fetch-cert']);
        return res.stderr.startsWith('error: cannot fetch certificate') ? res : undefined;
      },
      { description: 'the service-reader RoleBinding to take effect' },
    );
    expect(noProxy.code).toBe(1);
    expect(noProxy.stderr).toBe(
      `error: cannot fetch certificate: services "http:sealed-secrets-controller:http" is forbidden: User "e2e-user" cannot get resource "services/proxy" in API group "" in the namespace "${ns}"\n`,
    );

    // The chart's "service proxier" rules (compat §5.4 item 4).
    await kubeJson(kubeEndpoint(), 'POST', `${rbac}/roles`, {
      body: {
        metadata: { name: 'service-proxier' },
        rules: [
          {
            apiGroups: [''],
            resources: ['services/proxy'],
            resourceNames: [
              'http:sealed-secrets-controller:',
              'http:sealed-secrets-controller:http',
              'sealed-secrets-controller',
            ],
            verbs: ['create', 'get'],
          },
        ],
      },
    });
    await bind('service-proxier');
    const cert = await waitFor(
      async () => {
        const res = await ks(kcUser, ['--fetch-cert']);
        return res.code === 0 ? res.stdout : undefined;
      },
      { description: 'the service-proxier RoleBinding to take effect' },
    );
    expect(cert).toBe(await controller.certPem());
    const sealedFile = join(dir, 'user.json');
    writeFileSync(
      sealedFile,
      expectOk(await ks(kcUser, [], secretYaml('by-user', undefined, { a: 'b' })), 'kubeseal'),
    );
    expect(await ks(kcUser, ['--validate', '-f', sealedFile])).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('--re-encrypt after a key renewal (SIGUSR1) yields ciphertext the NEW key decrypts and the controller unseals', async () => {
    const oldKey = await latestKey();
    const data = { password: 'rotate-me', other: 'kept' };
    const file = join(dir, 'rotate.json');
    writeFileSync(
      file,
      expectOk(await ks(kcContextNs, [], secretYaml('rotated', undefined, data)), 'kubeseal'),
    );
    const before = JSON.parse(readFileSync(file, 'utf8')) as SealedSecret;

    process.kill(controller.pid, 'SIGUSR1');
    const newKey = await waitFor(
      async () => {
        const keys = await keySecrets(ns);
        const latest = keys.at(-1);
        return keys.length >= 2 && latest?.metadata.name !== oldKey.metadata.name ? latest : undefined;
      },
      { description: 'a key generated on SIGUSR1' },
    );
    await waitFor(async () => (await controller.certPem()) === secretText(newKey, 'tls.crt'), {
      description: 'the controller to serve the new certificate',
    });

    const res = await ks(kcDefault, ['--re-encrypt', '-f', file, '-w', join(dir, 'rotated.json')]);
    expect(res).toEqual({ code: 0, stdout: '', stderr: '' });
    const after = JSON.parse(readFileSync(join(dir, 'rotated.json'), 'utf8')) as SealedSecret;
    expect(after).toMatchObject({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 'rotated', namespace: ns },
    });
    expect(Object.keys(after.spec.encryptedData ?? {}).sort()).toEqual(['other', 'password']);
    const label = `${ns}/rotated`;
    const newPem = secretText(newKey, 'tls.key');
    const oldPem = secretText(oldKey, 'tls.key');
    for (const [item, value] of Object.entries(data)) {
      expect(after.spec.encryptedData?.[item]).not.toBe(before.spec.encryptedData?.[item]);
      expect(decryptValue(newPem, label, after.spec.encryptedData?.[item] ?? '').toString()).toBe(value);
      expect(() => decryptValue(oldPem, label, after.spec.encryptedData?.[item] ?? '')).toThrow();
    }
    await expectUnsealed(after, data);
  });
});
