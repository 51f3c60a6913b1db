import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bearerToken, KubeClient, KubeError } from '@ssts/kube';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestGateway } from './rest-gateway.js';

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;
let handler: Handler = (_req, res) => res.end();
const seen: { method: string; url: URL; auth: string | undefined; body: string }[] = [];
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url, auth: req.headers.authorization, body });
    handler(req, res, url);
  });
});
let gateway: RestGateway;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = await KubeClient.create(
    {
      server: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
      tls: {},
      credentials: bearerToken('sekret-token'),
      impersonation: {},
      proxyUrl: undefined,
      source: 'kubeconfig',
    },
    { userAgent: 'test', timeoutMs: 10_000, maxBodyBytes: 64 * 1024 },
  );
  gateway = new RestGateway(client);
});
afterAll(() => {
  gateway.close();
  server.closeAllConnections();
  server.close();
});

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe('RestGateway', () => {
  it('lists every page with the label selector and the bearer token', async () => {
    seen.length = 0;
    handler = (_req, res, url) =>
      url.searchParams.get('continue') === null
        ? json(res, 200, {
            metadata: { continue: 'p2', resourceVersion: '5' },
            items: [{ metadata: { name: 'a' } }],
          })
        : json(res, 200, { metadata: { resourceVersion: '6' }, items: [{ metadata: { name: 'b' } }] });
    const result = await gateway.list('secrets', { namespace: 'ns', labelSelector: 'x=y' });
    expect(result).toEqual({
      items: [{ metadata: { name: 'a' } }, { metadata: { name: 'b' } }],
      resourceVersion: '6',
    });
    expect(seen[0]?.url.pathname).toBe('/api/v1/namespaces/ns/secrets');
    expect(seen[0]?.url.searchParams.get('labelSelector')).toBe('x=y');
    expect(seen[0]?.auth).toBe('Bearer sekret-token');
    await gateway.list('sealedsecrets', {});
    expect(seen.at(-1)?.url.pathname).toBe('/apis/bitnami.com/v1alpha1/sealedsecrets');
  });

  it('asks for smaller pages when a page is larger than the body bound', async () => {
    seen.length = 0;
    const big = 'x'.repeat(20 * 1024);
    handler = (_req, res, url) => {
      const limit = Number(url.searchParams.get('limit'));
      const from = Number(url.searchParams.get('continue') ?? '0');
      const count = Math.min(limit, 6 - from);
      const items = Array.from({ length: count }, (_, i) => ({
        metadata: { name: `s${from + i}` },
        data: { big },
      }));
      const next = from + count < 6 ? String(from + count) : undefined;
      json(res, 200, {
        metadata: { resourceVersion: '9', ...(next === undefined ? {} : { continue: next }) },
        items,
      });
    };
    const result = await gateway.list('secrets', {});
    expect(result.items.map((s) => s.metadata.name)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
    // Six 20 KiB objects pass the 64 KiB bound, three fit: 500 → 250 → … → 7 fail, then pages of 3.
    expect(seen.map((r) => r.url.searchParams.get('limit'))).toEqual([
      '500',
      '250',
      '125',
      '62',
      '31',
      '15',
      '7',
      '3',
      '3',
    ]);
    // `each` (the informer's transform) runs on a page as it arrives, before the next page is asked for.
    seen.length = 0;
    const requestsWhenTransformed: number[] = [];
    const pages: { offset: number; continue: string | undefined }[] = [];
    const stripped = await gateway.list('secrets', {}, (secret, page) => {
      requestsWhenTransformed.push(seen.length);
      pages.push(page);
      return { metadata: secret.metadata };
    });
    expect(stripped.items).toEqual(
      ['s0', 's1', 's2', 's3', 's4', 's5'].map((name) => ({ metadata: { name } })),
    );
    expect(requestsWhenTransformed).toEqual([8, 8, 8, 9, 9, 9]);
    // Each object knows where its page sits: the objects before it and the token after it.
    expect(pages).toEqual([
      ...Array.from({ length: 3 }, () => ({ offset: 0, continue: '3' })),
      ...Array.from({ length: 3 }, () => ({ offset: 3, continue: undefined })),
    ]);
  });

  it('maps API errors to KubeError by status and reason, keeping the server message', async () => {
    handler = (_req, res) =>
      json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'secrets "x" not found' });
    expect(await gateway.getSecret('ns', 'x')).toBeUndefined();
    expect(await gateway.deleteSecret('ns', 'x')).toBe(false);
    handler = (_req, res) =>
      json(res, 409, { kind: 'Status', reason: 'Conflict', message: 'sealedsecrets "x": modified' });
    const error = await gateway
      .updateSealedSecretStatus({ namespace: 'ns', name: 'x' }, {})
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubeError);
    expect(error).toMatchObject({ code: 'Conflict', message: 'sealedsecrets "x": modified', status: 409 });
  });

  it("withholds the API server's message on a refused Secret write, keeping status, reason and fields", async () => {
    const value = 'CANARY-s3cr3t-0a1b2c';
    // kube-apiserver 1.34's answer to a Secret with an invalid label value (e2e: plaintext-leaks).
    const invalid = {
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      code: 422,
      message: `Secret "x" is invalid: [metadata.labels: Invalid value: "${value} x": a valid label must …]`,
      details: {
        name: 'x',
        kind: 'Secret',
        causes: [
          { reason: 'FieldValueInvalid', message: `Invalid value: "${value} x"`, field: 'metadata.labels' },
          { reason: 'FieldValueInvalid', message: `Invalid value: "${value} x"`, field: 'metadata.labels' },
          { reason: 'FieldValueRequired', message: 'Required value', field: 'data[tls.key]' },
        ],
      },
    };
    handler = (_req, res) => json(res, 422, invalid);
    const secret = {
      metadata: { name: 'x', namespace: 'ns', labels: { team: `${value} x` } },
      data: { password: Buffer.from(value).toString('base64') },
    };
    const created = await gateway.createSecret(secret).catch((e: unknown) => e);
    expect(created).toBeInstanceOf(KubeError);
    expect(created).toMatchObject({
      code: 'Invalid',
      status: 422,
      reason: 'Invalid',
      message:
        'cannot create Secret "x": the API server answered 422 Invalid ' +
        '(metadata.labels: FieldValueInvalid, data[tls.key]: FieldValueRequired); ' +
        "its message is withheld, as it can quote the Secret's values",
    });
    expect((created as Error).cause).toBeUndefined();
    // A denial by an admission webhook or policy: any status, often no causes, a text that quotes the object.
    handler = (_req, res) =>
      json(res, 403, {
        kind: 'Status',
        reason: 'Forbidden',
        code: 403,
        message: `secrets "x" is forbidden: ValidatingAdmissionPolicy 'p' denied request: it is ${value}`,
      });
    const updated = await gateway.updateSecret(secret).catch((e: unknown) => e);
    expect(updated).toMatchObject({
      code: 'Forbidden',
      status: 403,
      message:
        'cannot update Secret "x": the API server answered 403 Forbidden; ' +
        "its message is withheld, as it can quote the Secret's values",
    });
    // Codes that callers act on stay: a create that lost a race is still AlreadyExists.
    handler = (_req, res) =>
      json(res, 409, { kind: 'Status', reason: 'AlreadyExists', message: 'secrets "x" already exists' });
    const raced = await gateway.createSecret(secret).catch((e: unknown) => e);
    expect(raced).toMatchObject({ code: 'AlreadyExists', status: 409 });
    expect((raced as Error).message).toBe(
      'cannot create Secret "x": the API server answered 409 AlreadyExists; ' +
        "its message is withheld, as it can quote the Secret's values",
    );
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toMatchObject({ apiVersion: 'v1', kind: 'Secret' });
  });

  it('creates an Event (returning its name) and patches count/lastTimestamp of a repeat', async () => {
    handler = (_req, res) => json(res, 201, { metadata: { name: 'ss.abcde' } });
    const name = await gateway.createEvent({
      namespace: 'ns',
      type: 'Warning',
      reason: 'ErrUnsealFailed',
      message: 'Failed to unseal: x',
      involvedObject: {
        apiVersion: 'bitnami.com/v1alpha1',
        kind: 'SealedSecret',
        namespace: 'ns',
        name: 'ss',
        uid: 'u',
      },
      sourceComponent: 'sealed-secrets',
      time: new Date('2026-04-22T10:00:05.678Z'),
      count: 3,
      firstTime: new Date('2026-04-22T09:59:00.000Z'),
    });
    expect(name).toBe('ss.abcde');
    expect(seen.at(-1)?.url.pathname).toBe('/api/v1/namespaces/ns/events');
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toMatchObject({
      metadata: { generateName: 'ss.', namespace: 'ns' },
      count: 3,
      firstTimestamp: '2026-04-22T09:59:00Z',
      lastTimestamp: '2026-04-22T10:00:05Z',
      source: { component: 'sealed-secrets' },
    });
    let contentType: string | undefined;
    handler = (req, res) => {
      contentType = req.headers['content-type'];
      json(res, 200, {});
    };
    await gateway.patchEvent('ns', 'ss.abcde', { count: 4, time: new Date('2026-04-22T10:01:00.100Z') });
    expect(seen.at(-1)?.method).toBe('PATCH');
    expect(seen.at(-1)?.url.pathname).toBe('/api/v1/namespaces/ns/events/ss.abcde');
    expect(JSON.parse(seen.at(-1)?.body ?? '{}')).toEqual({
      count: 4,
      lastTimestamp: '2026-04-22T10:01:00Z',
    });
    expect(contentType).toBe('application/strategic-merge-patch+json');
    handler = (_req, res) => json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'gone' });
    await expect(gateway.patchEvent('ns', 'x', { count: 2, time: new Date() })).rejects.toMatchObject({
      code: 'NotFound',
    });
  });

  it('streams watch events and rejects with Gone on a 410 ERROR event', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(
        `${JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '7' } } })}\n`,
      );
      res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '8' } } })}\n`);
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`,
      );
    };
    const events: string[] = [];
    const watching = gateway.watch(
      'secrets',
      {},
      '5',
      (e) => events.push(`${e.type}:${e.object.metadata.resourceVersion ?? ''}`),
      new AbortController().signal,
    );
    await expect(watching).rejects.toMatchObject({ code: 'Gone', message: 'too old' });
    expect(events).toEqual(['ADDED:7', 'BOOKMARK:8']);
    const query = seen.at(-1)?.url.searchParams;
    expect(query?.get('watch')).toBe('true');
    expect(query?.get('resourceVersion')).toBe('5');
    expect(query?.get('allowWatchBookmarks')).toBe('true');
  });

  it('resolves when the server ends a watch, and when the caller aborts one', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.end();
    };
    await expect(
      gateway.watch('secrets', {}, '1', () => undefined, new AbortController().signal),
    ).resolves.toBeUndefined();
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('\n');
    };
    const stop = new AbortController();
    const watching = gateway.watch('secrets', {}, '1', () => undefined, stop.signal);
    await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await expect(watching).resolves.toBeUndefined();
  });

  it('rejects a watch the server refuses', async () => {
    handler = (_req, res) =>
      json(res, 403, { kind: 'Status', reason: 'Forbidden', message: 'no watch for you' });
    await expect(
      gateway.watch('secrets', {}, '1', () => undefined, new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'Forbidden',
    });
  });
});

describe('RestGateway clients', () => {
  it('sends SealedSecret calls (status writes, list, get) and Events through the second rate limiter, Secrets through the first', async () => {
    const counted = () => {
      const limiter = { taken: 0, take: () => ((limiter.taken += 1), Promise.resolve()) };
      return limiter;
    };
    const main = counted();
    const sealedSecrets = counted();
    const base = await KubeClient.create(
      {
        server: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        tls: {},
        credentials: bearerToken('t'),
        impersonation: {},
        proxyUrl: undefined,
        source: 'kubeconfig',
      },
      { timeoutMs: 10_000 },
    );
    const split = new RestGateway(base.withRateLimiter(main), {
      sealedSecretsClient: base.withRateLimiter(sealedSecrets),
    });
    handler = (_req, res) => json(res, 200, { metadata: { name: 's' } });
    await split.updateSealedSecretStatus(
      { namespace: 'ns', name: 's', uid: 'u1', resourceVersion: '9' },
      { conditions: [{ type: 'Synced', status: 'True' }] },
    );
    await split.getSealedSecret('ns', 's');
    await split.list('sealedsecrets', { namespace: 'ns' });
    await split.createSecret({ metadata: { name: 's', namespace: 'ns' } });
    await split.getSecret('ns', 's');
    await split.createEvent({
      namespace: 'ns',
      type: 'Normal',
      reason: 'Unsealed',
      message: 'm',
      involvedObject: { apiVersion: 'a', kind: 'k', namespace: 'ns', name: 's', uid: 'u1' },
      sourceComponent: 'sealed-secrets',
      time: new Date(0),
    });
    await split.patchEvent('ns', 's.1', { count: 2, time: new Date(0) });
    expect([main.taken, sealedSecrets.taken]).toEqual([2, 5]);
    base.close();
  });

  it('writes the status as identity + status only: the spec is never sent', async () => {
    seen.length = 0;
    handler = (_req, res) => json(res, 200, { metadata: { name: 's' }, spec: { encryptedData: { a: 'x' } } });
    await gateway.updateSealedSecretStatus(
      { namespace: 'ns', name: 's', uid: 'u1', resourceVersion: '9' },
      { observedGeneration: 2, conditions: [{ type: 'Synced', status: 'True' }] },
    );
    expect(seen[0]?.method).toBe('PUT');
    expect(seen[0]?.url.pathname).toBe('/apis/bitnami.com/v1alpha1/namespaces/ns/sealedsecrets/s/status');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({
      apiVersion: 'bitnami.com/v1alpha1',
      kind: 'SealedSecret',
      metadata: { name: 's', namespace: 'ns', uid: 'u1', resourceVersion: '9' },
      status: { observedGeneration: 2, conditions: [{ type: 'Synced', status: 'True' }] },
    });
    handler = (_req, res) => json(res, 409, { kind: 'Status', reason: 'Conflict', message: 'stale' });
    await expect(gateway.updateSealedSecretStatus({ namespace: 'ns', name: 's' }, {})).rejects.toMatchObject({
      code: 'Conflict',
    });
  });

  it('adds Secret TypeMeta only when missing, and never changes the object it was given', async () => {
    seen.length = 0;
    handler = (_req, res) => json(res, 201, { metadata: { name: 's' } });
    const bare = { metadata: { name: 's', namespace: 'ns' } };
    await gateway.createSecret(bare);
    expect(bare).toEqual({ metadata: { name: 's', namespace: 'ns' } });
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual({ apiVersion: 'v1', kind: 'Secret', ...bare });
    const typed = {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's', namespace: 'ns' },
      data: { a: 'eA==' },
    };
    await gateway.createSecret(typed);
    expect(seen[1]?.body).toBe(JSON.stringify(typed));
  });
});

describe('RestGateway Leases (leader election)', () => {
  const path = '/apis/coordination.k8s.io/v1/namespaces/ns/leases';

  it('gets a Lease (undefined when missing), creates one, and PUTs updates with their resourceVersion', async () => {
    seen.length = 0;
    handler = (req, res, url) => {
      if (req.method === 'GET' && url.pathname === `${path}/gone`) {
        json(res, 404, { kind: 'Status', reason: 'NotFound', message: 'leases "gone" not found' });
      } else if (req.method === 'PUT') {
        json(res, 409, { kind: 'Status', reason: 'Conflict', message: 'the object has been modified' });
      } else json(res, req.method === 'POST' ? 201 : 200, { metadata: { name: 'l', resourceVersion: '7' } });
    };
    expect(await gateway.getLease('ns', 'gone')).toBeUndefined();
    expect(await gateway.getLease('ns', 'l')).toEqual({ metadata: { name: 'l', resourceVersion: '7' } });
    const spec = { holderIdentity: 'pod-a_1', renewTime: '2026-01-02T03:04:05.000000Z' };
    await gateway.createLease({ metadata: { name: 'l', namespace: 'ns' }, spec });
    await expect(
      gateway.updateLease({ metadata: { name: 'l', namespace: 'ns', resourceVersion: '7' }, spec }),
    ).rejects.toMatchObject({ code: 'Conflict' });
    const [, , create, update] = seen;
    expect([create?.method, create?.url.pathname]).toEqual(['POST', path]);
    expect(JSON.parse(create?.body ?? '')).toEqual({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'l', namespace: 'ns' },
      spec,
    });
    expect([update?.method, update?.url.pathname]).toEqual(['PUT', `${path}/l`]);
    expect(JSON.parse(update?.body ?? '').metadata.resourceVersion).toBe('7');
  });

  it('watches the one Lease by field selector (what RBAC resourceNames allow)', async () => {
    seen.length = 0;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'MODIFIED', object: { metadata: { name: 'l' } } })}\n`);
    };
    const events: string[] = [];
    await gateway.watchLease('ns', 'l', '', (e) => events.push(e.type), new AbortController().signal);
    expect(events).toEqual(['MODIFIED']);
    const query = seen[0]?.url.searchParams;
    expect(seen[0]?.url.pathname).toBe(path);
    expect(query?.get('fieldSelector')).toBe('metadata.name=l');
    expect(query?.get('watch')).toBe('true');
  });

  it('aborts a Lease request with its signal (the elector bounds each one by the renew deadline)', async () => {
    handler = () => undefined; // never answers
    await expect(gateway.getLease('ns', 'l', { signal: AbortSignal.timeout(50) })).rejects.toMatchObject({
      code: 'Aborted',
    });
  });
});
