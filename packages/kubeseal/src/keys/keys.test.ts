import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  buildCertChain,
  createSelfSignedCertificate,
  parseCertChain,
  parseCertificatePem,
  publicKeyFingerprint,
  signCertificateLink,
  type CertificateLink,
} from '@ssts/core';
import { describe, expect, it } from 'vitest';
import type { ControllerClient, ProxyResponse } from '../cluster/controller-client.js';
import { CliError } from '../errors.js';
import { readCertFromSource } from '../io/cert-source.js';
import { fetchKeyInventory, parseKeyInventory, renderKeyInventory, retirableKeys } from './inventory.js';
import {
  certChainUrl,
  controllerIdentity,
  decideTrust,
  EMPTY_KNOWN_CERTS,
  fetchCertChain,
  fetchCertChainFromUrl,
  knownCertsPath,
  parseKnownCerts,
  pin,
  readKnownCerts,
} from './known-certs.js';
import { reencryptCluster, type ApiJson } from './reencrypt.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const answer = (status: number, body: Buffer | string = ''): ProxyResponse => ({
  status,
  body: Buffer.from(body),
});

function controllerWith(
  get: (path: string) => ProxyResponse,
  rotate: (json: string) => ProxyResponse = () => answer(404),
): ControllerClient & { rotations: string[] } {
  const rotations: string[] = [];
  return {
    rotations,
    fetchCertificate: () => Promise.reject(new Error('not used')),
    verify: () => Promise.reject(new Error('not used')),
    rotate: (body) => {
      rotations.push(body);
      return Promise.resolve(rotate(body));
    },
    get: (path) => Promise.resolve(get(path)),
  };
}

const FP_OLD = 'SHA256:oldoldoldoldoldoldoldoldoldoldoldoldoldold1';
const FP_NEW = 'SHA256:newnewnewnewnewnewnewnewnewnewnewnewnewnew1';
const inventory = (oldObjects: number, withoutKey = 0) => ({
  keys: [
    {
      fingerprint: FP_OLD,
      secretName: 'sealed-secrets-keyaaaaa',
      created: '2026-01-01T00:00:00Z',
      state: 'active',
      objects: oldObjects,
      items: oldObjects * 2,
      linked: false,
    },
    {
      fingerprint: FP_NEW,
      secretName: 'sealed-secrets-keybbbbb',
      created: '2026-02-01T00:00:00Z',
      state: 'sealing',
      objects: 3,
      items: 5,
      linked: true,
    },
  ],
  objects: oldObjects + 3 + withoutKey,
  objectsWithoutKey: withoutKey,
});

describe('kubeseal keys (library)', () => {
  it('parses the inventory and renders it as a table with the keys that can be retired, or as JSON', () => {
    const parsed = parseKeyInventory(json(inventory(0)));
    expect(retirableKeys(parsed).map((k) => k.fingerprint)).toEqual([FP_OLD]);
    expect(renderKeyInventory(parsed, 'text')).toBe(
      [
        `${'FINGERPRINT'.padEnd(FP_OLD.length)}  STATE    CREATED               OBJECTS  ITEMS  LINKED  SECRET`,
        `${FP_OLD}  active   2026-01-01T00:00:00Z  0        0      no      sealed-secrets-keyaaaaa`,
        `${FP_NEW}  sealing  2026-02-01T00:00:00Z  3        5      yes     sealed-secrets-keybbbbb`,
        '',
        '3 SealedSecrets watched, 0 without a known key.',
        `No watched SealedSecret needs: ${FP_OLD}.`,
        '',
      ].join('\n'),
    );
    expect(JSON.parse(renderKeyInventory(parsed, 'json'))).toEqual(inventory(0));
    const busy = renderKeyInventory(parseKeyInventory(json(inventory(2, 1))), 'text');
    expect(busy).toContain('Every old key is still needed by at least one SealedSecret.');
    const unsure = renderKeyInventory(
      parseKeyInventory(json({ ...inventory(0, 1), objectsWithoutKey: 1 })),
      'text',
    );
    expect(unsure).toContain('But 1 SealedSecrets have no known key yet');
  });

  it('refuses a malformed or oversized answer, and names a controller without /v1/keys', async () => {
    for (const bad of ['nope', '{}', JSON.stringify({ ...inventory(0), keys: [{ fingerprint: 1 }] })]) {
      expect(() => parseKeyInventory(Buffer.from(bad))).toThrow(/^cannot list keys: the controller's answer/);
    }
    expect(() => parseKeyInventory(Buffer.alloc(5 * 1024 * 1024, 32))).toThrow(/larger than/);
    const go = controllerWith(() => answer(404, '404 page not found'));
    await expect(fetchKeyInventory(go)).rejects.toMatchObject({
      code: 'CLUSTER',
      message: 'cannot list keys: the controller does not serve /v1/keys',
    });
    // A control character in a field cannot reach the terminal.
    const sneaky = { ...inventory(0), keys: [{ ...inventory(0).keys[0], secretName: 'a\u001b[2Jb' }] };
    expect(renderKeyInventory(parseKeyInventory(json(sneaky)), 'text')).toContain('a?[2Jb');
  });
});

interface Key {
  readonly privateKey: KeyObject;
  readonly fingerprint: string;
  readonly pem: string;
}

function newKey(index: number): Key {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const pem = createSelfSignedCertificate({
    privateKey,
    publicKey,
    commonName: `k${index}`,
    notBefore: new Date(Date.UTC(2026, index, 1)),
    validityMs: 86_400_000 * 3650,
    serial: new Uint8Array(16).fill(index + 1),
  });
  return { privateKey, fingerprint: publicKeyFingerprint(publicKey), pem };
}

/** A /v1/cert-chain of `keys` in order, each linked from the one before unless `unlinked` names it. */
function chainOf(keys: readonly Key[], links: (i: number) => CertificateLink | undefined) {
  const body = json(
    buildCertChain(
      keys.map((k, i) => ({ fingerprint: k.fingerprint, certificatePem: k.pem, link: links(i) })),
    ),
  );
  return parseCertChain(body);
}

describe('known certificates and the trust decision (library)', () => {
  const [k1, k2, k3] = [newKey(0), newKey(1), newKey(2)] as [Key, Key, Key];
  const linked = (keys: readonly Key[]) => (i: number) => {
    const previous = keys[i - 1];
    const current = keys[i];
    return previous === undefined || current === undefined
      ? undefined
      : signCertificateLink(previous, current.pem);
  };
  const ID = controllerIdentity({
    server: 'https://k8s.example:6443',
    namespace: 'kube-system',
    name: 'sealed-secrets-controller',
  });

  it('first contact is trust on first use; a pinned certificate is used silently', () => {
    const first = decideTrust({
      known: EMPTY_KNOWN_CERTS,
      identity: ID,
      fingerprint: k1.fingerprint,
      chain: undefined,
      trustNew: false,
    });
    expect(first).toMatchObject({
      kind: 'first-use',
      notice: `notice: first contact with https://k8s.example:6443#kube-system/sealed-secrets-controller: trusting certificate ${k1.fingerprint} and remembering it`,
    });
    const known = first.kind === 'first-use' ? first.known : EMPTY_KNOWN_CERTS;
    expect(known.controllers[ID]).toEqual([k1.fingerprint]);
    expect(
      decideTrust({ known, identity: ID, fingerprint: k1.fingerprint, chain: undefined, trustNew: false }),
    ).toEqual({ kind: 'pinned' });
  });

  it('a renewed certificate linked to a pinned one through two renewals is accepted and the path pinned', () => {
    const known = pin(EMPTY_KNOWN_CERTS, ID, [k1.fingerprint]);
    const chain = chainOf([k1, k2, k3], linked([k1, k2, k3]));
    const decision = decideTrust({
      known,
      identity: ID,
      fingerprint: k3.fingerprint,
      chain,
      trustNew: false,
    });
    expect(decision.kind).toBe('linked');
    if (decision.kind !== 'linked') return;
    expect(decision.known.controllers[ID]).toEqual([k1.fingerprint, k2.fingerprint, k3.fingerprint]);
    expect(decision.notice).toMatch(
      /^notice: the certificate of .* was renewed: SHA256:\S+… -> SHA256:\S+… -> SHA256:\S+…/,
    );
  });

  it('a swapped certificate (no link, a forged link, no chain) is refused with the reason; --trust-new-cert accepts it', () => {
    const known = pin(EMPTY_KNOWN_CERTS, ID, [k1.fingerprint]);
    const stranger = newKey(5);
    const cases = [
      {
        chain: chainOf([k1, stranger], () => undefined),
        reason: `certificate ${stranger.fingerprint} is not signed by an earlier key`,
      },
      {
        // Signed by a key the attacker holds, but claiming the pinned key as signer.
        chain: chainOf([k1, stranger], (i) =>
          i === 1 ? { ...signCertificateLink(stranger, stranger.pem), previous: k1.fingerprint } : undefined,
        ),
        reason: `the signature of ${stranger.fingerprint} by ${k1.fingerprint} is not valid`,
      },
      {
        chain: undefined,
        chainProblem: 'the controller does not serve /v1/cert-chain',
        reason: 'the controller does not serve /v1/cert-chain',
      },
    ];
    for (const { chain, reason, ...rest } of cases) {
      const decision = decideTrust({
        known,
        identity: ID,
        fingerprint: stranger.fingerprint,
        chain,
        trustNew: false,
        ...rest,
      });
      expect(decision.kind).toBe('refused');
      if (decision.kind !== 'refused') continue;
      expect(decision.error).toBeInstanceOf(CliError);
      expect(decision.error.message).toBe(
        `the certificate of ${ID} changed from ${k1.fingerprint} to ${stranger.fingerprint}, which no pinned certificate vouches for: ${reason}`,
      );
      expect(decision.error.hints[1]).toContain('--trust-new-cert');
      const trusted = decideTrust({
        known,
        identity: ID,
        fingerprint: stranger.fingerprint,
        chain,
        trustNew: true,
        ...rest,
      });
      expect(trusted.kind).toBe('trusted-new');
      if (trusted.kind === 'trusted-new')
        expect(trusted.known.controllers[ID]).toEqual([k1.fingerprint, stranger.fingerprint]);
    }
  });

  it('fetchCertChain checks the body and says why there is no chain', async () => {
    const body = json(buildCertChain([{ fingerprint: k1.fingerprint, certificatePem: k1.pem }]));
    expect(await fetchCertChain(controllerWith(() => answer(200, body)))).toMatchObject({
      chain: [{ fingerprint: k1.fingerprint }],
    });
    expect(await fetchCertChain(controllerWith(() => answer(404)))).toEqual({
      problem: 'the controller does not serve /v1/cert-chain',
    });
    const lying = json(buildCertChain([{ fingerprint: k2.fingerprint, certificatePem: k1.pem }]));
    expect(await fetchCertChain(controllerWith(() => answer(200, lying)))).toEqual({
      problem: `invalid certificate chain: certificates[0]: the certificate's key does not have fingerprint ${k2.fingerprint}`,
    });
  });

  it('the file: its path from the flag, the environment or the config directory; malformed content is an error', async () => {
    expect(knownCertsPath('/x.json', { SEALED_SECRETS_KNOWN_CERTS: '/y.json' })).toBe('/x.json');
    expect(knownCertsPath('', { SEALED_SECRETS_KNOWN_CERTS: '/y.json', HOME: '/h' })).toBe('/y.json');
    expect(knownCertsPath('', { XDG_CONFIG_HOME: '/c', HOME: '/h' })).toBe('/c/kubeseal/known-certs.json');
    expect(knownCertsPath('', { HOME: '/h' })).toBe('/h/.config/kubeseal/known-certs.json');
    expect(certChainUrl('https://sealed.example/v1/cert.pem')).toBe('https://sealed.example/v1/cert-chain');
    expect(certChainUrl('https://sealed.example/cert.pem')).toBeUndefined();
    const missing = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' });
    const fs = (result: Buffer | Error) => ({
      readFile: () => (result instanceof Error ? Promise.reject(result) : Promise.resolve(result)),
      writeFileAtomic: () => Promise.resolve(),
    });
    expect(await readKnownCerts(fs(missing), '/k.json')).toEqual(EMPTY_KNOWN_CERTS);
    await expect(readKnownCerts(fs(Buffer.from('{"version":2}')), '/k.json')).rejects.toThrow(
      'cannot read the known certificates file /k.json: expected {"version": 1, "controllers": {...}}',
    );
    await expect(readKnownCerts(fs(Buffer.alloc(1024 * 1024 + 1, 32)), '/k.json')).rejects.toThrow(
      /larger than/,
    );
    // Identities are untrusted keys: `__proto__` is an entry like any other, never a prototype.
    const known = parseKnownCerts(
      Buffer.from('{"version":1,"controllers":{"__proto__":["a"],"x":["b"]}}'),
      '/k.json',
    );
    expect(Object.hasOwn(known.controllers, '__proto__')).toBe(true);
    expect(known.controllers['x']).toEqual(['b']);
    expect(pin(known, '__proto__', ['c']).controllers['__proto__']).toEqual(['a', 'c']);
  });

  it('identities never hold a user name or password, and entries an older kubeseal wrote with them are merged', () => {
    expect(
      controllerIdentity({ server: 'https://u:pw@k8s.example:6443', namespace: 'ns', name: 'ctl' }),
    ).toBe('https://k8s.example:6443/#ns/ctl');
    expect(controllerIdentity({ server: 'https://k8s.example:6443', namespace: 'ns', name: 'ctl' })).toBe(
      'https://k8s.example:6443#ns/ctl',
    );
    expect(controllerIdentity({ url: 'https://u:pw@h/v1/cert.pem' })).toBe('https://h/v1/cert.pem');
    const known = parseKnownCerts(
      Buffer.from(
        JSON.stringify({
          version: 1,
          controllers: {
            'https://h/v1/cert.pem': ['b', 'c'],
            'https://u:pw@h/v1/cert.pem': ['a', 'b'],
            'https://u:pw@k8s.example:6443#ns/ctl': ['d'],
          },
        }),
      ),
      '/k.json',
    );
    expect(known).toEqual({
      version: 1,
      controllers: { 'https://h/v1/cert.pem': ['a', 'b', 'c'], 'https://k8s.example:6443/#ns/ctl': ['d'] },
      redactedOnRead: true,
    });
    const clean = parseKnownCerts(Buffer.from('{"version":1,"controllers":{"x":["b"]}}'), '/k.json');
    expect(clean.redactedOnRead).toBeUndefined();
  });
});

describe('kubeseal reencrypt, cluster mode (library)', () => {
  interface Stored {
    metadata: {
      name: string;
      namespace: string;
      resourceVersion: string;
      annotations?: Record<string, string>;
    };
    spec: { encryptedData: Record<string, string>; template?: unknown };
    status?: { decryptionKeys: { fingerprint: string; itemCount: number }[] };
  }

  function fakeApi(objects: Stored[], conflictOnce = new Set<string>()) {
    const puts: Stored[] = [];
    const api: ApiJson = {
      json: <T>(method: string, path: string, options?: { body?: unknown }) => {
        if (method === 'GET' && path === '/apis/bitnami.com/v1alpha1/sealedsecrets')
          return Promise.resolve({ items: objects, metadata: {} } as T);
        const name = path.split('/').at(-1) ?? '';
        const stored = objects.find((o) => o.metadata.name === name);
        if (method === 'GET' && stored !== undefined) return Promise.resolve(stored as T);
        if (method === 'PUT' && stored !== undefined) {
          if (conflictOnce.delete(name))
            return Promise.reject(Object.assign(new Error('conflict'), { reason: 'Conflict' }));
          const body = options?.body as Stored;
          puts.push(body);
          Object.assign(stored, body, {
            status: { decryptionKeys: [{ fingerprint: FP_NEW, itemCount: 1 }] },
          });
          return Promise.resolve(body as T);
        }
        return Promise.reject(new Error(`unexpected ${method} ${path}`));
      },
    };
    return { api, puts };
  }

  const stored = (name: string, fingerprint?: string): Stored => ({
    metadata: { name, namespace: 'ns', resourceVersion: '1' },
    spec: { encryptedData: { a: `old-${name}` }, template: { data: { x: '{{ .a }}' } } },
    ...(fingerprint !== undefined && { status: { decryptionKeys: [{ fingerprint, itemCount: 1 }] } }),
  });

  it('rotates the objects not yet on the sealing key, waits out a rate limit, keeps the template, reports the free keys', async () => {
    const objects = [stored('a', FP_OLD), stored('b', FP_NEW), stored('broken', FP_OLD), stored('c')];
    const { api, puts } = fakeApi(objects, new Set(['c']));
    let keysCalls = 0;
    let limited = 1;
    const controller = controllerWith(
      () => answer(200, json(keysCalls++ === 0 ? inventory(2) : inventory(0))),
      (body) => {
        const ss = JSON.parse(body) as Stored;
        if (ss.metadata.name === 'broken') return answer(500, '');
        if (limited-- > 0) return answer(429, 'limit exceeded');
        return answer(200, json({ spec: { encryptedData: { a: `new-${ss.metadata.name}` }, template: {} } }));
      },
    );
    const progress: string[] = [];
    const slept: number[] = [];
    const result = await reencryptCluster(api, controller, {
      onProgress: (p) => progress.push(`${p.done}/${p.total} ${p.object} ${p.outcome}`),
      sleep: (ms) => {
        slept.push(ms);
        return Promise.resolve();
      },
    });
    expect(progress).toEqual([
      '1/4 ns/a reencrypted',
      '2/4 ns/b current',
      '3/4 ns/broken failed',
      '4/4 ns/c reencrypted',
    ]);
    expect(result.reencrypted).toEqual(['ns/a', 'ns/c']);
    expect(result.current).toEqual(['ns/b']);
    expect(result.failed).toEqual([
      { object: 'ns/broken', error: expect.stringMatching(/^the controller cannot re-encrypt it/) },
    ]);
    expect(result.retirable.map((k) => k.fingerprint)).toEqual([FP_OLD]);
    expect(slept).toContain(1000);
    // Only the values change; the template stays as it was (v0.40's /v1/rotate drops template.data).
    expect(puts.map((p) => [p.metadata.name, p.spec.encryptedData, p.spec.template])).toEqual([
      ['a', { a: 'new-a' }, { data: { x: '{{ .a }}' } }],
      ['c', { a: 'new-c' }, { data: { x: '{{ .a }}' } }],
    ]);
    expect(puts.every((p) => !('status' in p))).toBe(true);
  });

  it('refreshes the seal hints an object has (only those), naming the sealing key', async () => {
    const hinted = stored('a', FP_OLD);
    hinted.metadata.annotations = { 'sealed-secrets-ts/sealed-with': FP_OLD, team: 'shop' };
    const bare = stored('b', FP_OLD);
    const { api, puts } = fakeApi([hinted, bare]);
    let keysCalls = 0;
    const controller = controllerWith(
      () => answer(200, json(keysCalls++ === 0 ? inventory(2) : inventory(0))),
      () => answer(200, json({ spec: { encryptedData: { a: 'new' } } })),
    );
    await reencryptCluster(api, controller, { sleep: () => Promise.resolve() });
    expect(puts.map((p) => [p.metadata.name, p.metadata.annotations])).toEqual([
      ['a', { 'sealed-secrets-ts/sealed-with': FP_NEW, team: 'shop' }],
      ['b', undefined],
    ]);
  });
});

describe('a fake controller on 127.0.0.1 swaps its certificate (--cert http://…/v1/cert.pem)', () => {
  async function fakeController(served: { cert: string; chain: string | undefined }) {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      if (req.url === '/v1/cert.pem') return void res.end(served.cert);
      if (req.url === '/v1/cert-chain' && served.chain !== undefined) return void res.end(served.chain);
      res.statusCode = 404;
      res.end('404 page not found\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return { url: `http://127.0.0.1:${port}/v1/cert.pem`, close: () => new Promise((r) => server.close(r)) };
  }

  it('refuses the swapped certificate, accepts a genuinely renewed one, and --trust-new-cert overrides', async () => {
    const [k1, k2, evil] = [newKey(0), newKey(1), newKey(7)] as [Key, Key, Key];
    const genuine = JSON.stringify(
      buildCertChain([
        { fingerprint: k1.fingerprint, certificatePem: k1.pem },
        { fingerprint: k2.fingerprint, certificatePem: k2.pem, link: signCertificateLink(k1, k2.pem) },
      ]),
    );
    const swapped = JSON.stringify(
      buildCertChain([{ fingerprint: evil.fingerprint, certificatePem: evil.pem }]),
    );
    const served = { cert: k2.pem, chain: genuine as string | undefined };
    const server = await fakeController(served);
    try {
      const identity = controllerIdentity({ url: server.url });
      const known = pin(EMPTY_KNOWN_CERTS, identity, [k1.fingerprint]);
      const decide = async (trustNew: boolean) => {
        const pem = (
          await readCertFromSource(server.url, {
            readFile: () => Promise.reject(new Error('no')),
            writeFileAtomic: () => Promise.resolve(),
          })
        ).toString();
        const fingerprint = publicKeyFingerprint(parseCertificatePem(pem).publicKey);
        const fetched = await fetchCertChainFromUrl(server.url, {});
        return decideTrust({
          known,
          identity,
          fingerprint,
          chain: 'chain' in fetched ? fetched.chain : undefined,
          ...('problem' in fetched && { chainProblem: fetched.problem }),
          trustNew,
        });
      };
      expect((await decide(false)).kind).toBe('linked');
      Object.assign(served, { cert: evil.pem, chain: swapped });
      const refused = await decide(false);
      expect(refused.kind).toBe('refused');
      if (refused.kind === 'refused') {
        expect(refused.error.message).toContain(
          `to ${evil.fingerprint}, which no pinned certificate vouches for`,
        );
        expect(refused.error.message).toContain(
          `certificate ${evil.fingerprint} is not signed by an earlier key`,
        );
      }
      Object.assign(served, { chain: undefined });
      const noChain = await decide(false);
      expect(noChain.kind === 'refused' && noChain.error.message).toMatch(
        /cannot fetch ".*\/v1\/cert-chain": 404/,
      );
      expect((await decide(true)).kind).toBe('trusted-new');
    } finally {
      await server.close();
    }
  });
});
