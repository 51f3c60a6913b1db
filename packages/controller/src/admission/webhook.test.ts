import * as crypto from 'node:crypto';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  ANNOTATION_SEALED_FOR,
  KeyRing,
  keysDecryptor,
  publicKeyFingerprint,
  sealSecret,
  withScopeAnnotations,
  withSealHints,
  type KeyEntry,
  type SealedSecret,
  type Scope,
  type ValueDecryptor,
} from '@ssts/core';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/manual-clock.js';
import { GcraLimiter } from '../http/rate-limiter.js';
import { probeValue } from './oaep-probe.js';
import { AdmissionWebhook, DIAGNOSIS_RSA_BUDGET, type ReviewResult, type WebhookDeps } from './webhook.js';

function keyEntry(bits: number, orderingTime: number): KeyEntry & { publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    fingerprint: publicKeyFingerprint(publicKey),
    privateKey,
    publicKey,
    certificate: { pem: '', publicKey, notBefore: new Date(0), notAfter: new Date(0) },
    orderingTime: new Date(orderingTime),
  };
}

// Two keys of the controller (the older sealed most objects) and one of "another cluster".
const older = keyEntry(1024, 1);
const newer = keyEntry(1024, 2);
const foreign = keyEntry(1024, 3);
const foreign2048 = keyEntry(2048, 4);
const ring = KeyRing.of([older, newer]);

function sealed(
  namespace: string,
  name: string,
  options: {
    scope?: Scope;
    key?: KeyObject;
    data?: Record<string, string>;
    templateData?: Record<string, string>;
  } = {},
): SealedSecret {
  const ss = sealSecret(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace, annotations: withScopeAnnotations({}, options.scope ?? 'strict') },
      data: Object.fromEntries(
        Object.entries(options.data ?? { username: 'admin', password: 'hunter2' }).map(([k, v]) => [
          k,
          Buffer.from(v).toString('base64'),
        ]),
      ),
    },
    { publicKey: options.key ?? older.publicKey },
  );
  if (options.templateData !== undefined) {
    ss.spec.template = { ...ss.spec.template, data: options.templateData };
  }
  return { ...ss, apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' };
}

/** Moves a SealedSecret as `kubectl apply` of an edited file would: top-level metadata only. */
function at(ss: SealedSecret, namespace: string, name = ss.metadata.name ?? ''): SealedSecret {
  return { ...ss, metadata: { ...ss.metadata, namespace, name } };
}

function reviewOf(
  ss: SealedSecret,
  options: { operation?: string; old?: SealedSecret; user?: string; uid?: string; subResource?: string } = {},
): object {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: 'bitnami.com', version: 'v1alpha1', kind: 'SealedSecret' },
      resource: { group: 'bitnami.com', version: 'v1alpha1', resource: 'sealedsecrets' },
      ...(options.subResource !== undefined && { subResource: options.subResource }),
      name: ss.metadata.name,
      namespace: ss.metadata.namespace,
      operation: options.operation ?? 'CREATE',
      userInfo: { username: options.user ?? 'alice', groups: ['system:authenticated'] },
      object: ss,
      oldObject: options.old ?? null,
      dryRun: false,
    },
  };
}

interface Harness {
  webhook: AdmissionWebhook;
  clock: ManualClock;
  results: ReviewResult[];
  probes: () => number;
}

function harness(overrides: Partial<WebhookDeps> = {}): Harness {
  const clock = new ManualClock();
  const results: ReviewResult[] = [];
  let probes = 0;
  const webhook = new AdmissionWebhook({
    decryptorFor: () => keysDecryptor(ring.all()),
    acceptDeprecatedV1Data: true,
    keys: () => ring,
    probe: (blob, order) => {
      probes++;
      const keys = order.flatMap((fp) => ring.all().filter((k) => k.fingerprint === fp));
      return Promise.resolve(
        probeValue(
          crypto,
          keys.map((k) => ({ fingerprint: k.fingerprint, key: k.privateKey, bytes: 128 })),
          blob,
        ),
      );
    },
    watches: () => true,
    limiter: new GcraLimiter({ ratePerSecond: 1000, burst: 1000, now: () => clock.now() }),
    decisionTimeoutMs: 5000,
    maxInFlight: 4,
    clock,
    log: pino({ level: 'silent' }),
    onReview: (result) => results.push(result),
    ...overrides,
  });
  return { webhook, clock, results, probes: () => probes };
}

interface Response {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason: string; message: string };
  warnings?: string[];
}

async function review(h: Harness, body: object): Promise<Response> {
  const answer = await h.webhook.review(body);
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.message}`);
  const envelope = answer.body as { apiVersion: string; kind: string; response: Response };
  expect([envelope.apiVersion, envelope.kind]).toEqual(['admission.k8s.io/v1', 'AdmissionReview']);
  return envelope.response;
}

async function denial(ss: SealedSecret, options: Parameters<typeof reviewOf>[1] = {}): Promise<string> {
  const response = await review(harness(), reviewOf(ss, options));
  expect(response.allowed).toBe(false);
  expect(response.status?.code).toBe(422);
  expect(response.status?.reason).toBe('Invalid');
  return response.status?.message ?? '';
}

describe('admits what the controller can unseal', () => {
  it('in each scope, sealed with either key, and answers with the request uid', async () => {
    const h = harness();
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
      for (const key of [older, newer]) {
        const response = await review(
          h,
          reviewOf(sealed('web', 'db', { scope, key: key.publicKey }), { uid: 'u-1' }),
        );
        expect(response).toEqual({ uid: 'u-1', allowed: true });
      }
    }
    expect(h.results).toEqual(Array(6).fill('allowed'));
    expect(h.probes()).toBe(0);
  });

  it('a cluster-wide SealedSecret in another namespace and a renamed namespace-wide one', async () => {
    const h = harness();
    expect((await review(h, reviewOf(at(sealed('a', 'db', { scope: 'cluster-wide' }), 'b')))).allowed).toBe(
      true,
    );
    expect(
      (await review(h, reviewOf(at(sealed('a', 'db', { scope: 'namespace-wide' }), 'a', 'x')))).allowed,
    ).toBe(true);
  });
});

describe('refuses, saying for what each value was sealed', () => {
  it('moved to another namespace: the template names the namespace it was sealed for', async () => {
    expect(await denial(at(sealed('prod', 'db'), 'staging'))).toBe(
      'spec.encryptedData["password"] and ["username"]: sealed for prod/db (strict scope), but this SealedSecret ' +
        'is staging/db (strict scope) (moved from namespace "prod"); seal it again for staging/db (or seal it ' +
        'cluster-wide to use it in any namespace)',
    );
  });

  it('renamed, and moved and renamed', async () => {
    expect(await denial(at(sealed('web', 'db'), 'web', 'db2'))).toBe(
      'spec.encryptedData["password"] and ["username"]: sealed for web/db (strict scope), but this SealedSecret ' +
        'is web/db2 (strict scope) (renamed from "db"); seal it again for web/db2 (or seal it namespace-wide to ' +
        'allow renames)',
    );
    expect(await denial(at(sealed('prod', 'db'), 'staging', 'db2'))).toContain(
      'sealed for prod/db (strict scope), but this SealedSecret is staging/db2 (strict scope) (moved from ' +
        'namespace "prod", renamed from "db")',
    );
  });

  it('a namespace-wide SealedSecret moved to another namespace', async () => {
    const ss = at(sealed('prod', 'db', { scope: 'namespace-wide' }), 'staging');
    expect(await denial(ss)).toContain(
      'sealed for namespace prod (namespace-wide scope), but this SealedSecret is staging/db (namespace-wide ' +
        'scope) (moved from namespace "prod")',
    );
  });

  it('scope annotations dropped or changed after sealing: says which annotation would make it unseal', async () => {
    const dropped = sealed('web', 'db', { scope: 'cluster-wide' });
    dropped.metadata.annotations = {};
    expect(await denial(dropped)).toBe(
      'spec.encryptedData["password"] and ["username"]: sealed for any namespace (cluster-wide scope), but this ' +
        'SealedSecret is web/db (strict scope) (its scope annotations say strict); set the annotation ' +
        'sealedsecrets.bitnami.com/cluster-wide: "true", or seal it again as strict',
    );
    const widened = sealed('web', 'db');
    widened.metadata.annotations = withScopeAnnotations({}, 'namespace-wide');
    expect(await denial(widened)).toContain(
      'sealed for web/db (strict scope), but this SealedSecret is web/db (namespace-wide scope) (its scope ' +
        'annotations say namespace-wide); remove the scope annotations',
    );
  });

  it('moved with the template edited to match: our key, but a label it cannot name', async () => {
    const ss = at(sealed('prod', 'db'), 'staging');
    ss.spec.template = {
      ...ss.spec.template,
      metadata: { ...ss.spec.template?.metadata, namespace: 'staging' },
    };
    expect(await denial(ss)).toBe(
      'spec.encryptedData["password"] and ["username"]: sealed with this controller\'s key, but not for ' +
        'staging/db (strict scope) (OAEP label "staging/db"): the SealedSecret was moved, renamed or its scope ' +
        'changed after sealing, and its template does not say from where; seal it again for staging/db',
    );
  });

  it("moved with the template edited to match, but kubeseal's sealed-for seal hint names the target", async () => {
    const ss = at(withSealHints(sealed('prod', 'db'), older.fingerprint), 'staging');
    ss.spec.template = {
      ...ss.spec.template,
      metadata: { ...ss.spec.template?.metadata, namespace: 'staging' },
    };
    expect(await denial(ss)).toContain(
      'sealed for prod/db (strict scope), but this SealedSecret is staging/db',
    );
    // A hint that lies is only a candidate: the label hash decides.
    const lying = {
      ...ss,
      metadata: {
        ...ss.metadata,
        annotations: { ...ss.metadata.annotations, [ANNOTATION_SEALED_FOR]: 'strict qa/db' },
      },
    };
    expect(await denial(lying)).toContain("sealed with this controller's key, but not for staging/db");
  });

  it('sealed with another key: the sealed-with seal hint is quoted', async () => {
    const ss = withSealHints(sealed('web', 'db', { key: foreign.publicKey }), foreign.fingerprint);
    expect(await denial(ss)).toContain(
      `sealed with a key this controller does not have (its seal hint says ${foreign.fingerprint}) (none of its 2 ` +
        'keys decrypts it)',
    );
  });

  it('sealed with a key this controller does not have, of the same size and of another size', async () => {
    expect(await denial(sealed('web', 'db', { key: foreign.publicKey }))).toBe(
      'spec.encryptedData["password"] and ["username"]: sealed with a key this controller does not have (none of ' +
        'its 2 keys decrypts it): sealed for another cluster, or with a key that was removed; seal it again with ' +
        "this controller's certificate (kubeseal --fetch-cert)",
    );
    expect(await denial(sealed('web', 'db', { key: foreign2048.publicKey }))).toContain(
      'sealed with a 2048-bit key, and this controller has no key of that size (its 2 keys are 1024-bit): sealed ' +
        'for another cluster',
    );
  });

  it('an edited value (AES-GCM part) and values spliced from another SealedSecret', async () => {
    const ss = sealed('web', 'db');
    const value = Buffer.from(ss.spec.encryptedData['password'] ?? '', 'base64');
    value[value.length - 1] = (value[value.length - 1] ?? 0) ^ 1;
    ss.spec.encryptedData['password'] = value.toString('base64');
    expect(await denial(ss)).toBe(
      'spec.encryptedData["password"]: its RSA block was sealed with this controller\'s key for web/db (strict ' +
        'scope), but the rest of the value does not authenticate (AES-GCM): the value was edited or spliced from ' +
        'another one; seal it again',
    );
    // A value copied from another SealedSecret: sealed for that one's label, which the probe does not know.
    const spliced = sealed('web', 'db');
    spliced.spec.encryptedData['password'] = sealed('web', 'other').spec.encryptedData['password'] ?? '';
    expect(await denial(spliced)).toContain(
      'spec.encryptedData["password"]: sealed with this controller\'s key',
    );
  });

  it('bad base64 and truncated values, without trying any key', async () => {
    const ss = sealed('web', 'db');
    const value = ss.spec.encryptedData['password'] ?? '';
    ss.spec.encryptedData['password'] = value.slice(0, 100);
    ss.spec.encryptedData['username'] = `${value.slice(0, -4)}!!!!`;
    expect(await denial(ss)).toBe(
      'spec.encryptedData["password"]: truncated: its first two bytes give a 128-byte RSA block, but it has only ' +
        '75 bytes in all; spec.encryptedData["username"]: not valid base64 (illegal base64 data at input byte ' +
        `${value.length - 4}): a sealed value is standard base64 with = padding`,
    );
  });

  it('groups values by reason, names at most five, and keeps the good ones out of the message', async () => {
    const data = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, `v${i}`]));
    const ss = sealed('web', 'db', { data });
    const other = sealed('web', 'db', { data, key: foreign.publicKey });
    for (const k of ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']) {
      ss.spec.encryptedData[k] = other.spec.encryptedData[k] ?? '';
    }
    const message = await denial(ss);
    expect(message).toMatch(
      /^spec\.encryptedData\["k1"\], \["k2"\], \["k3"\], \["k4"\], \["k5"\] and 2 more: sealed with a key this/,
    );
    expect(message).not.toContain('"k0"');
  });

  it('stops diagnosing after the RSA budget and says so for the rest', async () => {
    const count = DIAGNOSIS_RSA_BUDGET / 2 + 5; // each unknown-key value costs 2 RSA operations (2 keys)
    const data = Object.fromEntries(
      Array.from({ length: count }, (_, i) => [`k${String(i).padStart(2, '0')}`, 'x']),
    );
    const h = harness();
    const response = await review(h, reviewOf(sealed('web', 'db', { data, key: foreign.publicKey })));
    expect(h.probes()).toBe(DIAGNOSIS_RSA_BUDGET / 2);
    expect(response.status?.message).toContain(
      'spec.encryptedData["k32"], ["k33"], ["k34"], ["k35"] and ["k36"]: does not decrypt for web/db (strict ' +
        'scope); not diagnosed further (the webhook tries at most 64 RSA operations per request)',
    );
  });

  it('on update: a scope change without re-sealing, and the previous template naming the old namespace', async () => {
    const old = sealed('web', 'db');
    const changed = {
      ...old,
      metadata: { ...old.metadata, annotations: withScopeAnnotations({}, 'cluster-wide') },
    };
    expect(await denial(changed, { operation: 'UPDATE', old })).toContain(
      'sealed for web/db (strict scope), but this SealedSecret is web/db (cluster-wide scope) (its scope ' +
        'annotations say cluster-wide); remove the scope annotations',
    );
    // Created (moved) before the webhook existed; the update fixes the template but not the values.
    const moved = at(sealed('prod', 'db'), 'staging');
    const fixed = structuredClone(moved);
    fixed.spec.template = {
      ...fixed.spec.template,
      metadata: { ...fixed.spec.template?.metadata, namespace: 'staging' },
    };
    expect(await denial(fixed, { operation: 'UPDATE', old: moved })).toContain(
      'sealed for prod/db (strict scope), but this SealedSecret is staging/db (strict scope) (moved from namespace ' +
        '"prod")',
    );
  });

  it('the legacy spec.data: the rules of the flag, and the blob diagnosed like a value', async () => {
    const ss = sealed('web', 'db');
    const both = { ...ss, spec: { ...ss.spec, data: ss.spec.encryptedData['password'] ?? '' } };
    expect(await denial(both)).toBe(
      "spec.data: cannot use the field 'encryptedData' and the deprecated field 'data' at the same time",
    );
    const legacy = at(
      { ...ss, spec: { encryptedData: {}, data: ss.spec.encryptedData['password'] ?? '' } },
      'x',
    );
    expect(await denial(legacy)).toMatch(/^spec\.data: sealed with this controller's key, but not for x\/db/);
  });
});

describe('never reads spec.template.data', () => {
  const variants: [string, Record<string, string> | undefined][] = [
    ['no template data', undefined],
    [
      'a template using the values',
      { dsn: 'postgres://{{ index . "username" }}:{{ index . "password" }}@db' },
    ],
    ['a template that does not parse', { probe: '{{ .password ' }],
    ['a template that always fails', { probe: '{{ fail "always" }}' }],
    [
      'an oracle probe, right guess',
      { probe: '{{ if eq (index . "password") "hunter2" }}{{ fail "hit" }}{{ end }}' },
    ],
    [
      'an oracle probe, wrong guess',
      { probe: '{{ if eq (index . "password") "wrong" }}{{ fail "hit" }}{{ end }}' },
    ],
    ['a template.data key named like a value', { password: 'overridden' }],
  ];

  it('gives the same answer for a good object and for moved, foreign-key and edited ones', async () => {
    const edited = (ss: SealedSecret): SealedSecret => {
      const v = Buffer.from(ss.spec.encryptedData['password'] ?? '', 'base64');
      v[v.length - 1] = (v[v.length - 1] ?? 0) ^ 1;
      return {
        ...ss,
        spec: { ...ss.spec, encryptedData: { ...ss.spec.encryptedData, password: v.toString('base64') } },
      };
    };
    const objects: ((templateData?: Record<string, string>) => SealedSecret)[] = [
      (t) => sealed('web', 'db', { ...(t && { templateData: t }) }),
      (t) => at(sealed('prod', 'db', { ...(t && { templateData: t }) }), 'staging'),
      (t) => sealed('web', 'db', { key: foreign.publicKey, ...(t && { templateData: t }) }),
      (t) => edited(sealed('web', 'db', { ...(t && { templateData: t }) })),
    ];
    for (const make of objects) {
      const answers = new Set<string>();
      for (const [, templateData] of variants) {
        answers.add(JSON.stringify(await review(harness(), reviewOf(make(templateData)))));
      }
      expect(answers.size).toBe(1);
    }
  });
});

describe('bounds', () => {
  it('admits with a warning once the requesting user has used the burst; other users are still checked', async () => {
    const h = harness({ limiter: new GcraLimiter({ ratePerSecond: 1, burst: 1, now: () => 0 }) });
    const bad = sealed('web', 'db', { key: foreign.publicKey });
    expect((await review(h, reviewOf(bad, { user: 'alice' }))).allowed).toBe(false);
    expect((await review(h, reviewOf(bad, { user: 'alice' }))).allowed).toBe(false);
    expect(await review(h, reviewOf(bad, { user: 'alice', uid: 'u3' }))).toEqual({
      uid: 'u3',
      allowed: true,
      warnings: [
        'sealed-secrets webhook: not checked: too many requests from "alice", retry in 1s to have it checked',
      ],
    });
    expect((await review(h, reviewOf(bad, { user: 'bob' }))).allowed).toBe(false);
    expect(h.results).toEqual(['denied', 'denied', 'rate_limited', 'denied']);
  });

  it('admits with a warning at its deadline; the decryption still counts as in flight until it ends', async () => {
    let release: () => void = () => undefined;
    const hanging: ValueDecryptor = () =>
      new Promise((_resolve, reject) => {
        release = () => reject(new Error('released'));
      });
    const h = harness({ decryptorFor: () => hanging, decisionTimeoutMs: 5000, maxInFlight: 1 });
    const pending = review(h, reviewOf(sealed('web', 'db')));
    await new Promise((r) => setImmediate(r));
    expect(h.webhook.inFlight).toBe(1);
    // Another review while the first holds the only slot: admitted at once, unchecked.
    expect((await review(h, reviewOf(sealed('web', 'db')))).warnings).toEqual([
      'sealed-secrets webhook: not checked: the controller is busy',
    ]);
    h.clock.advance(4999);
    await new Promise((r) => setImmediate(r));
    h.clock.advance(1);
    expect((await pending).warnings).toEqual(['sealed-secrets webhook: not checked: no decision within 5s']);
    expect(h.webhook.inFlight).toBe(1);
    release();
    await new Promise((r) => setImmediate(r));
    expect(h.webhook.inFlight).toBe(0);
    expect(h.results).toEqual(['overloaded', 'deadline']);
  });

  it('checks at most 256 values and says so', async () => {
    const data = Object.fromEntries(Array.from({ length: 260 }, (_, i) => [`k${i}`, 'v']));
    const response = await review(harness(), reviewOf(sealed('web', 'db', { data })));
    expect(response.allowed).toBe(true);
    expect(response.warnings).toEqual([
      'sealed-secrets webhook: only the first 256 of 260 values were checked',
    ]);
  });

  it('answers 400 for a body that is not an AdmissionReview v1 request', async () => {
    const h = harness();
    for (const body of [null, [], {}, { apiVersion: 'admission.k8s.io/v1beta1', kind: 'AdmissionReview' }]) {
      expect((await h.webhook.review(body)).status).toBe(400);
    }
    const noUid = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: { uid: 'x'.repeat(129) },
    };
    expect(await h.webhook.review(noUid)).toEqual({
      status: 400,
      message: 'request.uid must be a string of 1 to 128 characters',
    });
  });
});

describe('leaves alone what is not its to check', () => {
  const bad = sealed('web', 'db', { key: foreign.publicKey });

  it('other kinds, other operations, the status subresource, namespaces this controller does not watch', async () => {
    const h = harness({ watches: (ns) => ns === 'web' });
    const other = reviewOf(bad) as { request: { kind: { kind: string } } };
    other.request.kind.kind = 'Secret';
    for (const body of [
      other,
      reviewOf(bad, { operation: 'DELETE' }),
      reviewOf(bad, { operation: 'UPDATE', old: bad, subResource: 'status' }),
      reviewOf(at(bad, 'elsewhere')),
    ]) {
      expect(await review(h, body)).toEqual({ uid: expect.any(String), allowed: true });
    }
    expect(h.results).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
  });

  it('updates that change neither the spec nor a scope annotation, and objects being deleted', async () => {
    const h = harness();
    const relabelled = { ...bad, metadata: { ...bad.metadata, labels: { team: 'a' }, finalizers: [] } };
    expect((await review(h, reviewOf(relabelled, { operation: 'UPDATE', old: bad }))).allowed).toBe(true);
    const deleting = { ...bad, metadata: { ...bad.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } };
    expect((await review(h, reviewOf(deleting, { operation: 'UPDATE', old: bad }))).allowed).toBe(true);
    expect(h.results).toEqual(['skipped', 'skipped']);
    // A spec change is checked.
    const edited = { ...bad, spec: { ...bad.spec, template: { type: 'Opaque' } } };
    expect((await review(h, reviewOf(edited, { operation: 'UPDATE', old: bad }))).allowed).toBe(false);
  });

  it('admits unchecked, with a warning, when no key is loaded or the object cannot be read', async () => {
    const h = harness({ keys: () => KeyRing.empty() });
    expect((await review(h, reviewOf(bad))).warnings).toEqual([
      'sealed-secrets webhook: not checked: the controller has no keys loaded yet',
    ]);
    const broken = reviewOf(bad) as { request: { object: unknown } };
    broken.request.object = { metadata: { name: 'x' }, spec: { encryptedData: { a: 1 } } };
    expect((await review(harness(), broken)).warnings).toEqual([
      'sealed-secrets webhook: not checked: cannot read the object: spec.encryptedData.a: expected a string, got a number',
    ]);
  });

  it('survives an update whose template nests 100 000 levels deep (the API server would never send it)', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const hostile = { ...bad, spec: { ...bad.spec, template: { metadata: { labels: deep } } } };
    const answer = await review(
      harness(),
      reviewOf(hostile as unknown as SealedSecret, { operation: 'UPDATE', old: bad }),
    );
    expect(typeof answer.allowed).toBe('boolean');
  });
});
