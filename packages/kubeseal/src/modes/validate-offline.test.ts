import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { memoryIo } from '../test-helpers/memory-io.js';

const SEALED = readFileSync(
  fileURLToPath(new URL('../__tests__/golden/validate-offline-ok/files/sealed.yaml', import.meta.url)),
);

describe('kubeseal validate --offline', () => {
  it('reads the input and the certificate set, and nothing else (no kubeconfig)', async () => {
    const mem = memoryIo({
      files: {
        '/work/sealed.yaml': SEALED,
        '/work/certs/prod.pem': readFileSync(join(VECTOR_4096_DIR, 'tls.crt')),
        '/home/u/.kube/config': 'not: [a kubeconfig',
        '/elsewhere/config': 'not: [a kubeconfig',
      },
    });
    const env = { HOME: '/home/u', KUBECONFIG: '/elsewhere/config' };
    const code = await run(
      ['validate', '--offline', '--cert-set', '/work/certs', '-f', '/work/sealed.yaml'],
      mem.io,
      env,
    );
    expect({ code, stderr: mem.stderr(), stdout: mem.stdout() }).toEqual({ code: 0, stderr: '', stdout: '' });
    expect(mem.read).toEqual(['/work/sealed.yaml', '/work/certs/prod.pem']);
    expect(mem.written).toEqual([]);
  });
});
