import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreApi, createTestNamespace, kubeEndpoint, kubeRequest } from '../../helpers/index.js';
import {
  decode,
  getSealedSecret,
  getSecret,
  waitForSynced,
  type SealedSecret,
} from '../controller/support.js';
import {
  applySealedSecret,
  decryptValue,
  expectOk,
  keySecrets,
  kubeseal,
  secretText,
  startOurController,
  writeKubeconfigFile,
  type CliResult,
  type ProxiedController,
} from '../kubeseal/support.js';
import {
  UPSTREAM_BUILD_TIMEOUT_MS,
  defaultUpstreamVersion,
  goKubeseal,
  startGoController,
  upstreamBinaries,
} from './upstream.js';

// The behaviour that changed upstream between v0.36.6 and v0.40.0 (addendum §1, §2, §3.1), side by side: the same
// inputs go to the Go controller (the oracle, one namespace) and to ours (another namespace). Each case first
// pins what the Go controller answers (the addendum's v0.40.0 column, so a wrong oracle shows), then expects
// ours to answer the same. Both run with a generous verify/rotate rate limit: rate limiting has its own tests.

interface Side {
  name: 'go' | 'ours';
  ns: string;
  controller: ProxiedController;
  kubeconfig: string;
  certFile: string;
}

let dir: string;
let go: Side;
let ours: Side;

const LIMITS = ['--key-renew-period', '0', '--rate-limit', '1000', '--rate-limit-burst', '1000'];

beforeAll(async () => {
  await upstreamBinaries();
  dir = mkdtempSync(join(tmpdir(), 'ssts-interop-v040-'));
  const start = async (name: Side['name']): Promise<Side> => {
    const ns = await createTestNamespace({ prefix: `interop-v040-${name}-`, deleteAfterTest: false });
    const controller =
      name === 'go'
        ? await startGoController(ns, { args: LIMITS })
        : await startOurController(ns, { args: LIMITS });
    const certFile = join(dir, `${name}.crt`);
    writeFileSync(certFile, await controller.certPem());
    return { name, ns, controller, kubeconfig: writeKubeconfigFile(dir, `${name}.kubeconfig`), certFile };
  };
  go = await start('go');
  ours = await start('ours');
}, UPSTREAM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  for (const side of [go, ours]) {
    if (side === undefined) continue;
    await side.controller.stop();
    await coreApi()
      .deleteNamespace({ name: side.ns })
      .catch(() => undefined);
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const ENCRYPTED = { password: 'hunter2', shared: 'from-encrypted', foo: 'bar' };

/** A SealedSecret `name` in the side's namespace holding ENCRYPTED, sealed offline with the side's certificate. */
async function sealed(side: Side, name: string): Promise<SealedSecret> {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: side.ns },
    type: 'Opaque',
    stringData: ENCRYPTED,
  };
  const out = await kubeseal(['--cert', side.certFile], { input: JSON.stringify(secret) });
  return JSON.parse(expectOk(out, 'kubeseal')) as SealedSecret;
}

function withTemplateData(ss: SealedSecret, data: Record<string, string | null>): SealedSecret {
  const copy = structuredClone(ss);
  copy.spec.template = { ...copy.spec.template, data } as NonNullable<typeof copy.spec.template>;
  return copy;
}

async function post(side: Side, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return kubeRequest(kubeEndpoint(), 'POST', side.controller.exposure.proxyPath(path), { body });
}

/** Runs `fn` against the Go controller, checks its answer against `oracle`, then expects ours to answer the same. */
async function sameOnBoth<T>(fn: (side: Side) => Promise<T>, oracle: (goAnswer: T) => void): Promise<void> {
  const fromGo = await fn(go);
  oracle(fromGo);
  expect(await fn(ours)).toEqual(fromGo);
}

describe(`Go controller v${defaultUpstreamVersion()} and ours, side by side`, () => {
  it('both answer /readyz with 200 "ok" once started (v0.39.0, addendum §3.1)', async () => {
    await sameOnBoth(
      async (side) => {
        const res = await kubeRequest(kubeEndpoint(), 'GET', side.controller.exposure.proxyPath('/readyz'));
        return { status: res.status, body: res.body };
      },
      (fromGo) => expect(fromGo).toEqual({ status: 200, body: 'ok\n' }),
    );
  });

  it('template semantics in the cluster (v0.37/v0.40, addendum §2.1, §2.2): plaintext entries are raw variables, decrypted items win, the API server prunes null', async () => {
    const template = {
      username: 'myUsername',
      settings: '<u>{{ .username }}</u><p>{{ .password }}</p>',
      shared: 'from-plaintext',
      out: '{{ .shared }}',
      a: '{{ "x" }}',
      b: '{{ .a }}',
      foo: null,
    };
    await sameOnBoth(
      async (side) => {
        const ss = withTemplateData(await sealed(side, 'templated'), template);
        await applySealedSecret(ss);
        // kubectl create semantics: the API server drops the null before any controller sees it (§2.2 caveat).
        const stored = await getSealedSecret(side.ns, 'templated');
        expect(stored?.spec.template?.data).not.toHaveProperty('foo');
        const synced = await waitForSynced(side.ns, 'templated', (c) => c.status !== 'Unknown', 45_000);
        const condition = synced.status?.conditions?.[0];
        expect(condition?.status, `${side.name}: ${condition?.message ?? ''}`).toBe('True');
        return decode((await getSecret(side.ns, 'templated'))?.data);
      },
      (fromGo) =>
        expect(fromGo).toEqual({
          password: 'hunter2',
          shared: 'from-encrypted',
          foo: 'bar',
          username: 'myUsername',
          settings: '<u>myUsername</u><p>hunter2</p>',
          out: 'from-encrypted',
          a: 'x',
          b: '{{ "x" }}',
        }),
    );
  });

  it('a failing template named like an encryptedData item still fails the unseal, although its output would be discarded', async () => {
    await sameOnBoth(
      async (side) => {
        await applySealedSecret(
          withTemplateData(await sealed(side, 'shadowed'), { shared: '{{ fail "boom" }}' }),
        );
        const synced = await waitForSynced(side.ns, 'shadowed', (c) => c.status !== 'Unknown', 45_000);
        return {
          status: synced.status?.conditions?.[0]?.status,
          secret: (await getSecret(side.ns, 'shadowed')) === undefined ? 'absent' : 'present',
        };
      },
      (fromGo) => expect(fromGo).toEqual({ status: 'False', secret: 'absent' }),
    );
  });

  // Addendum §1.1: the table "Observed on both versions", v0.40.0 column.
  const RIGHT_GUESS = '{{ if eq .password "hunter2" }}{{ fail "match" }}{{ end }}';
  const VERIFY_ROWS: [string, (ss: SealedSecret) => SealedSecret, number][] = [
    ['untouched', (ss) => ss, 200],
    ['+ a template that always calls fail', (ss) => withTemplateData(ss, { probe: '{{ fail "x" }}' }), 200],
    ['+ a template that does not parse', (ss) => withTemplateData(ss, { probe: '{{ .password ' }), 200],
    ['+ a probe that fails on the right guess', (ss) => withTemplateData(ss, { probe: RIGHT_GUESS }), 200],
    [
      '+ the same probe with a wrong guess',
      (ss) => withTemplateData(ss, { probe: RIGHT_GUESS.replace('hunter2', 'hunter3') }),
      200,
    ],
    ['metadata.name changed', (ss) => ({ ...ss, metadata: { ...ss.metadata, name: 'other' } }), 409],
    [
      'an encryptedData value that is not base64',
      (ss) => ({ ...ss, spec: { ...ss.spec, encryptedData: { ...ss.spec.encryptedData, foo: '!!' } } }),
      409,
    ],
    [
      'encryptedData {} plus a template that calls fail',
      (ss) =>
        withTemplateData({ ...ss, spec: { ...ss.spec, encryptedData: {} } }, { probe: '{{ fail "x" }}' }),
      200,
    ],
  ];

  it('/v1/verify never renders template.data (v0.39.0 security fix, addendum §1.1): the oracle table', async () => {
    await sameOnBoth(
      async (side) => {
        const ss = await sealed(side, 'verified');
        const codes: Record<string, number> = {};
        for (const [row, change] of VERIFY_ROWS)
          codes[row] = (await post(side, '/v1/verify', change(ss))).status;
        return codes;
      },
      (fromGo) => expect(fromGo).toEqual(Object.fromEntries(VERIFY_ROWS.map(([row, , code]) => [row, code]))),
    );
  });

  it('kubeseal --validate (Go and ours) accepts a SealedSecret whose template calls fail, on both controllers', async () => {
    const results: Record<string, CliResult> = {};
    for (const side of [go, ours]) {
      const ss = withTemplateData(await sealed(side, 'validated'), { probe: '{{ fail "x" }}' });
      const args = ['--kubeconfig', side.kubeconfig, '--controller-namespace', side.ns, '--validate'];
      results[`go kubeseal → ${side.name}`] = await goKubeseal(args, { input: JSON.stringify(ss) });
      results[`our kubeseal → ${side.name}`] = await kubeseal(args, { input: JSON.stringify(ss) });
    }
    const ok = { code: 0, stdout: '', stderr: '' };
    expect(results).toEqual({
      'go kubeseal → go': ok,
      'our kubeseal → go': ok,
      'go kubeseal → ours': ok,
      'our kubeseal → ours': ok,
    });
  });

  it('/v1/rotate decrypts without the template (v0.40.0, addendum §1.2): 200 despite fail, no template.data and no derived key in the answer', async () => {
    await sameOnBoth(
      async (side) => {
        const input = withTemplateData(await sealed(side, 'rotated'), {
          dsn: 'postgres://app:{{ .password }}@db',
          probe: '{{ fail "x" }}',
        });
        input.spec.template = { ...input.spec.template, type: 'Opaque' };
        const res = await post(side, '/v1/rotate', input);
        if (res.status !== 200) return { status: res.status, body: res.body };
        const answer = JSON.parse(res.body) as SealedSecret;
        const key = secretText((await keySecrets(side.ns)).at(-1), 'tls.key');
        const plain = Object.fromEntries(
          Object.entries(answer.spec.encryptedData ?? {}).map(([k, v]) => [
            k,
            decryptValue(key, `${side.ns}/rotated`, v).toString(),
          ]),
        );
        return {
          status: res.status,
          plain,
          template: {
            ...answer.spec.template,
            metadata: { ...answer.spec.template?.metadata, namespace: '<ns>' },
          },
        };
      },
      (fromGo) =>
        expect(fromGo).toEqual({
          status: 200,
          plain: ENCRYPTED,
          template: { metadata: { name: 'rotated', namespace: '<ns>' }, type: 'Opaque' },
        }),
    );
  });
});
