import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCertificatePem, sealSecret, type SealedSecret } from '@ssts/core';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { kubeseal, type CliResult } from '../kubeseal/support.js';
import { UPSTREAM_BUILD_TIMEOUT_MS, goKubeseal, upstreamBinaries } from './upstream.js';

// The v0.37/v0.40 template semantics (addendum §2.1, §2.2, §8 items 5 and 6) with Go kubeseal v0.40.0 as the
// oracle: the same SealedSecret file through `--recovery-unseal` of both, offline (no cluster involved). The
// inputs are sealed by our core with the RSA-4096 vector certificate; the vector key backup unseals them.

const KEY_FILE = join(VECTOR_4096_DIR, 'tls.key');
const ENCRYPTED = { password: 'hunter2', shared: 'from-encrypted', foo: 'bar' };

let base: SealedSecret;
let dir: string;

beforeAll(async () => {
  await upstreamBinaries();
  dir = mkdtempSync(join(tmpdir(), 'ssts-template-parity-'));
  const { publicKey } = parseCertificatePem(readFileSync(join(VECTOR_4096_DIR, 'tls.crt'), 'utf8'));
  base = sealSecret({ metadata: { name: 'tpl', namespace: 'parity' }, stringData: ENCRYPTED }, { publicKey });
}, UPSTREAM_BUILD_TIMEOUT_MS);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function withTemplates(data: Record<string, string | null>): string {
  return JSON.stringify({ ...base, spec: { ...base.spec, template: { ...base.spec.template, data } } });
}

async function bothUnseal(data: Record<string, string | null>): Promise<{ go: CliResult; ours: CliResult }> {
  const args = ['--recovery-unseal', '--recovery-private-key', KEY_FILE, '-o', 'json'];
  const input = withTemplates(data);
  const [go, ours] = await Promise.all([goKubeseal(args, { input }), kubeseal(args, { input })]);
  return { go, ours };
}

/** The output Secret's data, decoded, or the failure. */
function outcome(result: CliResult): Record<string, string> | { failed: number | null } {
  if (result.code !== 0) return { failed: result.code };
  const secret = JSON.parse(result.stdout) as { data?: Record<string, string> };
  return Object.fromEntries(
    Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
  );
}

describe('template.data through --recovery-unseal: ours = Go v0.40.0', () => {
  it.each<[string, Record<string, string | null>, Record<string, string>]>([
    [
      '§2.1 row 1: plaintext entries are variables',
      { username: 'myUsername', settings: '<u>{{ .username }}</u><p>{{ .password }}</p>' },
      { ...ENCRYPTED, username: 'myUsername', settings: '<u>myUsername</u><p>hunter2</p>' },
    ],
    [
      '§2.1 row 2: decrypted values win over a same-named plaintext entry',
      { shared: 'from-plaintext', out: '{{ .shared }}' },
      { ...ENCRYPTED, out: 'from-encrypted' },
    ],
    [
      '§2.1 row 3: variables are the raw, unrendered template text',
      { a: '{{ "x" }}', b: '{{ .a }}' },
      { ...ENCRYPTED, a: 'x', b: '{{ "x" }}' },
    ],
    [
      'a template over an encryptedData key runs, but the decrypted value stays',
      { password: 'x{{ .password }}x' },
      ENCRYPTED,
    ],
    [
      '§2.2: foo: null removes foo; other templates still see it',
      { foo: null, bar2: 'x{{ .foo }}x' },
      { password: 'hunter2', shared: 'from-encrypted', bar2: 'xbarx' },
    ],
    [
      'a missing name and a null-only name render <no value>; a null for no encrypted item is a no-op',
      { only: null, out: '{{ .missing }}|{{ .only }}' },
      { ...ENCRYPTED, out: '<no value>|<no value>' },
    ],
  ])('%s', async (_name, templates, expected) => {
    const { go, ours } = await bothUnseal(templates);
    expect(outcome(go), go.stderr).toStrictEqual(expected);
    expect(outcome(ours), ours.stderr).toStrictEqual(outcome(go));
  });

  it('§2.1 row 4: a failing template over an encryptedData key fails both, naming the key', async () => {
    const { go, ours } = await bothUnseal({ shared: '{{ fail "boom" }}' });
    expect(go.code).not.toBe(0);
    expect(ours.code).toBe(go.code);
    // Same location and key; only the message of `fail` differs (ours withholds it: packages/core template README).
    const prefix = 'template: shared:1:3: executing "shared" at <fail "boom">: error calling fail: ';
    expect(go.stderr).toContain(prefix);
    expect(go.stderr).toMatch(/\(shared\)\s*$/);
    expect(ours.stderr).toContain(prefix);
    expect(ours.stderr).toMatch(/\(shared\)\n/);
    expect(ours.stdout).toBe('');
  });
});
