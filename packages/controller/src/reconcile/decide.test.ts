import type { SealedSecret, Secret } from '@ssts/core';
import { describe, expect, it } from 'vitest';
import {
  annotationIsTrue,
  immutableMessage,
  isControlledBy,
  planSecretUpdate,
  semanticEqual,
  withTypeMeta,
} from './decide.js';

const MANAGED = 'sealedsecrets.bitnami.com/managed';
const PATCH = 'sealedsecrets.bitnami.com/patch';
const OWNER = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  name: 'mysecret',
  uid: 'ss-uid',
  controller: true,
};

const ss: SealedSecret = {
  apiVersion: 'bitnami.com/v1alpha1',
  kind: 'SealedSecret',
  metadata: { name: 'mysecret', namespace: 'ns', uid: 'ss-uid', generation: 1 },
  spec: { encryptedData: {} },
};

function unsealed(overrides: Partial<Secret['metadata']> = {}, type?: string): Secret {
  return {
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

describe('withTypeMeta (compat §9.2 #2)', () => {
  it('fills empty TypeMeta and keeps existing values, without touching the input', () => {
    const bare = { ...ss, apiVersion: '', kind: undefined } as unknown as SealedSecret;
    const filled = withTypeMeta(bare);
    expect([filled.apiVersion, filled.kind]).toEqual(['bitnami.com/v1alpha1', 'SealedSecret']);
    expect(bare.apiVersion).toBe('');
    const custom = withTypeMeta({ ...ss, apiVersion: 'x/v1', kind: 'Y' });
    expect([custom.apiVersion, custom.kind]).toEqual(['x/v1', 'Y']);
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

describe('planSecretUpdate (compat §3.5 steps 6–8)', () => {
  it('rejects an unowned Secret without managed/patch with the exact upstream texts', () => {
    for (const annotations of [undefined, { [MANAGED]: 'TRUE' }, { [PATCH]: 'false' }]) {
      const plan = planSecretUpdate(ss, unsealed(), existing(annotations ? { annotations } : {}));
      expect(plan).toEqual({
        action: 'reject',
        eventMessage: 'Resource "mysecret" already exists and is not managed by SealedSecret',
        statusMessage: 'failed update: Resource "mysecret" already exists and is not managed by SealedSecret',
      });
    }
  });

  it('rejects a Secret owned by an older SealedSecret of the same name (different uid)', () => {
    const plan = planSecretUpdate(ss, unsealed(), existing({ ownerReferences: [{ ...OWNER, uid: 'old' }] }));
    expect(plan.action).toBe('reject');
  });

  it('replace mode with managed: data, labels, annotations, owner refs replaced; annotations become empty', () => {
    const plan = planSecretUpdate(
      ss,
      unsealed(),
      existing({ annotations: { [MANAGED]: 'true', other: 'x' }, labels: { old: 'l' } }),
    );
    expect(plan.action).toBe('update');
    if (plan.action !== 'update') return;
    expect(plan.secret.data).toEqual({ foo: 'bmV3' });
    expect(plan.secret.metadata.labels).toEqual({ app: 'new' });
    expect(plan.secret.metadata.annotations).toBeUndefined();
    expect(plan.secret.metadata.ownerReferences).toEqual([OWNER]);
    expect(plan.secret.metadata.resourceVersion).toBe('7');
  });

  it('managed + patch: merged data/labels/annotations and adopted', () => {
    const plan = planSecretUpdate(
      ss,
      unsealed({ annotations: { t: 'v' } }),
      existing({ annotations: { [MANAGED]: 'true', [PATCH]: 'true' }, labels: { old: 'l' } }),
    );
    if (plan.action !== 'update') throw new Error(plan.action);
    expect(plan.secret.data).toEqual({ foo: 'bmV3', foo2: 'a2VwdA==' });
    expect(plan.secret.metadata.labels).toEqual({ old: 'l', app: 'new' });
    expect(plan.secret.metadata.annotations).toEqual({ [MANAGED]: 'true', [PATCH]: 'true', t: 'v' });
    expect(plan.secret.metadata.ownerReferences).toEqual([OWNER]);
  });

  it('patch only: merged but not adopted, also when the Secret had no data and no labels', () => {
    const foreignOwner = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', uid: 'cm' }];
    const plan = planSecretUpdate(
      ss,
      unsealed(),
      existing({ annotations: { [PATCH]: 'true' }, ownerReferences: foreignOwner }),
    );
    if (plan.action !== 'update') throw new Error(plan.action);
    expect(plan.secret.metadata.ownerReferences).toEqual(foreignOwner);
    expect(plan.secret.data).toEqual({ foo: 'bmV3', foo2: 'a2VwdA==' });
    const empty = planSecretUpdate(ss, unsealed(), existing({ annotations: { [PATCH]: 'true' } }, null));
    if (empty.action !== 'update') throw new Error(empty.action);
    expect(empty.secret.data).toEqual({ foo: 'bmV3' });
    expect(empty.secret.metadata.labels).toEqual({ app: 'new' });
    expect(empty.secret.metadata.ownerReferences).toBeUndefined();
  });

  it('patch + managed brought in by the template adopts the Secret', () => {
    const plan = planSecretUpdate(
      ss,
      unsealed({ annotations: { [MANAGED]: 'true' } }),
      existing({ annotations: { [PATCH]: 'true' } }),
    );
    if (plan.action !== 'update') throw new Error(plan.action);
    expect(plan.secret.metadata.ownerReferences).toEqual([OWNER]);
  });

  it('managed with skip-set-owner-references: owner refs removed', () => {
    const withoutOwner = unsealed();
    delete withoutOwner.metadata.ownerReferences;
    const plan = planSecretUpdate(
      ss,
      withoutOwner,
      existing({ annotations: { [MANAGED]: 'true' }, ownerReferences: [OWNER] }),
    );
    if (plan.action !== 'update') throw new Error(plan.action);
    expect(plan.secret.metadata.ownerReferences).toBeUndefined();
  });

  it('skips the write when nothing changed; an empty template type counts as Opaque (quirk fixed)', () => {
    const current: Secret = {
      metadata: {
        name: 'mysecret',
        namespace: 'ns',
        resourceVersion: '7',
        labels: { app: 'new' },
        ownerReferences: [OWNER],
        annotations: {},
      },
      type: 'Opaque',
      data: { foo: 'bmV3' },
    };
    expect(planSecretUpdate(ss, unsealed({}, ''), current)).toEqual({ action: 'none' });
    expect(planSecretUpdate(ss, unsealed(), current)).toEqual({ action: 'none' });
    expect(planSecretUpdate(ss, unsealed({}, 'Opaque'), current)).toEqual({ action: 'none' });
  });

  it('overwrites type with the template type and never touches immutable, finalizers or generateName', () => {
    const current = existing({ ownerReferences: [OWNER], finalizers: ['f'], generateName: 'g' });
    current.immutable = true;
    const plan = planSecretUpdate(
      ss,
      { ...unsealed({ finalizers: ['other'] }, 'kubernetes.io/dockerconfigjson'), immutable: false },
      current,
    );
    if (plan.action !== 'update') throw new Error(plan.action);
    expect(plan.secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(plan.secret.immutable).toBe(true);
    expect(plan.secret.metadata.finalizers).toEqual(['f']);
    expect(plan.secret.metadata.generateName).toBe('g');
  });

  it('never mutates its inputs', () => {
    const current = existing({ annotations: { [MANAGED]: 'true' } });
    const before = structuredClone(current);
    planSecretUpdate(ss, unsealed(), current);
    expect(current).toEqual(before);
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
