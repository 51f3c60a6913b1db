import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { e2eCluster, kubeEndpoint, kubeJson, waitFor } from '../../helpers/index.js';
import { getSecret, waitForSynced, type SealedSecret } from '../controller/support.js';
import {
  firstContactNotice,
  applySealedSecret,
  decryptValue,
  expectOk,
  keySecrets,
  kubeseal,
  secretText,
  useOurController,
  writeKubeconfigFile,
  type CliResult,
  type ProxiedController,
} from '../kubeseal/support.js';
import { UPSTREAM_BUILD_TIMEOUT_MS, goKubeseal, upstreamBinaries } from './upstream.js';

// The upstream Go kubeseal (v0.40.0 by default, see upstream.ts) against OUR controller behind the service proxy,
// and Go kubeseal as an oracle for our kubeseal: same input, same certificate, same controller → the same output
// apart from the (randomized) ciphertexts, the same error texts and exit codes.

let ns: string;
let controller: ProxiedController;
let dir: string;
let kc: string;
let certFile: string;

const fixture = useOurController('interop-goks-', { args: ['--key-renew-period', '0'] });

beforeAll(async () => {
  await upstreamBinaries();
  ({ ns, controller, dir } = fixture);
  kc = writeKubeconfigFile(dir, 'kubeconfig', { namespace: ns });
  certFile = join(dir, 'cert.pem');
  writeFileSync(certFile, await controller.certPem());
}, UPSTREAM_BUILD_TIMEOUT_MS);

const common = () => ['--kubeconfig', kc, '--controller-namespace', ns];
const go = (args: readonly string[], input?: string) =>
  goKubeseal([...common(), ...args], input === undefined ? {} : { input });
const ours = (args: readonly string[], input?: string) =>
  kubeseal([...common(), ...args], input === undefined ? {} : { input });

/** Both CLIs on the same arguments and input. */
async function both(args: readonly string[], input?: string): Promise<{ go: CliResult; ours: CliResult }> {
  return { go: await go(args, input), ours: await ours(args, input) };
}

/** Ciphertexts are randomized: replace every long base64 run so outputs can be compared as text. */
const scrub = (text: string): string => text.replace(/[A-Za-z0-9+/]{100,}={0,2}/g, '<ciphertext>');

const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i));

const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata:
  name: app
  labels:
    app: interop
  annotations:
    team: "a&b <c>"
    kubectl.kubernetes.io/last-applied-configuration: "{}"
type: Opaque
data:
  bin.dat: ${BINARY.toString('base64')}
stringData:
  password: "s3cr3t <&> \\"quoted\\""
  config.json: '{"a": [1, 2], "b": "é"}'
`;

const EXPECTED = {
  'bin.dat': BINARY.toString('base64'),
  password: Buffer.from('s3cr3t <&> "quoted"').toString('base64'),
  'config.json': Buffer.from('{"a": [1, 2], "b": "é"}').toString('base64'),
};

async function expectWeUnseal(ss: SealedSecret, expectedData: Record<string, string>): Promise<void> {
  const name = ss.metadata.name ?? '';
  await applySealedSecret(ss);
  const synced = await waitForSynced(ns, name, (c) => c.status !== 'Unknown');
  expect(synced.status?.conditions?.[0], controller.exposure.logsTail(20)).toMatchObject({ status: 'True' });
  expect((await getSecret(ns, name))?.data).toEqual(expectedData);
}

async function latestKey() {
  const latest = (await keySecrets(ns)).at(-1);
  if (latest === undefined) throw new Error('our controller has no key Secret');
  return latest;
}

describe('upstream Go kubeseal against our controller', () => {
  it('--fetch-cert through the proxy: Go kubeseal gets our latest key certificate, like ours', async () => {
    // Our first contact pins the certificate with a notice (issue 14; Go kubeseal pins nothing): then equal.
    expect((await ours(['--fetch-cert'])).stderr).toMatch(firstContactNotice(ns));
    const { go: g, ours: o } = await both(['--fetch-cert']);
    expect(g).toEqual({ code: 0, stdout: secretText(await latestKey(), 'tls.crt'), stderr: '' });
    expect(o).toEqual(g);
  });

  it('Go kubeseal --cert <our cert> seals; our controller unseals exactly the data', async () => {
    const out = expectOk(await go(['--cert', certFile], SECRET_YAML), 'go kubeseal');
    const ss = JSON.parse(out) as SealedSecret;
    expect(ss.metadata.namespace).toBe(ns);
    await expectWeUnseal(ss, EXPECTED);
    const secret = await getSecret(ns, 'app');
    expect(secret?.metadata.labels).toEqual({ app: 'interop' });
    expect(secret?.metadata.annotations).toEqual({ team: 'a&b <c>' });
  });

  it.each(['namespace-wide', 'cluster-wide'])(
    'Go kubeseal online (cert through the proxy) with --scope %s; our controller unseals it renamed',
    async (scope) => {
      const out = expectOk(await go(['--scope', scope, '-n', ns], SECRET_YAML), 'go kubeseal');
      const ss = JSON.parse(out) as SealedSecret;
      // Even with -n, a cluster-wide SealedSecret carries no namespace (compat §6.5 step 4).
      expect(ss.metadata.namespace).toBe(scope === 'cluster-wide' ? undefined : ns);
      ss.metadata = { ...ss.metadata, name: `go-${scope}`, namespace: ns };
      await expectWeUnseal(ss, EXPECTED);
    },
  );

  it('Go kubeseal --raw values are unsealed by our controller', async () => {
    const value = expectOk(
      await go(['--raw', '--name', 'go-raw', '-n', ns], 'raw value'),
      'go kubeseal --raw',
    );
    await expectWeUnseal(
      {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        metadata: { name: 'go-raw', namespace: ns },
        spec: { encryptedData: { value }, template: { metadata: { name: 'go-raw', namespace: ns } } },
      },
      { value: Buffer.from('raw value').toString('base64') },
    );
  });

  it('Go kubeseal --validate against our controller: ok when fresh, the upstream error after renaming', async () => {
    const out = expectOk(await go([], SECRET_YAML.replace('name: app', 'name: validated')), 'go kubeseal');
    const fresh = await both(['--validate'], out);
    expect(fresh.go).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(fresh.ours).toEqual(fresh.go);
    const renamed = JSON.parse(out) as SealedSecret;
    renamed.metadata.name = 'renamed';
    const bad = await both(['--validate'], JSON.stringify(renamed));
    expect(bad.go).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error: unable to decrypt sealed secret: renamed\n',
    });
    expect(bad.ours).toEqual(bad.go);
  });

  it('our kubeseal output equals Go kubeseal output (JSON and YAML) apart from the ciphertexts', async () => {
    for (const args of [
      ['-o', 'json'],
      ['-o', 'yaml'],
      ['--scope', 'namespace-wide', '-o', 'yaml'],
      ['--scope', 'cluster-wide', '-n', ns],
    ]) {
      const r = await both(['--cert', certFile, ...args], SECRET_YAML);
      expect(r.go.code).toBe(0);
      expect(r.ours.stderr).toBe(r.go.stderr);
      expect(scrub(r.ours.stdout)).toBe(scrub(r.go.stdout));
    }
    // Go decrypts ours and we decrypt Go's (with the controller key), item by item.
    const key = secretText(await latestKey(), 'tls.key');
    const r = await both(['--cert', certFile], SECRET_YAML);
    for (const out of [r.go.stdout, r.ours.stdout]) {
      const ss = JSON.parse(out) as SealedSecret;
      expect(decryptValue(key, `${ns}/app`, ss.spec.encryptedData?.['password'] ?? '').toString()).toBe(
        's3cr3t <&> "quoted"',
      );
    }
  });

  it('missing controller Service: Go and ours print the same error and exit code', async () => {
    const r = await both(['--controller-name', 'missing', '--fetch-cert']);
    expect(r.go.code).toBe(1);
    expect(r.go.stderr).toMatch(/^error: cannot get sealed secret service: services "missing" not found/);
    expect(r.ours).toEqual(r.go);
  });

  it('RBAC failures (no access to the Service, then none to services/proxy): the same errors as Go', async () => {
    const token = e2eCluster().tokens['e2e-user'];
    if (token === undefined) throw new Error('no e2e-user token');
    const kcUser = writeKubeconfigFile(dir, 'kubeconfig-user', { token, namespace: ns });
    const asUser = ['--kubeconfig', kcUser, '--controller-namespace', ns, '--fetch-cert'];
    const noService = { go: await goKubeseal(asUser), ours: await kubeseal(asUser) };
    expect(noService.go.code).toBe(1);
    expect(noService.go.stderr).toContain(
      `services "sealed-secrets-controller" is forbidden: User "e2e-user" cannot get resource "services"`,
    );
    expect(noService.ours).toEqual(noService.go);

    const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}`;
    await kubeJson(kubeEndpoint(), 'POST', `${rbac}/roles`, {
      body: {
        metadata: { name: 'service-reader' },
        rules: [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }],
      },
    });
    await kubeJson(kubeEndpoint(), 'POST', `${rbac}/rolebindings`, {
      body: {
        metadata: { name: 'service-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'service-reader' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'e2e-user' }],
      },
    });
    const noProxy = await waitFor(
      async () => {
        const res = await goKubeseal(asUser);
        return res.stderr.includes('services/proxy') ? res : undefined;
      },
      { description: 'the RoleBinding to take effect' },
    );
    expect(noProxy.code).toBe(1);
    expect(noProxy.stderr).toMatch(/^error: cannot fetch certificate: /);
    expect(await kubeseal(asUser)).toEqual(noProxy);
  });

  it('Go kubeseal --re-encrypt after our key renewal (SIGUSR1): the new key decrypts it, our controller unseals it', async () => {
    const oldKey = await latestKey();
    const sealed = expectOk(await go([], SECRET_YAML.replace('name: app', 'name: rotated')), 'go kubeseal');
    const input = join(dir, 'rotated.json');
    writeFileSync(input, sealed);

    process.kill(controller.pid, 'SIGUSR1');
    const newKey = await waitFor(
      async () => {
        const latest = await latestKey();
        return latest.metadata.name !== oldKey.metadata.name ? latest : undefined;
      },
      { description: 'a key generated on SIGUSR1' },
    );
    await waitFor(async () => (await controller.certPem()) === secretText(newKey, 'tls.crt'), {
      description: 'our controller to serve the new certificate',
    });

    const r = await both(['--re-encrypt', '-o', 'json'], sealed);
    expect(r.go.stderr).toBe('');
    expect(r.go.code).toBe(0);
    // Our kubeseal's re-encrypt output is shaped like Go's.
    expect(scrub(r.ours.stdout)).toBe(scrub(r.go.stdout));
    const after = JSON.parse(r.go.stdout) as SealedSecret;
    const label = `${ns}/rotated`;
    for (const [item, value] of Object.entries(after.spec.encryptedData ?? {})) {
      expect(decryptValue(secretText(newKey, 'tls.key'), label, value).toString('base64')).toBe(
        EXPECTED[item as keyof typeof EXPECTED],
      );
      expect(() => decryptValue(secretText(oldKey, 'tls.key'), label, value)).toThrow();
    }
    expect(readFileSync(input, 'utf8')).toBe(sealed);
    await expectWeUnseal(after, EXPECTED);
  });
});
