import { MESSAGE_LIMIT_BYTES, type SealedSecret, type Secret } from '@ssts/core';
import { describe, expect, it } from 'vitest';
import {
  annotationIsTrue,
  decide,
  immutableMessage,
  isControlledBy,
  semanticEqual,
  typeMetaOf,
  type Observation,
  type ObservedSecret,
  type Plan,
  type PlannedEvent,
} from './decide.js';

const MANAGED = 'sealedsecrets.bitnami.com/managed';
const PATCH = 'sealedsecrets.bitnami.com/patch';
const NOW = new Date(Date.UTC(2026, 3, 22, 10));
const OWNER = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  name: 'mysecret',
  uid: 'ss-uid',
  controller: true,
};
const UNMANAGED = 'Resource "mysecret" already exists and is not managed by SealedSecret';

const ss: SealedSecret = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name: 'mysecret', namespace: 'ns', uid: 'ss-uid', generation: 1, resourceVersion: '5' },
  spec: { encryptedData: {} },
};

function unsealed(overrides: Partial<Secret['metadata']> = {}, type?: string): Secret {
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: {
      name: 'mysecret',
      namespace: 'ns',
      labels: { app: 'new' },
      ownerReferences: [OWNER],
      ...overrides,
    },
    data: { foo: 'bmV3' },
    ...(type !== undefined && { type }),
  };
}

function existing(
  meta: Partial<Secret['metadata']>,
  data: Record<string, string> | null = { foo: 'b2xk', foo2: 'a2VwdA==' },
): Secret {
  return {
    metadata: { name: 'mysecret', namespace: 'ns', resourceVersion: '7', uid: 'secret-uid', ...meta },
    type: 'Opaque',
    ...(data !== null && { data }),
  };
}

const present = (secret: Secret): ObservedSecret => ({ state: 'present', secret });
const absentInCache: ObservedSecret = { state: 'absent', from: 'cache' };

/** Observation fields to change; `undefined` removes one (e.g. no Secret observed after an unseal failure). */
type Changes = { [K in keyof Observation]?: Observation[K] | undefined };

function observation(more: Changes = {}): Observation {
  const observed: Changes = {
    namespace: 'ns',
    name: 'mysecret',
    sealedSecret: ss,
    unsealed: { ok: true, secret: unsealed() },
    secret: absentInCache,
    updateStatus: true,
    oldGcBehavior: false,
    now: NOW,
    ...more,
  };
  for (const key of Object.keys(observed) as (keyof Changes)[]) {
    if (observed[key] === undefined && key !== 'sealedSecret') delete observed[key];
  }
  return observed as Observation;
}

const synced = (status: 'True' | 'False', message?: string) => ({
  observedGeneration: 1,
  conditions: [
    {
      type: 'Synced',
      status,
      lastUpdateTime: '2026-04-22T10:00:00Z',
      lastTransitionTime: '2026-04-22T10:00:00Z',
      ...(message !== undefined && { message }),
    },
  ],
});
const OK_EVENT: PlannedEvent = {
  type: 'Normal',
  reason: 'Unsealed',
  message: 'SealedSecret unsealed successfully',
};

/** Table rows: what was observed → the parts of the plan that matter for the row. */
const rows: [string, Changes, Partial<Plan>][] = [
  [
    'the cache says absent: create without a GET; Unsealed; Synced=True with both times equal (compat §9.4 #1)',
    {},
    {
      secret: { kind: 'create', secret: unsealed() },
      result: { ok: true, secret: 'created' },
      events: [OK_EVENT],
      status: { write: true, status: synced('True') },
      unsealError: undefined,
      outcome: { kind: 'done' },
    },
  ],
  [
    'a GET says absent: create',
    { secret: { state: 'absent', from: 'api' } },
    { secret: { kind: 'create', secret: unsealed() }, outcome: { kind: 'done' } },
  ],
  [
    'unseal failure: no Secret action, ErrUnsealFailed, Synced=False with the text, metric unseal, retry',
    { unsealed: { ok: false, message: 'no key could decrypt secret (foo)' }, secret: undefined },
    {
      secret: { kind: 'none' },
      result: { ok: false, reason: 'unseal', message: 'no key could decrypt secret (foo)', terminal: false },
      events: [
        {
          type: 'Warning',
          reason: 'ErrUnsealFailed',
          message: 'Failed to unseal: no key could decrypt secret (foo)',
        },
      ],
      status: { write: true, status: synced('False', 'no key could decrypt secret (foo)') },
      unsealError: 'unseal',
      outcome: { kind: 'retry', error: 'no key could decrypt secret (foo)' },
    },
  ],
  [
    'the GET failed: ErrUpdateFailed with the raw API text, metric update, retry',
    { secret: { state: 'error', message: 'secrets "mysecret" is forbidden' } },
    {
      secret: { kind: 'none' },
      events: [{ type: 'Warning', reason: 'ErrUpdateFailed', message: 'secrets "mysecret" is forbidden' }],
      unsealError: 'update',
      outcome: { kind: 'retry', error: 'secrets "mysecret" is forbidden' },
    },
  ],
  [
    'an existing unmanaged Secret is refused with the exact upstream texts (compat §3.5 step 6)',
    { secret: present(existing({ annotations: { [MANAGED]: 'TRUE', [PATCH]: 'false' } })) },
    {
      secret: { kind: 'refuse' },
      result: { ok: false, reason: 'unmanaged', message: `failed update: ${UNMANAGED}`, terminal: false },
      events: [{ type: 'Warning', reason: 'ErrUpdateFailed', message: UNMANAGED }],
      status: { write: true, status: synced('False', `failed update: ${UNMANAGED}`) },
      unsealError: 'unmanaged',
      outcome: { kind: 'retry', error: `failed update: ${UNMANAGED}` },
    },
  ],
  [
    'a Secret owned by an older SealedSecret of the same name (other uid) is refused',
    { secret: present(existing({ ownerReferences: [{ ...OWNER, uid: 'old' }] })) },
    { secret: { kind: 'refuse' }, unsealError: 'unmanaged' },
  ],
  [
    'skip-set-owner-references without managed/patch: created, then the gate fails anyway [quirk kept]',
    {
      unsealed: {
        ok: true,
        secret: { ...unsealed(), metadata: { name: 'mysecret', namespace: 'ns', labels: { app: 'new' } } },
      },
    },
    {
      secret: {
        kind: 'create',
        secret: { ...unsealed(), metadata: { name: 'mysecret', namespace: 'ns', labels: { app: 'new' } } },
      },
      result: { ok: false, reason: 'unmanaged', message: `failed update: ${UNMANAGED}`, terminal: false },
      events: [{ type: 'Warning', reason: 'ErrUpdateFailed', message: UNMANAGED }],
    },
  ],
  [
    'an owned Secret that already matches: nothing written, Unsealed still recorded (compat §3.5 step 9)',
    {
      sealedSecret: { ...ss, status: synced('True') },
      secret: present({ ...existing({ labels: { app: 'new' }, ownerReferences: [OWNER] }, { foo: 'bmV3' }) }),
    },
    {
      secret: { kind: 'none' },
      result: { ok: true, secret: 'unchanged' },
      events: [OK_EVENT],
      status: { write: false, status: synced('True') },
      outcome: { kind: 'done' },
    },
  ],
  [
    'an owned Secret with other data is updated (resourceVersion kept for the PUT)',
    { secret: present(existing({ ownerReferences: [OWNER] })) },
    {
      secret: {
        kind: 'update',
        secret: {
          ...existing({ ownerReferences: [OWNER], labels: { app: 'new' } }, { foo: 'bmV3' }),
        },
      },
      result: { ok: true, secret: 'updated' },
    },
  ],
  [
    'managed, replace mode: adopted; data, labels, annotations, owner refs replaced, annotations emptied (§9.4 #4)',
    { secret: present(existing({ annotations: { [MANAGED]: 'true', other: 'x' }, labels: { old: 'l' } })) },
    {
      secret: {
        kind: 'adopt',
        secret: existing({ labels: { app: 'new' }, ownerReferences: [OWNER] }, { foo: 'bmV3' }),
      },
      result: { ok: true, secret: 'updated' },
    },
  ],
  [
    'managed + patch: adopted and merged (§9.4 #5)',
    {
      unsealed: { ok: true, secret: unsealed({ annotations: { t: 'v' } }) },
      secret: present(
        existing({ annotations: { [MANAGED]: 'true', [PATCH]: 'true' }, labels: { old: 'l' } }),
      ),
    },
    {
      secret: {
        kind: 'adopt',
        secret: existing(
          {
            annotations: { [MANAGED]: 'true', [PATCH]: 'true', t: 'v' },
            labels: { old: 'l', app: 'new' },
            ownerReferences: [OWNER],
          },
          { foo: 'bmV3', foo2: 'a2VwdA==' },
        ),
      },
    },
  ],
  [
    'patch only: merged, not adopted; a foreign owner stays (§9.4 #6)',
    {
      secret: present(
        existing({
          annotations: { [PATCH]: 'true' },
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' }],
        }),
      ),
    },
    {
      secret: {
        kind: 'update',
        secret: existing(
          {
            annotations: { [PATCH]: 'true' },
            labels: { app: 'new' },
            ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' }],
          },
          { foo: 'bmV3', foo2: 'a2VwdA==' },
        ),
      },
    },
  ],
  [
    'patch only on a Secret without data or labels: merged, no owner reference',
    { secret: present(existing({ annotations: { [PATCH]: 'true' } }, null)) },
    {
      secret: {
        kind: 'update',
        secret: existing({ annotations: { [PATCH]: 'true' }, labels: { app: 'new' } }, { foo: 'bmV3' }),
      },
    },
  ],
  [
    'patch + managed brought in by the template: adopted',
    {
      unsealed: { ok: true, secret: unsealed({ annotations: { [MANAGED]: 'true' } }) },
      secret: present(existing({ annotations: { [PATCH]: 'true' } })),
    },
    {
      secret: {
        kind: 'adopt',
        secret: existing(
          {
            annotations: { [PATCH]: 'true', [MANAGED]: 'true' },
            labels: { app: 'new' },
            ownerReferences: [OWNER],
          },
          { foo: 'bmV3', foo2: 'a2VwdA==' },
        ),
      },
    },
  ],
  [
    'managed with skip-set-owner-references: updated, owner references removed',
    {
      unsealed: {
        ok: true,
        secret: { ...unsealed(), metadata: { name: 'mysecret', namespace: 'ns', labels: { app: 'new' } } },
      },
      secret: present(existing({ annotations: { [MANAGED]: 'true' }, ownerReferences: [OWNER] })),
    },
    {
      secret: { kind: 'update', secret: existing({ labels: { app: 'new' } }, { foo: 'bmV3' }) },
    },
  ],
  [
    'a create refused by the API server: ErrUpdateFailed with its text, retry, no Secret action',
    { writeFailure: { code: 'Forbidden', message: 'secrets "mysecret" is forbidden' } },
    {
      secret: { kind: 'none' },
      result: { ok: false, reason: 'update', message: 'secrets "mysecret" is forbidden', terminal: false },
      events: [{ type: 'Warning', reason: 'ErrUpdateFailed', message: 'secrets "mysecret" is forbidden' }],
      status: { write: true, status: synced('False', 'secrets "mysecret" is forbidden') },
      outcome: { kind: 'retry', error: 'secrets "mysecret" is forbidden' },
    },
  ],
  [
    'an update of an immutable Secret refused as Invalid: terminal, the friendly event, the raw status text (§3.9)',
    {
      secret: present({ ...existing({ ownerReferences: [OWNER] }), immutable: true }),
      writeFailure: {
        code: 'Invalid',
        message: 'Secret "mysecret" is invalid: data: Forbidden: field is immutable when `immutable` is set',
      },
    },
    {
      secret: { kind: 'none' },
      events: [{ type: 'Warning', reason: 'ErrUpdateFailed', message: immutableMessage('ns', 'mysecret') }],
      status: {
        write: true,
        status: synced(
          'False',
          'Secret "mysecret" is invalid: data: Forbidden: field is immutable when `immutable` is set',
        ),
      },
      unsealError: 'update',
      outcome: {
        kind: 'terminal',
        error: 'Secret "mysecret" is invalid: data: Forbidden: field is immutable when `immutable` is set',
      },
    },
  ],
  [
    'Invalid on a Secret that is not immutable is an ordinary retry',
    {
      secret: present(existing({ ownerReferences: [OWNER] })),
      writeFailure: { code: 'Invalid', message: 'bad' },
    },
    { outcome: { kind: 'retry', error: 'bad' } },
  ],
  [
    '--update-status=false: no status step',
    { updateStatus: false },
    { status: undefined, outcome: { kind: 'done' } },
  ],
  [
    'status False and another error: no write (compat §3.6 quirk), the new text in the computed status',
    {
      sealedSecret: { ...ss, status: synced('False', 'first') },
      unsealed: { ok: false, message: 'second' },
      secret: undefined,
    },
    { status: { write: false, status: synced('False', 'second') } },
  ],
  [
    'a spec update on a synced object: observedGeneration 2 written, transition time kept (§9.4 #2)',
    {
      sealedSecret: { ...ss, metadata: { ...ss.metadata, generation: 2 }, status: synced('True') },
      now: new Date(Date.UTC(2026, 3, 22, 10, 0, 5)),
      secret: present(existing({ ownerReferences: [OWNER] })),
    },
    {
      status: {
        write: true,
        status: {
          observedGeneration: 2,
          conditions: [
            {
              type: 'Synced',
              status: 'True',
              lastUpdateTime: '2026-04-22T10:00:05Z',
              lastTransitionTime: '2026-04-22T10:00:00Z',
            },
          ],
        },
      },
    },
  ],
  [
    'item keys (ours, issue 14): kept in the result; a write for status.decryptionKeys alone keeps the condition',
    {
      sealedSecret: { ...ss, status: synced('True') },
      unsealed: { ok: true, secret: unsealed(), itemKeys: { foo: 'SHA256:k' } },
      secret: present({ ...existing({ labels: { app: 'new' }, ownerReferences: [OWNER] }, { foo: 'bmV3' }) }),
    },
    {
      secret: { kind: 'none' },
      result: { ok: true, secret: 'unchanged', itemKeys: { foo: 'SHA256:k' } },
      status: {
        write: true,
        status: {
          ...synced('True'),
          decryptionKeys: [{ fingerprint: 'SHA256:k', itemCount: 1, items: ['foo'] }],
        },
      },
    },
  ],
  [
    'an unseal failure keeps the keys of the items that did decrypt',
    { unsealed: { ok: false, message: 'no key could decrypt secret (bar)', itemKeys: { foo: 'SHA256:k' } } },
    {
      result: {
        ok: false,
        reason: 'unseal',
        message: 'no key could decrypt secret (bar)',
        terminal: false,
        itemKeys: { foo: 'SHA256:k' },
      },
    },
  ],
  [
    'a deleted SealedSecret: nothing, no status, no event (compat §3.5 step 2)',
    { sealedSecret: undefined, unsealed: undefined, secret: undefined },
    { secret: { kind: 'none' }, result: undefined, events: [], status: undefined, outcome: { kind: 'done' } },
  ],
  [
    'a deleted SealedSecret with --old-gc-behavior: its Secret is deleted (compat §3.8)',
    { sealedSecret: undefined, unsealed: undefined, secret: undefined, oldGcBehavior: true },
    { secret: { kind: 'delete', namespace: 'ns', name: 'mysecret' }, events: [], outcome: { kind: 'done' } },
  ],
  [
    '--old-gc-behavior whose delete failed: retried',
    {
      sealedSecret: undefined,
      unsealed: undefined,
      secret: undefined,
      oldGcBehavior: true,
      writeFailure: { code: 'ServerError', message: 'etcd down' },
    },
    { secret: { kind: 'none' }, outcome: { kind: 'retry', error: 'etcd down' } },
  ],
];

describe('decide(): observed → plan (compat §3.5–§3.9)', () => {
  it.each(rows)('%s', (_name, observed, expected) => {
    const plan = decide(observation(observed));
    // Each part named in the row is compared whole (toEqual): a merged map with an extra key fails the row.
    for (const key of Object.keys(expected) as (keyof Plan)[]) expect(plan[key]).toEqual(expected[key]);
  });

  it('plans a complete result with plain data only: no functions, no class instances, JSON round trip is exact', () => {
    for (const [, observed] of rows) {
      const plan = decide(observation(observed));
      expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
    }
  });

  it('never mutates what it observed', () => {
    for (const [, observed] of rows) {
      const input = observation(observed);
      const before = structuredClone(input);
      decide(input);
      expect(input).toEqual(before);
    }
  });

  it('is stable: the Secret a create produces (as the API server returns it) needs nothing more', () => {
    const variants: Secret[] = [
      unsealed(),
      unsealed({}, ''),
      unsealed({}, 'kubernetes.io/dockerconfigjson'),
      unsealed({ annotations: { [PATCH]: 'true' } }),
      unsealed({ annotations: { [PATCH]: 'true', [MANAGED]: 'true' } }),
      { ...unsealed(), metadata: { name: 'mysecret', namespace: 'ns', annotations: { [MANAGED]: 'true' } } },
    ];
    for (const secret of variants) {
      const first = decide(observation({ unsealed: { ok: true, secret } }));
      expect(first.secret.kind).toBe('create');
      const stored: Secret = {
        ...structuredClone(secret),
        type: secret.type || 'Opaque',
        metadata: {
          ...structuredClone(secret.metadata),
          uid: 'u',
          resourceVersion: '9',
          creationTimestamp: 'x',
        },
      };
      const next = decide(observation({ unsealed: { ok: true, secret }, secret: present(stored) }));
      expect(next.secret).toEqual({ kind: 'none' });
      expect(next.result).toEqual({ ok: true, secret: 'unchanged' });
    }
  });

  it('caps the status message of a huge error (issue 9 item 5); the event text is capped by the recorder', () => {
    const huge = `template: ${'t'.repeat(500_000)}:1: function "x" not defined`;
    const plan = decide(observation({ unsealed: { ok: false, message: huge }, secret: undefined }));
    const message = plan.status?.status.conditions?.[0]?.message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThanOrEqual(MESSAGE_LIMIT_BYTES);
    expect(message).toMatch(/^template: t+\.\.\. \[\d+ more bytes\]$/);
    expect(plan.outcome).toEqual({ kind: 'retry', error: huge });
  });
});

describe('annotation detection (compat §9.2 #1)', () => {
  it.each([
    ['true', true],
    ['TRUE', false],
    ['True', false],
    ['false', false],
    ['', false],
    [undefined, false],
  ])('%j → %s', (value, expected) => {
    const object = { metadata: value === undefined ? {} : { annotations: { [MANAGED]: value } } };
    expect(annotationIsTrue(object, MANAGED)).toBe(expected);
  });
});

describe('typeMetaOf (compat §9.2 #2)', () => {
  it('fills empty TypeMeta and keeps existing values, without touching the object', () => {
    const bare = { ...ss, apiVersion: '', kind: undefined } as unknown as SealedSecret;
    expect(typeMetaOf(bare)).toEqual({ apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret' });
    expect(bare.apiVersion).toBe('');
    expect(typeMetaOf({ ...ss, apiVersion: 'x/v1', kind: 'Y' })).toEqual({ apiVersion: 'x/v1', kind: 'Y' });
  });
});

describe('isControlledBy', () => {
  it('needs controller: true and the same uid', () => {
    expect(isControlledBy(existing({ ownerReferences: [OWNER] }), ss)).toBe(true);
    expect(isControlledBy(existing({ ownerReferences: [{ ...OWNER, uid: 'other' }] }), ss)).toBe(false);
    expect(isControlledBy(existing({ ownerReferences: [{ ...OWNER, controller: false }] }), ss)).toBe(false);
    expect(isControlledBy(existing({}), ss)).toBe(false);
  });
});

describe('the desired Secret', () => {
  it('an empty template type counts as Opaque: no write (quirk fixed); type is overwritten otherwise', () => {
    const current = existing(
      { labels: { app: 'new' }, ownerReferences: [OWNER], annotations: {} },
      { foo: 'bmV3' },
    );
    for (const type of ['', undefined, 'Opaque']) {
      const plan = decide(
        observation({ unsealed: { ok: true, secret: unsealed({}, type) }, secret: present(current) }),
      );
      expect(plan.secret).toEqual({ kind: 'none' });
    }
    const docker = decide(
      observation({
        unsealed: { ok: true, secret: unsealed({}, 'kubernetes.io/dockerconfigjson') },
        secret: present(current),
      }),
    );
    expect(docker.secret).toMatchObject({
      kind: 'update',
      secret: { type: 'kubernetes.io/dockerconfigjson' },
    });
  });

  it('never touches immutable, finalizers or generateName of an existing Secret', () => {
    const current = {
      ...existing({ ownerReferences: [OWNER], finalizers: ['f'], generateName: 'g' }),
      immutable: true,
    };
    const plan = decide(
      observation({
        unsealed: { ok: true, secret: { ...unsealed({ finalizers: ['other'] }), immutable: false } },
        secret: present(current),
      }),
    );
    if (plan.secret.kind !== 'update') throw new Error(plan.secret.kind);
    expect(plan.secret.secret.immutable).toBe(true);
    expect(plan.secret.secret.metadata.finalizers).toEqual(['f']);
    expect(plan.secret.secret.metadata.generateName).toBe('g');
  });
});

describe('semanticEqual', () => {
  it.each([
    [undefined, {}, true],
    [null, [], true],
    [{ a: {} }, {}, true],
    [{ a: '1' }, { a: '1' }, true],
    [{ a: '1' }, { a: '2' }, false],
    [[{ x: 1 }], [{ x: 1 }], true],
    [[1], [1, 2], false],
    ['', undefined, false],
  ])('%j vs %j → %s', (a, b, expected) => expect(semanticEqual(a, b)).toBe(expected));
});

it('immutable message is the exact upstream text', () => {
  expect(immutableMessage('ns', 'x')).toBe(
    'Error updating ns/x: the target Secret is immutable. Once a Secret is marked as immutable, it is not possible to revert this change nor to mutate the contents of the data field. You can only delete and recreate the Secret.',
  );
});
