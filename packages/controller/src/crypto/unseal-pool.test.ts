// DecryptPool.unseal: whole SealedSecrets in worker threads, the per-object template time budget enforced from
// the main thread, and the hostile templates of issue 9 in workers with a capped heap.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { KeyRing, sealSecret, UnsealError, withSealHints, type SealedSecret } from '@ssts/core';
import { HOSTILE_TEMPLATES, readJsonFixture, STALL_292 } from '@ssts/test-utils';
import { keyEntry } from '../../test/key-entry.js';
import { afterAll, describe, expect, it } from 'vitest';
import { DecryptPool, PoolUnsealError } from './decrypt-pool.js';

const vectorKey = createPrivateKey(
  readJsonFixture<{ private_key_pem: string }>('vectors', 'known-answer-2048.json').private_key_pem,
);

const entry = keyEntry;

function sealed(
  name: string,
  stringData: Record<string, string>,
  templates?: Record<string, string | null>,
  key: KeyObject = vectorKey,
): SealedSecret {
  const ss = sealSecret(
    { metadata: { name, namespace: 'ns' }, stringData },
    { publicKey: createPublicKey(key) },
  );
  return templates === undefined
    ? ss
    : { ...ss, spec: { ...ss.spec, template: { ...ss.spec.template, data: templates } } };
}

const text = (data: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));

const options = { acceptDeprecatedV1Data: true };

async function unsealError(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected the unseal to fail');
}

const pool = new DecryptPool({ size: 2 });
pool.setKeyRing(KeyRing.of([entry(vectorKey, 1)]));
afterAll(() => pool.close());

// Objects without templates are unsealed with RSA on libuv's thread pool unless `threadPoolRsa` is 0; both modes
// must behave the same.
const MODES = [
  ['worker threads', 0],
  ["libuv's thread pool", 2],
] as const;

describe.each(MODES)('DecryptPool.unseal, RSA on %s', (_mode, threadPoolRsa) => {
  const pool = new DecryptPool({ size: 2, threadPoolRsa });
  pool.setKeyRing(KeyRing.of([entry(vectorKey, 1)]));
  afterAll(() => pool.close());

  it('unseals a whole SealedSecret in a worker, with the v0.40 template rules', async () => {
    const ss = sealed(
      'web',
      { password: 'hunter2', foo: 'bar' },
      { username: 'myUsername', settings: '<u>{{ .username }}</u><p>{{ .password }}</p>', foo: null },
    );
    const secret = await pool.unseal(ss, options);
    expect(text(secret.data)).toStrictEqual({
      password: 'hunter2',
      settings: '<u>myUsername</u><p>hunter2</p>',
      username: 'myUsername',
    });
    expect(secret.metadata.ownerReferences?.[0]?.name).toBe('web');
  });

  it('fails with the core UnsealError and the Go text', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const error = await unsealError(pool.unseal(sealed('x', { a: '1', b: '2' }, undefined, other), options));
    expect(error).toBeInstanceOf(UnsealError);
    expect(error.message).toBe('no key could decrypt secret (a, b)');
    expect((error as UnsealError).diagnostics).toStrictEqual({
      scope: 'strict',
      label: 'ns/x',
      keysTried: 1,
    });
  });

  it('unseals an object without templates like the core does, in a worker only when RSA is not on the thread pool', async () => {
    const own = new DecryptPool({ size: 2, threadPoolRsa });
    try {
      own.setKeyRing(KeyRing.of([entry(vectorKey, 1)]));
      const ss = sealed('plain', { password: 'hunter2', user: 'me' });
      const secret = await own.unseal(ss, options);
      expect(text(secret.data)).toStrictEqual({ password: 'hunter2', user: 'me' });
      expect(secret.metadata).toMatchObject({ name: 'plain', namespace: 'ns' });
      expect(own.started).toBe(threadPoolRsa > 0 ? 0 : 1);
      // A template needs a worker whatever the mode: rendering never runs on the main thread.
      await own.unseal(sealed('tpl', { a: '1' }, { b: '{{ .a }}' }), options);
      expect(own.started).toBe(1);
    } finally {
      await own.close();
    }
  });

  it('a failure without templates is unsealed once more in a worker, for the same error and its diagnosis', async () => {
    const own = new DecryptPool({ size: 1, threadPoolRsa });
    try {
      own.setKeyRing(KeyRing.of([entry(vectorKey, 1)]));
      const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
      const ss = withSealHints(
        sealed('lost', { pw: 'x' }, undefined, stranger),
        entry(stranger, 3).fingerprint,
      );
      const error = await unsealError(own.unsealWithKeys(ss, { ...options, diagnose: true }));
      expect(error).toBeInstanceOf(PoolUnsealError);
      expect(error.message).toMatch(/^no key could decrypt secret \(pw\)\ncause: sealed with key /);
      expect(own.started).toBe(1);
      // One RSA operation on the thread pool, then one in the worker; with workers only, just the one.
      expect(own.rsaOperations).toBe(threadPoolRsa > 0 ? 2 : 1);
    } finally {
      await own.close();
    }
  });

  it("tries the object's last key first: 5 keys, sealing key oldest, 3 values", async () => {
    const own = new DecryptPool({ size: 2, threadPoolRsa });
    try {
      const keys = [1, 2, 3, 4, 5].map((i) =>
        entry(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, i),
      );
      own.setKeyRing(KeyRing.of(keys));
      const sealing = keys[0]?.privateKey ?? vectorKey;
      const values = { a: 'a', b: 'b', c: 'c' };
      // First object: its first value tries all 5 keys (newest first); the next two start with the key it found.
      expect(
        text((await own.unseal(sealed('first', values, undefined, sealing), options)).data),
      ).toStrictEqual(values);
      expect(own.rsaOperations).toBe(5 + 1 + 1);
      // A new object starts with the key that succeeded last anywhere.
      await own.unseal(sealed('second', values, undefined, sealing), options);
      expect(own.rsaOperations).toBe(7 + 3);
      await own.unseal(sealed('first', values, undefined, sealing), options);
      expect(own.rsaOperations).toBe(10 + 3);
    } finally {
      await own.close();
    }
  });

  it('remembers the last key of at most lastKeyCapacity objects (LRU)', async () => {
    const own = new DecryptPool({ size: 1, lastKeyCapacity: 3, threadPoolRsa });
    try {
      own.setKeyRing(KeyRing.of([entry(vectorKey, 1)]));
      for (const name of ['a', 'b', 'c', 'd', 'e']) await own.unseal(sealed(name, { v: name }), options);
      expect(own.rememberedObjects).toBe(3);
      own.forget('ns/e');
      expect(own.rememberedObjects).toBe(2);
    } finally {
      await own.close();
    }
  });
});

describe('hostile templates in the workers (issue 9 item 3)', () => {
  it('each ends with its limit error in a worker whose heap is capped at 96 MiB: bounded memory, no restart', async () => {
    // A budget far above what any of them needs, so each one meets the engine limit it was written against.
    const capped = new DecryptPool({ size: 2, workerHeapMib: 96, templateBudgetMs: 120_000 });
    try {
      capped.setKeyRing(KeyRing.of([entry(vectorKey, 1)]));
      const results = await Promise.all(
        HOSTILE_TEMPLATES.map(async ({ name, source, limit }) => {
          const error = await unsealError(
            capped.unseal(sealed('h', { v: 'x' }, { hostile: source }), options),
          );
          return { name, limit, message: error.message };
        }),
      );
      for (const { name, limit, message } of results) {
        expect(message, name).toContain(limit);
        expect(message, name).toMatch(/ \(hostile\)$/);
      }
      expect(capped.workersReplaced).toBe(0);
    } finally {
      await capped.close();
    }
  }, 240_000);

  it('templates that together outlast the budget stop at it, naming the key that was rendering', async () => {
    const small = new DecryptPool({ size: 1, templateBudgetMs: 300 });
    try {
      small.setKeyRing(KeyRing.of([entry(vectorKey, 1)]));
      // Each one alone ends at the work limit after a few hundred milliseconds; forty in a row take far longer.
      const heavy = HOSTILE_TEMPLATES.find((t) => t.name.startsWith('join of the whole list'))?.source ?? '';
      const templates = Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`t${String(i).padStart(2, '0')}`, heavy]),
      );
      const error = await unsealError(small.unseal(sealed('slow', { v: 'x' }, templates), options));
      expect(error).toBeInstanceOf(UnsealError);
      expect(error.message).toMatch(/^template rendering exceeded its time budget of 300ms \(t\d\d\)$/);
      expect((error as UnsealError).failures.map((f) => f.code)).toStrictEqual(['TEMPLATE_TIME_BUDGET']);
      // The worker is fine (it stopped itself, or was replaced if one step outlasted the budget).
      expect(
        text((await small.unseal(sealed('fine', { v: 'ok' }, { t: '{{ .v }}!' }), options)).data),
      ).toStrictEqual({ t: 'ok!', v: 'ok' });
    } finally {
      await small.close();
    }
  }, 60_000);

  it('the main thread keeps running timers while a worker renders the 292-byte template', async () => {
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    const started = performance.now();
    try {
      const error = await unsealError(
        pool.unseal(sealed('stall', { v: 'x' }, { stall: STALL_292 }), options),
      );
      expect(error.message).toMatch(/(work budget|time budget).* \(stall\)$/);
    } finally {
      clearInterval(timer);
    }
    const ended = performance.now();
    // Liveness, generously: no gap between timer callbacks near the render time (11 s before issue 9).
    const gaps = [started, ...ticks, ended].slice(1).map((t, i) => t - ([started, ...ticks][i] ?? t));
    expect(ticks.length).toBeGreaterThan(0);
    expect(Math.max(...gaps)).toBeLessThan(1_000);
  }, 60_000);
});

// A stand-in worker that never returns from a "hostile" object: the pool's watchdog is the only way out.
const STUCK_WORKER = new URL(
  'data:text/javascript,' +
    encodeURIComponent(`
import { parentPort } from 'node:worker_threads';
parentPort.on('message', (m) => {
  if (m.type !== 'unseal') return;
  const name = m.sealedSecret.metadata.name;
  if (name === 'hostile') {
    parentPort.postMessage({ type: 'template', id: m.id, key: 'spin' });
    for (;;);
  }
  if (name === 'crash') throw new Error('boom');
  if (name === 'oom') { const hog = []; for (;;) hog.push(new Array(1e5).fill(name)); }
  parentPort.postMessage({ type: 'unsealed', id: m.id, attempts: 0, secret: { kind: 'Secret', apiVersion: 'v1', metadata: { name } } });
});
`),
);

describe('the watchdog, deterministically', () => {
  const stub = (name: string): SealedSecret => ({
    metadata: { name, namespace: 'ns' },
    spec: { encryptedData: {} },
  });

  it('fails a stuck object with the budget error; the requests queued behind it, timers and new requests go on', async () => {
    // One worker: a, b and c wait behind the stuck object in that worker's queue and are posted again.
    const own = new DecryptPool({ size: 1, templateBudgetMs: 300, workerScript: STUCK_WORKER });
    const ticks: number[] = [];
    const timer = setInterval(() => ticks.push(performance.now()), 10);
    try {
      const hostile = unsealError(own.unseal(stub('hostile'), options));
      const others = await Promise.all(['a', 'b', 'c'].map((n) => own.unseal(stub(n), options)));
      expect(others.map((s) => s.metadata.name)).toStrictEqual(['a', 'b', 'c']);
      const error = await hostile;
      expect(error.message).toBe('template rendering exceeded its time budget of 300ms (spin)');
      expect(own.workersReplaced).toBe(1);
      expect(ticks.length).toBeGreaterThan(5);
      expect((await own.unseal(stub('after'), options)).metadata.name).toBe('after');
    } finally {
      clearInterval(timer);
      await own.close();
    }
  });

  it('a worker that crashes or runs out of memory fails only its object, with a typed error', async () => {
    const own = new DecryptPool({ size: 1, workerHeapMib: 16, workerScript: STUCK_WORKER });
    try {
      const crash = await unsealError(own.unseal(stub('crash'), options));
      expect(crash).toMatchObject({
        code: 'UNSEAL_WORKER',
        message: 'the unseal worker thread stopped unexpectedly',
      });
      const oom = await unsealError(own.unseal(stub('oom'), options));
      expect(oom).toMatchObject({
        code: 'UNSEAL_WORKER',
        message: 'unsealing exceeded the memory limit of its worker thread (16 MiB)',
      });
      expect((await own.unseal(stub('fine'), options)).metadata.name).toBe('fine');
      expect(own.workersReplaced).toBe(2);
    } finally {
      await own.close();
    }
  }, 60_000);
});

describe.each(MODES)(
  'DecryptPool.unsealWithKeys (issue 14: the key inventory and the unseal-failure diagnosis), RSA on %s',
  (_mode, threadPoolRsa) => {
    const older = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const newer = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const [olderFp, newerFp] = [entry(older, 1).fingerprint, entry(newer, 2).fingerprint];
    const own = new DecryptPool({ size: 1, threadPoolRsa });
    own.setKeyRing(KeyRing.of([entry(older, 1), entry(newer, 2)]));
    afterAll(() => own.close());

    it('says which key decrypted each item, the items of one object sealed with two keys', async () => {
      const a = sealed('mixed', { a: '1' }, undefined, older);
      const b = sealed('mixed', { b: '2' }, undefined, newer);
      const ss = {
        ...a,
        spec: { ...a.spec, encryptedData: { ...a.spec.encryptedData, ...b.spec.encryptedData } },
      };
      const { secret, itemKeys } = await own.unsealWithKeys(ss, options);
      expect(text(secret.data)).toStrictEqual({ a: '1', b: '2' });
      expect(itemKeys).toStrictEqual({ a: olderFp, b: newerFp });
    });

    it('a failure carries the items that did decrypt; without `diagnose` the message is upstream text only', async () => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
      const good = sealed('part', { good: '1' }, undefined, newer);
      const bad = sealed('part', { bad: '2' }, undefined, stranger);
      const ss = {
        ...good,
        spec: { ...good.spec, encryptedData: { ...good.spec.encryptedData, ...bad.spec.encryptedData } },
      };
      const error = await unsealError(own.unsealWithKeys(ss, options));
      expect(error).toBeInstanceOf(PoolUnsealError);
      expect(error.message).toBe('no key could decrypt secret (bad)');
      expect((error as PoolUnsealError).itemKeys).toStrictEqual({ good: newerFp });
      expect((error as PoolUnsealError).findings).toStrictEqual([]);
    });

    it('with `diagnose`: a key the controller lacks, named from the seal hints', async () => {
      const stranger = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
      const ss = withSealHints(
        sealed('db', { pw: 'x' }, undefined, stranger),
        entry(stranger, 3).fingerprint,
      );
      const error = await unsealError(own.unsealWithKeys(ss, { ...options, diagnose: true }));
      const short = (fp: string) => `SHA256:${fp.slice(7, 15)}…`;
      expect(error.message).toBe(
        [
          'no key could decrypt secret (pw)',
          `cause: sealed with key ${short(entry(stranger, 3).fingerprint)} which this controller does not have ` +
            `(it has ${short(newerFp)}, ${short(olderFp)})`,
        ].join('\n'),
      );
      expect((error as PoolUnsealError).findings.map((f) => f.code)).toStrictEqual(['UNKNOWN_KEY']);
    });

    it('with `diagnose` and no hints: the other scopes are tried, and the one that opens it is named', async () => {
      const wide = sealSecret(
        {
          metadata: {
            name: 'db',
            namespace: 'ns',
            annotations: { 'sealedsecrets.bitnami.com/namespace-wide': 'true' },
          },
          stringData: { pw: 'x' },
        },
        { publicKey: createPublicKey(older) },
      );
      // Its annotation removed after sealing: the controller now reads it as strict.
      const ss = { ...wide, metadata: { ...wide.metadata, annotations: {} } };
      const error = await unsealError(own.unsealWithKeys(ss, { ...options, diagnose: true }));
      expect(error.message).toBe(
        'no key could decrypt secret (pw)\ncause: sealed namespace-wide but the annotation says strict',
      );
      expect(error.message).not.toContain('x\n');
    });
  },
);
