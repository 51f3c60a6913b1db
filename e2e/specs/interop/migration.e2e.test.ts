import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreApi, createTestNamespace, waitFor } from '../../helpers/index.js';
import {
  deleteSecret,
  eventsFor,
  getSealedSecret,
  getSecret,
  listSealedSecrets,
  waitForSynced,
  type SealedSecret,
  type Secret,
} from '../controller/support.js';
import {
  applySealedSecret,
  expectOk,
  keySecrets,
  kubeseal,
  secretText,
  startOurController,
  writeKubeconfigFile,
  type ProxiedController,
} from '../kubeseal/support.js';
import {
  MIGRATION_FROM_VERSION,
  UPSTREAM_BUILD_TIMEOUT_MS,
  defaultUpstreamVersion,
  goKubeseal,
  startGoController,
  upstreamBinaries,
} from './upstream.js';

// A cluster switches controllers and loses nothing: it starts on the Go controller v0.36.6 (its own key, Secrets
// it unsealed from SealedSecrets that Go kubeseal v0.36.6 sealed), moves to ours in the same namespace with the
// same key Secret, then to the Go controller v0.40.0 with the keys as ours left them. Every controller runs with
// its default key renewal period (30 days), so a new key would mean a needless renewal.

const FROM = MIGRATION_FROM_VERSION;
const TO = defaultUpstreamVersion();

let ns: string;
let dir: string;
let kc: string;
let running: ProxiedController | undefined;

beforeAll(async () => {
  await Promise.all([upstreamBinaries(FROM), upstreamBinaries(TO)]);
  ns = await createTestNamespace({ prefix: 'interop-migrate-', deleteAfterTest: false });
  dir = mkdtempSync(join(tmpdir(), 'ssts-interop-migrate-'));
  kc = writeKubeconfigFile(dir, 'kubeconfig', { namespace: ns });
}, UPSTREAM_BUILD_TIMEOUT_MS);

afterAll(async () => {
  await running?.stop();
  if (ns !== undefined)
    await coreApi()
      .deleteNamespace({ name: ns })
      .catch(() => undefined);
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const BINARY = Buffer.from(Array.from({ length: 256 }, (_, i) => (i * 7) % 256));

/** Plaintext of every Secret the SealedSecrets of this test produce, by name. */
const EXPECTED: Record<string, Record<string, string>> = {};

function secretJson(name: string, stringData: Record<string, string>, withBinary = false): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: ns, labels: { migrated: 'yes' } },
    type: 'Opaque',
    stringData,
    ...(withBinary ? { data: { 'bin.dat': BINARY.toString('base64') } } : {}),
  });
}

/** Seals with `seal`, adds template.data when given, creates the SealedSecret, records what it must produce. */
async function sealAndApply(
  seal: (args: string[], input: string) => Promise<string>,
  name: string,
  options: { scope?: string; template?: Record<string, string> } = {},
): Promise<void> {
  const stringData = { user: `${name}-user`, password: `${name}-pw\nline 2` };
  const args = options.scope === undefined ? [] : ['--scope', options.scope];
  const ss = JSON.parse(await seal(args, secretJson(name, stringData, true))) as SealedSecret;
  ss.metadata.namespace = ns;
  if (options.template !== undefined)
    ss.spec.template = { ...ss.spec.template, data: options.template } as NonNullable<
      typeof ss.spec.template
    >;
  await applySealedSecret(ss);
  EXPECTED[name] = {
    ...stringData,
    'bin.dat': BINARY.toString('latin1'),
    ...(options.template === undefined ? {} : { dsn: `postgres://${name}-user@db` }),
  };
}

const goSeal =
  (version: string) =>
  async (args: string[], input: string): Promise<string> =>
    expectOk(
      await goKubeseal(['--kubeconfig', kc, '--controller-namespace', ns, ...args], { input }, version),
      `go kubeseal v${version}`,
    );

const ourSeal = async (args: string[], input: string): Promise<string> =>
  expectOk(
    await kubeseal(['--kubeconfig', kc, '--controller-namespace', ns, ...args], { input }),
    'kubeseal',
  );

/** Decoded Secret data as latin1 (binary-safe), for comparison with EXPECTED. */
const plain = (secret: Secret | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(secret?.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('latin1')]),
  );

/** Every SealedSecret Synced=True and every Secret exactly as sealed. */
async function expectAllUnsealed(controller: ProxiedController): Promise<void> {
  for (const name of Object.keys(EXPECTED)) {
    const ss = await waitForSynced(ns, name, (c) => c.status !== 'Unknown', 45_000);
    const condition = ss.status?.conditions?.find((c) => c.type === 'Synced');
    expect(
      condition?.status,
      `${name}: ${condition?.message ?? ''}\n${controller.exposure.logsTail(20)}`,
    ).toBe('True');
    expect(plain(await getSecret(ns, name)), name).toEqual(EXPECTED[name]);
  }
}

/** The sum of the `count`s of the "Unsealed" events of each SealedSecret. */
async function unsealedEventCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const ss of await listSealedSecrets(ns)) {
    const events = await eventsFor(ss);
    counts[ss.metadata.name ?? ''] = events
      .filter((e) => e.reason === 'Unsealed')
      .reduce((sum, e) => sum + (e.count ?? 1), 0);
  }
  return counts;
}

/** Waits until the running controller has unsealed every SealedSecret once more than `before` counted. */
async function waitForEveryUnsealAgain(before: Record<string, number>, who: string): Promise<void> {
  await waitFor(
    async () => {
      const now = await unsealedEventCounts();
      return Object.keys(EXPECTED).every((name) => (now[name] ?? 0) > (before[name] ?? 0));
    },
    { timeoutMs: 60_000, description: `${who} to unseal every SealedSecret again` },
  );
}

interface KeyState {
  name: string;
  resourceVersion: string;
  crt: string;
}

const keyState = async (): Promise<KeyState[]> =>
  (await keySecrets(ns)).map((k) => ({
    name: k.metadata.name ?? '',
    resourceVersion: k.metadata.resourceVersion ?? '',
    crt: secretText(k, 'tls.crt'),
  }));

/** uid and data of the Secrets, to prove they were neither re-created nor rewritten. */
async function secretIdentities(): Promise<Record<string, { uid: string; data: Record<string, string> }>> {
  const out: Record<string, { uid: string; data: Record<string, string> }> = {};
  for (const name of Object.keys(EXPECTED)) {
    const secret = await getSecret(ns, name);
    out[name] = { uid: secret?.metadata.uid ?? '', data: secret?.data ?? {} };
  }
  return out;
}

/** Deletes the Secret of `name` and waits for the running controller to re-create it from its SealedSecret. */
async function expectRecreated(name: string): Promise<void> {
  const old = await getSecret(ns, name);
  await deleteSecret(ns, name);
  const fresh = await waitFor(
    async () => {
      const s = await getSecret(ns, name);
      return s !== undefined && s.metadata.uid !== old?.metadata.uid ? s : undefined;
    },
    { timeoutMs: 45_000, description: `${name} to be re-created from its SealedSecret` },
  );
  expect(plain(fresh)).toEqual(EXPECTED[name]);
  const owner = fresh.metadata.ownerReferences?.[0];
  expect(owner).toMatchObject({ kind: 'SealedSecret', name, controller: true });
  expect(owner?.uid).toBe((await getSealedSecret(ns, name))?.metadata.uid);
}

let originalKeys: KeyState[];

describe(`migration: Go controller v${FROM} → ours → Go controller v${TO}, same namespace and key Secrets`, () => {
  it(`v${FROM}: the Go controller generates its key and unseals what Go kubeseal v${FROM} sealed`, async () => {
    running = await startGoController(ns, { version: FROM });
    originalKeys = await waitFor(async () => {
      const keys = await keyState();
      return keys.length > 0 ? keys : undefined;
    });
    expect(originalKeys).toHaveLength(1);
    expect(await running.certPem()).toBe(originalKeys[0]?.crt);

    await sealAndApply(goSeal(FROM), 'strict');
    await sealAndApply(goSeal(FROM), 'wide', { scope: 'namespace-wide' });
    await sealAndApply(goSeal(FROM), 'cluster', { scope: 'cluster-wide' });
    // A template whose output is the same under the v0.36 and the v0.37+ rules (no name clash, no plaintext input).
    await sealAndApply(goSeal(FROM), 'templated', { template: { dsn: 'postgres://{{ .user }}@db' } });
    await expectAllUnsealed(running);
    await running.stop();
    running = undefined;
  }, 180_000);

  it('ours takes over: the same key and no new one, the Secrets untouched, every SealedSecret unsealed again, new ones too', async () => {
    const secretsBefore = await secretIdentities();
    const eventsBefore = await unsealedEventCounts();
    running = await startOurController(ns);
    expect(await running.certPem()).toBe(originalKeys[0]?.crt);
    await waitForEveryUnsealAgain(eventsBefore, 'our controller');
    await expectAllUnsealed(running);
    // Not re-created and not rewritten: same uid, same bytes.
    expect(await secretIdentities()).toEqual(secretsBefore);
    // The key Secret is read as it is: no renewal (not due), not even an update.
    expect(await keyState()).toEqual(originalKeys);

    await expectRecreated('strict');
    await sealAndApply(ourSeal, 'ours-strict');
    await sealAndApply(ourSeal, 'ours-wide', { scope: 'namespace-wide' });
    await expectAllUnsealed(running);
    expect(await keyState()).toEqual(originalKeys);
    await running.stop();
    running = undefined;
  }, 180_000);

  it(`back to the Go controller v${TO}: it reads the keys as ours left them and unseals everything`, async () => {
    const secretsBefore = await secretIdentities();
    const eventsBefore = await unsealedEventCounts();
    running = await startGoController(ns, { version: TO });
    expect(await running.certPem()).toBe(originalKeys[0]?.crt);
    await waitForEveryUnsealAgain(eventsBefore, `the Go controller v${TO}`);
    await expectAllUnsealed(running);
    expect(await secretIdentities()).toEqual(secretsBefore);
    expect(await keyState()).toEqual(originalKeys);

    await expectRecreated('ours-strict');
    await sealAndApply(goSeal(TO), `go-${TO.replaceAll('.', '-')}`);
    await expectAllUnsealed(running);
    expect(await keyState()).toEqual(originalKeys);
  }, 180_000);
});
