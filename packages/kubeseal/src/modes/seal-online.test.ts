import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { run } from '../main.js';
import { kubeconfigFor, startFakeApiServer, type FakeApiServer } from '../test-helpers/fake-apiserver.js';
import { memoryIo } from '../test-helpers/memory-io.js';

// Online sealing reads and parses its input while the controller's certificate is fetched; what it reports must
// not depend on which of the two finishes first.
describe('online seal: input read while the certificate is fetched', () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer({
      certificate: readFileSync(join(VECTOR_4096_DIR, 'tls.crt'), 'utf8'),
    });
  });
  afterAll(() => server.close());

  const seal = async (args: string[], stdin: string) => {
    const mem = memoryIo({
      stdin,
      now: new Date('2027-01-01T00:00:00Z'),
      files: { '/home/test/.kube/config': kubeconfigFor(server.url) },
    });
    const code = await run(args, mem.io, { HOME: '/home/test' });
    return { code, stdout: mem.stdout(), stderr: mem.stderr() };
  };
  const SECRET = 'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\nstringData: {a: b}\n';

  it('a certificate error wins over an input error, with nothing on stdout', async () => {
    const r = await seal(['--controller-name', 'no-such-controller'], 'kind: [unclosed');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: cannot get sealed secret service: /);
    expect(r.stderr).not.toMatch(/yaml|unclosed|flow/i);
  });

  it('an input error is reported once the certificate has arrived', async () => {
    const r = await seal([], 'kind: [unclosed');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: document 1: invalid YAML/m);
    expect(r.stderr).not.toMatch(/cannot (get|fetch)/);
  });

  it('seals with the fetched certificate', async () => {
    const r = await seal(['-o', 'yaml'], SECRET);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kind: SealedSecret$/m);
    expect(r.stdout).toMatch(/^ {4}a: Ag/m);
  });
});
