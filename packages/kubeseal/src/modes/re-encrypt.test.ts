import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../test-helpers/fake-apiserver.js';
import { memoryIo } from '../test-helpers/memory-io.js';

const CURRENT = 'SHA256:eFfoSlxB0tKQFWKv9VsMU6Mwg+Gz+4lFSm+LaXD9alk';
const OLD = `SHA256:3f9a${'A'.repeat(39)}`;

interface Posted {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: { template?: { metadata?: unknown }; encryptedData: Record<string, string> };
}

/**
 * `kubeseal --re-encrypt` (the upstream flag) through a fake controller whose /v1/rotate does what both
 * controllers do: the template metadata is replaced by the top-level metadata when they differ, and the answer's
 * top-level metadata holds only name and namespace.
 */
describe('--re-encrypt and the seal hints', () => {
  let server: FakeApiServer;
  const posted: Posted[] = [];
  beforeAll(async () => {
    server = await startFakeApiServer({
      certificate: readFileSync(join(VECTOR_4096_DIR, 'tls.crt'), 'utf8'),
      rotate: (body) => {
        const ss = JSON.parse(body) as Posted;
        posted.push(ss);
        const template = { ...ss.spec.template, metadata: ss.metadata };
        const encryptedData = Object.fromEntries(Object.keys(ss.spec.encryptedData).map((k) => [k, 'AgNew']));
        const metadata = { name: ss.metadata.name, namespace: ss.metadata.namespace };
        return { status: 200, body: JSON.stringify({ metadata, spec: { template, encryptedData } }) };
      },
    });
  });
  afterAll(() => server.close());

  const reEncrypt = async (input: unknown, ...flags: string[]) => {
    const mem = memoryIo({ stdin: JSON.stringify(input), files: { kubeconfig: kubeconfigFor(server.url) } });
    const code = await run(['--re-encrypt', '--kubeconfig', 'kubeconfig', ...flags], mem.io, {});
    return { code, out: code === 0 ? (JSON.parse(mem.stdout()) as Posted) : undefined, stderr: mem.stderr() };
  };
  const sealed = (annotations?: Record<string, string>) => ({
    apiVersion: 'bitnami.com/v1alpha1',
    kind: 'SealedSecret',
    metadata: { name: 'db', namespace: 'prod', ...(annotations !== undefined && { annotations }) },
    spec: { template: { metadata: { name: 'db', namespace: 'prod' } }, encryptedData: { a: 'AgOld' } },
  });

  it('replaces a stale sealed-with hint with the current certificate, and keeps the hints out of the template', async () => {
    const { code, out } = await reEncrypt(
      sealed({ 'sealed-secrets-ts/sealed-for': 'strict prod/db', 'sealed-secrets-ts/sealed-with': OLD }),
    );
    expect(code).toBe(0);
    // The hints were not posted (the controller would have copied them into spec.template) …
    expect(posted.at(-1)?.metadata).toEqual({ name: 'db', namespace: 'prod' });
    // … and the answer carries fresh ones at the top level only.
    expect(out?.metadata).toEqual({
      name: 'db',
      namespace: 'prod',
      annotations: {
        'sealed-secrets-ts/sealed-for': 'strict prod/db',
        'sealed-secrets-ts/sealed-with': CURRENT,
      },
    });
    expect(out?.spec.template?.metadata).toEqual({ name: 'db', namespace: 'prod' });
    expect(out?.spec.encryptedData).toEqual({ a: 'AgNew' });
  });

  it('adds no hint to a SealedSecret without them (upstream output), unless --seal-hints', async () => {
    expect((await reEncrypt(sealed())).out?.metadata).toEqual({ name: 'db', namespace: 'prod' });
    expect((await reEncrypt(sealed(), '--seal-hints')).out?.metadata.annotations).toEqual({
      'sealed-secrets-ts/sealed-for': 'strict prod/db',
      'sealed-secrets-ts/sealed-with': CURRENT,
    });
  });
});
