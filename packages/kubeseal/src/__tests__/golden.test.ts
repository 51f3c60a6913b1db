import { createPublicKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publicKeyFingerprint } from '@ssts/core';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { startFakeApiServer, kubeconfigFor, type FakeApiServer } from '../test-helpers/fake-apiserver.js';
import { independentDecrypt, scrubCiphertexts } from '../test-helpers/independent-crypto.js';
import { memoryIo } from '../test-helpers/memory-io.js';

// Each folder under golden/ is one CLI run: args.txt (one argument per line), optional stdin, env.txt (KEY=VALUE),
// tty.txt (`stdin`/`stderr`), now.txt (ISO date) and files/ (mounted at /case/); `{{SERVER}}` in args and files is
// the fake API server's URL. Expected: stdout.golden, stderr.golden, exit-code and, when the run wrote files,
// files.golden. UPDATE_GOLDEN=1 rewrites the expectations.

const GOLDEN_DIR = fileURLToPath(new URL('./golden', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const TLS_KEY = readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8');
const FIXTURE_FINGERPRINT = publicKeyFingerprint(createPublicKey(TLS_KEY));

function readOptional(dir: string, name: string): string | undefined {
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

function mountFiles(dir: string, prefix: string, into: Record<string, Buffer>, server: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) mountFiles(path, `${prefix}/${entry}`, into, server);
    else
      into[`${prefix}/${entry}`] = Buffer.from(readFileSync(path, 'utf8').replaceAll('{{SERVER}}', server));
  }
}

/** The fake controller accepts a SealedSecret when the fixture key decrypts all items with its label. */
function verifies(body: string): number {
  const ss = JSON.parse(body) as {
    metadata: { name?: string; namespace?: string; annotations?: Record<string, string> };
    spec: { encryptedData: Record<string, string> };
  };
  if (ss.metadata.name === 'boom') return 500;
  const a = ss.metadata.annotations ?? {};
  const ns = ss.metadata.namespace ?? '';
  const label =
    a['sealedsecrets.bitnami.com/cluster-wide'] === 'true'
      ? ''
      : a['sealedsecrets.bitnami.com/namespace-wide'] === 'true'
        ? ns
        : `${ns}/${ss.metadata.name ?? ''}`;
  try {
    for (const value of Object.values(ss.spec.encryptedData)) independentDecrypt(TLS_KEY, value, label);
    return 200;
  } catch {
    return 409;
  }
}

/** Like the v0.40.0 controller: answers without apiVersion/kind, and without spec.template.data. */
function rotates(body: string): { status: number; body: string } {
  const ss = JSON.parse(body) as {
    apiVersion?: string;
    kind?: string;
    metadata: Record<string, unknown>;
    spec: { template?: Record<string, unknown> };
  };
  if (ss.metadata.name === 'conflict') return { status: 409, body: '' };
  if (ss.metadata.name === 'boom')
    return { status: 500, body: 'error decrypting secret. no key could decrypt secret\n' };
  const { apiVersion: _a, kind: _k, ...rest } = ss;
  const metadata = { ...rest.metadata, creationTimestamp: '2026-01-01T00:00:00Z', generation: 3 };
  const { data: _data, ...template } = rest.spec.template ?? {};
  return { status: 200, body: JSON.stringify({ ...rest, metadata, spec: { ...rest.spec, template } }) };
}

/** A controller after one renewal: the old key still needed by one object, and one without a known key. */
const KEY_INVENTORY = JSON.stringify({
  keys: [
    {
      fingerprint: 'SHA256:y6BrVzb69n5UsHtWHq6UOV53TFF6fZEKVDaeEmPM+9Q',
      secretName: 'sealed-secrets-keyabcde',
      created: '2026-01-01T00:00:00Z',
      state: 'active',
      objects: 1,
      items: 2,
      linked: false,
    },
    {
      fingerprint: 'SHA256:EVB6Di9eadXfpApiob17buV+a82FxnybhDGzb/8hxDc',
      secretName: 'sealed-secrets-keyfghij',
      created: '2026-02-01T00:00:00Z',
      state: 'sealing',
      objects: 3,
      items: 5,
      linked: true,
    },
  ],
  objects: 5,
  objectsWithoutKey: 1,
});

const cases = readdirSync(GOLDEN_DIR)
  .filter((name) => statSync(join(GOLDEN_DIR, name)).isDirectory())
  .sort();

describe('golden CLI runs', () => {
  let server: FakeApiServer;
  beforeAll(async () => {
    server = await startFakeApiServer({
      certificate: readFileSync(join(VECTOR_4096_DIR, 'tls.crt'), 'utf8'),
      verify: verifies,
      rotate: rotates,
      keys: KEY_INVENTORY,
    });
  });
  afterAll(() => server.close());

  it.each(cases)('%s', async (name) => {
    const dir = join(GOLDEN_DIR, name);
    const args = (readOptional(dir, 'args.txt') ?? '')
      .split('\n')
      .filter((line) => line !== '')
      .map((arg) => arg.replaceAll('{{SERVER}}', server.url));
    const env: Record<string, string> = { HOME: '/home/test' };
    for (const line of (readOptional(dir, 'env.txt') ?? '').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
    }
    const tty = readOptional(dir, 'tty.txt') ?? '';
    const now = readOptional(dir, 'now.txt');
    const files: Record<string, Buffer> = {
      '/home/test/.kube/config': Buffer.from(kubeconfigFor(server.url)),
      // Key continuity: the fake controller's certificate is already pinned, so a run prints and writes what it did
      // before pinning; the pin-* cases point SEALED_SECRETS_KNOWN_CERTS at their own file.
      '/home/test/.config/kubeseal/known-certs.json': Buffer.from(
        JSON.stringify({
          version: 1,
          controllers: Object.fromEntries(
            ['sealed-secrets-controller', 'unnamed-port'].map((name) => [
              `${server.url}#kube-system/${name}`,
              [FIXTURE_FINGERPRINT],
            ]),
          ),
        }),
      ),
    };
    for (const fixture of readdirSync(VECTOR_4096_DIR)) {
      files[`/fixtures/${fixture}`] = readFileSync(join(VECTOR_4096_DIR, fixture));
    }
    mountFiles(join(dir, 'files'), '/case', files, server.url);
    const mem = memoryIo({
      ...(existsSync(join(dir, 'stdin')) ? { stdin: readFileSync(join(dir, 'stdin')) } : {}),
      stdinIsTTY: tty.includes('stdin'),
      stderrIsTTY: tty.includes('stderr'),
      files,
      ...(now === undefined ? {} : { now: new Date(now.trim()) }),
    });
    const code = await run(args, mem.io, env);

    const scrub = (text: string) =>
      scrubCiphertexts(text)
        .replaceAll(server.url, '{{SERVER}}')
        // Update tags (seal --update) have a random salt: their key id stays.
        .replace(
          /\bv1\.([A-Za-z0-9_-]{8})\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/g,
          'v1.$1.<salt>.<mac>',
        );
    const actual: Record<string, string> = {
      'stdout.golden': scrub(mem.stdout()),
      'stderr.golden': scrub(mem.stderr()),
      'exit-code': `${code}\n`,
    };
    if (mem.written.length > 0) {
      actual['files.golden'] = [...new Set(mem.written)]
        .map((path) => `=== ${path}\n${scrub(mem.files.get(path)?.toString('utf8') ?? '')}`)
        .join('\n');
    }
    for (const [file, content] of Object.entries(actual)) {
      const path = join(dir, file);
      if (UPDATE) writeFileSync(path, content);
      else expect(content, `${name}/${file}`).toBe(readFileSync(path, 'utf8'));
    }
    if (!UPDATE) expect(existsSync(join(dir, 'files.golden'))).toBe('files.golden' in actual);
  });
});
