import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import {
  hybridDecrypt,
  parseCertificatePem as coreParseCertificate,
  publicKeyFingerprint,
  unsealSealedSecret,
  keysDecryptor,
  type SealedSecret,
} from '@ssts/core';
import { run, type Io } from '@ssts/kubeseal';
import { readFixture } from '@ssts/test-utils';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes.js';
import { assertNotExpired, importCertificate, matchesPin, parseCertificatePem } from './certificate.js';
import { CertificateError, InputError } from './errors.js';
import { hybridEncrypt } from './hybrid.js';
import { renderSealedSecret, sealRawForm, sealSecretForm, type SecretForm } from './seal.js';
import { parseKeyValueLines } from './validate.js';

// The page's sealing code runs here exactly as in the browser: WebCrypto is globalThis.crypto.subtle on Node >= 20.
const CERT_PEM = readFixture('vectors', 'sealedsecret-4096', 'tls.crt');
const PRIVATE_KEY = createPrivateKey(readFixture('vectors', 'sealedsecret-4096', 'tls.key'));
/** Every byte value once, so a single flipped or re-encoded byte shows. */
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected a rejection');
}

async function unseal(ss: SealedSecret): Promise<Record<string, Buffer>> {
  const secret = await unsealSealedSecret(ss, { decrypt: keysDecryptor([PRIVATE_KEY]) });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
}

const form = (overrides: Partial<SecretForm> = {}): SecretForm => ({
  name: 'db-credentials',
  namespace: 'web',
  scope: 'strict',
  type: 'Opaque',
  labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' },
  annotations: { note: 'kept <as> & is', 'example.com/owner': 'team a' },
  items: [
    { key: 'password', value: utf8(' p@ss w0rd \n'), field: 'item-0' },
    { key: 'blob.bin', value: BINARY, field: 'item-1' },
    { key: 'empty', value: new Uint8Array(0), field: 'item-2' },
    { key: 'unicode.txt', value: utf8('grüße — ✓\r\n'), field: 'item-3' },
  ],
  ...overrides,
});

describe('importCertificate', () => {
  it('reads the controller certificate like the core does: validity, key size, fingerprints', async () => {
    const key = await importCertificate(CERT_PEM);
    const core = coreParseCertificate(CERT_PEM);
    expect(key.modulusBits).toBe(4096);
    expect(key.notBefore).toEqual(core.notBefore);
    expect(key.notAfter).toEqual(core.notAfter);
    expect(key.keyFingerprint).toBe(publicKeyFingerprint(core.publicKey));
    expect(key.certificateSha256).toBe(new X509Certificate(CERT_PEM).fingerprint256);
  });

  it('skips blocks with headers and other block types, and uses the first certificate', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const headered = CERT_PEM.replace(
      '-----BEGIN CERTIFICATE-----\n',
      '-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n',
    );
    const key = await importCertificate(`${other}\n${headered}\n${CERT_PEM}\n`);
    expect(key.modulusBits).toBe(4096);
  });

  it('refuses what is not an RSA certificate with kubeseal’s texts, and hostile input without crashing', async () => {
    expect((await errorOf(importCertificate('hello'))).message).toBe(
      'data does not contain any valid RSA or ECDSA certificates',
    );
    expect((await errorOf(importCertificate(EC_CERTIFICATE_PEM))).message).toBe(
      'expected RSA public key but found *ecdsa.PublicKey',
    );
    expect((await errorOf(importCertificate(' '.repeat(64 * 1024 + 1)))).message).toBe(
      'the certificate is larger than 64 KiB',
    );
    // A length field claiming 4 GiB, and a truncated body.
    const huge = pem(Uint8Array.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00]));
    expect(await errorOf(importCertificate(huge))).toBeInstanceOf(CertificateError);
    const der = Buffer.from(new X509Certificate(CERT_PEM).raw);
    expect((await errorOf(importCertificate(pem(der.subarray(0, der.length - 1))))).message).toBe(
      'x509: malformed certificate',
    );
  });

  it('throws only CertificateError for any bytes in a CERTIFICATE block', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        expect(await errorOf(importCertificate(pem(bytes)))).toBeInstanceOf(CertificateError);
      }),
      { numRuns: 300 },
    );
    // Mutations of the real certificate: either still a usable key or a CertificateError, never anything else.
    const der = new Uint8Array(new X509Certificate(CERT_PEM).raw);
    await fc.assert(
      fc.asyncProperty(fc.nat(der.length - 1), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const mutated = der.slice();
        mutated[at] = (mutated[at] ?? 0) ^ xor;
        try {
          parseCertificatePem(pem(mutated));
        } catch (error) {
          expect(error).toBeInstanceOf(CertificateError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('matches a pinned key fingerprint, or the certificate SHA-256 as openssl prints it', async () => {
    const key = await importCertificate(CERT_PEM);
    const openssl = `sha256 Fingerprint=${new X509Certificate(CERT_PEM).fingerprint256}`;
    expect(matchesPin(key, '')).toBeUndefined();
    expect(matchesPin(key, ` ${publicKeyFingerprint(coreParseCertificate(CERT_PEM).publicKey)} `)).toBe(true);
    expect(matchesPin(key, openssl)).toBe(true);
    expect(matchesPin(key, openssl.toLowerCase())).toBe(true);
    expect(matchesPin(key, 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(false);
  });

  it('refuses an expired certificate with kubeseal’s text', async () => {
    const key = await importCertificate(CERT_PEM);
    expect(() => assertNotExpired(key, new Date('2036-11-20T12:51:15Z'))).not.toThrow();
    expect(() => assertNotExpired(key, new Date('2036-11-20T12:51:16Z'))).toThrow(
      'failed to encrypt using an expired certificate on November 20, 2036',
    );
  });
});

describe('hybridEncrypt (WebCrypto) is byte-compatible with the core (node:crypto)', () => {
  it('decrypts with the core under the same label, for every scope’s label, binary and empty values', async () => {
    const { publicKey } = await importCertificate(CERT_PEM);
    for (const label of ['web/db-credentials', 'web', '']) {
      for (const value of [BINARY, new Uint8Array(0), utf8(' trailing space and newline \n')]) {
        const blob = await hybridEncrypt(publicKey, value, utf8(label));
        expect(blob.length).toBe(2 + 512 + value.length + 16);
        expect([blob[0], blob[1]]).toEqual([0x02, 0x00]);
        expect(new Uint8Array(hybridDecrypt(PRIVATE_KEY, blob, utf8(label)))).toEqual(value);
        expect(() => hybridDecrypt(PRIVATE_KEY, blob, utf8(`${label}x`))).toThrow();
      }
    }
  });

  it('uses a fresh session key for every value', async () => {
    const { publicKey } = await importCertificate(CERT_PEM);
    const a = await hybridEncrypt(publicKey, utf8('same'), utf8('l'));
    const b = await hybridEncrypt(publicKey, utf8('same'), utf8('l'));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(false);
  });
});

describe('sealSecretForm', () => {
  it('produces a SealedSecret the core unseals to exactly the given bytes, for every scope', async () => {
    const key = await importCertificate(CERT_PEM);
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
      const ss = await sealSecretForm(form({ scope }), key);
      const data = await unseal(ss);
      expect(Object.keys(data).sort()).toEqual(['blob.bin', 'empty', 'password', 'unicode.txt']);
      expect(new Uint8Array(data['blob.bin'] ?? [])).toEqual(BINARY);
      expect(data['password']?.toString('utf8')).toBe(' p@ss w0rd \n');
      expect(data['unicode.txt']?.toString('utf8')).toBe('grüße — ✓\r\n');
      expect(data['empty']?.length).toBe(0);
    }
  });

  it('refuses forms the API server would refuse, naming the field', async () => {
    const key = await importCertificate(CERT_PEM);
    const cases: [Partial<SecretForm>, string, string][] = [
      [{ name: '' }, 'name', 'a name is required'],
      [{ name: 'Bad_Name' }, 'name', '"Bad_Name" is not a valid name'],
      [{ namespace: '' }, 'namespace', 'a namespace is required for this scope'],
      [{ namespace: 'a.b' }, 'namespace', '"a.b" is not a valid namespace'],
      [{ items: [] }, 'items', 'add at least one item'],
      [{ items: [{ key: 'a b', value: utf8('x'), field: 'item-7' }] }, 'item-7', '"a b" is not a valid key'],
      [
        {
          items: [
            { key: 'k', value: utf8('1'), field: 'item-0' },
            { key: 'k', value: utf8('2'), field: 'item-1' },
          ],
        },
        'item-1',
        'the key "k" is used twice',
      ],
      [
        { items: [{ key: 'big', value: new Uint8Array(1024 * 1024), field: 'item-0' }] },
        'items',
        "the Secret's data may be at most 1 MiB in all",
      ],
    ];
    for (const [overrides, field, message] of cases) {
      const error = await errorOf(sealSecretForm(form(overrides), key));
      expect(error).toBeInstanceOf(InputError);
      expect(error.message).toContain(message);
      expect((error as InputError).field).toBe(field);
    }
    const typed: [Partial<SecretForm>, string][] = [
      [{ type: 'kubernetes.io/tls' }, 'a kubernetes.io/tls Secret needs the items "tls.crt" and "tls.key"'],
      [{ type: 'kubernetes.io/ssh-auth' }, 'a kubernetes.io/ssh-auth Secret needs the item "ssh-privatekey"'],
      [
        { type: 'kubernetes.io/basic-auth', items: [{ key: 'user', value: utf8('x'), field: 'item-0' }] },
        'a kubernetes.io/basic-auth Secret needs the item "username" or "password"',
      ],
      [
        {
          type: 'kubernetes.io/dockerconfigjson',
          items: [{ key: '.dockerconfigjson', value: utf8('{"auths": not json'), field: 'item-0' }],
        },
        'the ".dockerconfigjson" item of a kubernetes.io/dockerconfigjson Secret must be JSON',
      ],
    ];
    for (const [overrides, message] of typed) {
      const error = await errorOf(sealSecretForm(form(overrides), key));
      expect(error.message).toBe(message);
      expect(error.message).not.toContain('not json');
      expect((error as InputError).field).toBe('type');
    }
    const tls = form({
      type: 'kubernetes.io/tls',
      items: [
        { key: 'tls.crt', value: utf8('c'), field: 'item-0' },
        { key: 'tls.key', value: utf8('k'), field: 'item-1' },
      ],
    });
    expect((await sealSecretForm(tls, key)).spec.template?.type).toBe('kubernetes.io/tls');
    // Cluster-wide needs no namespace (kubeseal keeps none).
    const ss = await sealSecretForm(form({ scope: 'cluster-wide', namespace: '' }), key);
    expect(ss.metadata).toEqual({
      name: 'db-credentials',
      annotations: { 'sealedsecrets.bitnami.com/cluster-wide': 'true' },
    });
  });
});

describe('parseKeyValueLines', () => {
  it('keeps values exactly, skips blank lines, refuses bad keys, label values and duplicates', () => {
    expect(parseKeyValueLines('labels', 'app=web\n\n tier =db\r\n', 'label')).toEqual({
      app: 'web',
      tier: 'db',
    });
    expect(parseKeyValueLines('annotations', 'a/b= spaced = value ', 'annotation')).toEqual({
      'a/b': ' spaced = value ',
    });
    expect(() => parseKeyValueLines('labels', 'novalue', 'label')).toThrow(
      'line 1: expected label key=value',
    );
    expect(() => parseKeyValueLines('labels', 'a=b c', 'label')).toThrow('is not a valid label value');
    expect(() => parseKeyValueLines('labels', 'a=1\na=2', 'label')).toThrow('label "a" is given twice');
    expect(() => parseKeyValueLines('annotations', '-x=1', 'annotation')).toThrow(
      'is not a valid annotation key',
    );
    expect(() => parseKeyValueLines('annotations', `a=${'x'.repeat(256 * 1024)}`, 'annotation')).toThrow(
      'annotations may total at most 256 KiB',
    );
  });
});

// ---- The same input through our kubeseal: the page's output must be identical once ciphertexts are masked. ----

function memoryIo(
  stdin: string | Uint8Array,
  files: Record<string, string>,
): { io: Io; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  const decoder = new TextDecoder();
  const text = (chunk: string | Uint8Array) => (typeof chunk === 'string' ? chunk : decoder.decode(chunk));
  return {
    io: {
      stdin: { isTTY: false, readAll: () => Promise.resolve(Buffer.from(stdin)) },
      stdout: { isTTY: false, write: (c) => void (out += text(c)) },
      stderr: { isTTY: false, write: (c) => void (err += text(c)) },
      fs: {
        readFile: (path) => {
          const data = files[path];
          return data === undefined
            ? Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }))
            : Promise.resolve(Buffer.from(data));
        },
        writeFileAtomic: () => Promise.reject(new Error('no writes expected')),
      },
      now: () => new Date('2027-01-01T00:00:00Z'),
    },
    stdout: () => out,
    stderr: () => err,
  };
}

async function kubeseal(args: string[], stdin: string | Uint8Array = ''): Promise<string> {
  const mem = memoryIo(stdin, { '/cert.pem': CERT_PEM });
  const code = await run(['--cert', '/cert.pem', ...args], mem.io, {});
  if (code !== 0) throw new Error(`kubeseal exited with ${code}: ${mem.stderr()}`);
  return mem.stdout();
}

/** Base64 ciphertexts of a 4096-bit key start with `Ag` and are long; nothing else in the output is. */
const mask = (text: string) => text.replace(/Ag[A-Za-z0-9+/]{100,}={0,2}/g, '<ciphertext>');

/** The Secret kubeseal reads for a form: values as base64 `data`, exactly the bytes the page seals. */
function secretJson(f: SecretForm): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: f.name,
      ...(f.namespace === '' ? {} : { namespace: f.namespace }),
      labels: f.labels,
      annotations: f.annotations,
    },
    ...(f.type === '' ? {} : { type: f.type }),
    data: Object.fromEntries(f.items.map((item) => [item.key, Buffer.from(item.value).toString('base64')])),
  });
}

describe('the page’s output is kubeseal’s output', () => {
  it('YAML and JSON, byte for byte with ciphertexts masked, for every scope', async () => {
    const key = await importCertificate(CERT_PEM);
    for (const scope of ['strict', 'namespace-wide', 'cluster-wide'] as const) {
      for (const f of [form({ scope }), form({ scope, type: '', labels: {}, annotations: {} })]) {
        const ss = await sealSecretForm(f, key);
        for (const format of ['yaml', 'json'] as const) {
          const expected = await kubeseal(['--scope', scope, '-o', format], secretJson(f));
          const ours = await renderSealedSecret(ss, format);
          expect(mask(ours)).toBe(mask(expected));
          expect(ours).not.toBe(mask(ours));
        }
      }
    }
  });

  it('for generated names, keys, labels and annotations (YAML traps included)', async () => {
    const key = await importCertificate(CERT_PEM);
    const dnsLabel = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
    const trap = fc.constantFrom(
      'yes',
      'no',
      'on',
      'off',
      'y',
      'n',
      'true',
      'null',
      '~',
      '0x1f',
      '1e3',
      '1_000',
      '',
    );
    const labelValue = fc.oneof(
      trap.filter((t) => t !== '~'),
      fc.stringMatching(/^[a-z0-9]([a-z0-9._-]{0,8}[a-z0-9])?$/),
    );
    const annotationValue = fc.oneof(trap, fc.string({ maxLength: 20 }), fc.constant('line1\nline2\n'));
    await fc.assert(
      fc.asyncProperty(
        dnsLabel,
        dnsLabel,
        fc.constantFrom('strict', 'namespace-wide', 'cluster-wide' as const),
        fc.uniqueArray(
          fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/).filter((k) => k !== '.' && k !== '..'),
          {
            minLength: 1,
            maxLength: 4,
          },
        ),
        fc.dictionary(fc.stringMatching(/^[a-z]([a-z0-9.-]{0,6}[a-z0-9])?$/), labelValue, { maxKeys: 3 }),
        fc.dictionary(fc.stringMatching(/^[a-z]([a-z0-9.-]{0,6}[a-z0-9])?$/), annotationValue, {
          maxKeys: 3,
        }),
        fc.constantFrom('', 'Opaque', 'example.com/custom-type'),
        async (name, namespace, scope, keys, labels, annotations, type) => {
          const f = form({
            name,
            namespace,
            scope,
            type,
            labels,
            annotations,
            items: keys.map((k, i) => ({ key: k, value: utf8(`v${i}`), field: `item-${i}` })),
          });
          const ss = await sealSecretForm(f, key);
          for (const format of ['yaml', 'json'] as const) {
            const expected = await kubeseal(['--scope', scope, '-o', format], secretJson(f));
            expect(mask(await renderSealedSecret(ss, format))).toBe(mask(expected));
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('raw mode: base64 without newline, decryptable under the scope’s label like kubeseal --raw’s', async () => {
    const key = await importCertificate(CERT_PEM);
    const cases = [
      { scope: 'strict', label: 'web/app', args: ['-n', 'web', '--name', 'app'] },
      { scope: 'namespace-wide', label: 'web', args: ['-n', 'web'] },
      { scope: 'cluster-wide', label: '', args: [] },
    ] as const;
    for (const { scope, label, args } of cases) {
      const ours = await sealRawForm({ scope, namespace: 'web', name: 'app', value: BINARY }, key);
      const theirs = await kubeseal(['--raw', '--scope', scope, ...args], BINARY);
      expect(ours).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
      expect(ours.length).toBe(theirs.length);
      expect(new Uint8Array(hybridDecrypt(PRIVATE_KEY, Buffer.from(ours, 'base64'), utf8(label)))).toEqual(
        BINARY,
      );
    }
    expect(
      (await errorOf(sealRawForm({ scope: 'strict', namespace: 'web', name: '', value: BINARY }, key)))
        .message,
    ).toBe('a name is required');
  });
});

function pem(der: Uint8Array): string {
  const body = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;
}

/** A self-signed P-256 certificate (`openssl req -x509 -newkey ec`), test data only. */
const EC_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIIBcDCCARWgAwIBAgIUDyf9zpJynn2BNLFG3Qzm/tEPnF0wCgYIKoZIzj0EAwIw
DTELMAkGA1UEAwwCZWMwHhcNMjYxMjA2MTI0NjA0WhcNMzYxMjAzMTI0NjA0WjAN
MQswCQYDVQQDDAJlYzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABCg/HRbXwEln
aO2eRbCFfiFDNt/r7TVZXrw0SZ6Z4gmwLoYsgm7C7zFlOwPhTgQDgQpT1ZsCWtse
BkpOc9z0mKyjUzBRMB0GA1UdDgQWBBQxP20DF6G3PYbZ0l+V5Ey770KFJDAfBgNV
HSMEGDAWgBQxP20DF6G3PYbZ0l+V5Ey770KFJDAPBgNVHRMBAf8EBTADAQH/MAoG
CCqGSM49BAMCA0kAMEYCIQC/N2Q5bBsf1k6q8hM7RQ30rE3qvTZdyEcF33eLu+Mh
igIhAIe57KLj3gZkpFaLaBxv2LkfZaofum6jkR2TjkVEflRN
-----END CERTIFICATE-----
`;
