import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSelfSignedCertificate, parseCertificatePem, publicKeyFingerprint } from '@ssts/core';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from './main.js';
import { parseCommandLine } from './program.js';
import { independentDecrypt } from './test-helpers/independent-crypto.js';
import { memoryIo } from './test-helpers/memory-io.js';
import { parseVerb } from './verb-program.js';
import { COMMANDS } from './verbs.js';

const CERT = readFileSync(join(VECTOR_4096_DIR, 'tls.crt'));
const KEY = readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8');
const TERMINAL = { stdinIsTTY: false, stderrIsTTY: false };
const FINGERPRINT = publicKeyFingerprint(parseCertificatePem(CERT.toString('utf8')).publicKey);

const FILE = `# shop
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: db
  namespace: shop
spec:
  encryptedData:
    user: AgAAAAold # kept
---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: api
  namespace: shop
  annotations:
    sealedsecrets.bitnami.com/namespace-wide: "true"
spec:
  encryptedData: {}
`;

async function kubeseal(args: string[], stdin = '', file = FILE) {
  const mem = memoryIo({ stdin: Buffer.from(stdin), files: { '/cert.pem': CERT, '/sealed.yaml': file } });
  const code = await run(args, mem.io, {});
  return { code, file: mem.files.get('/sealed.yaml')?.toString('utf8') ?? '', stderr: mem.stderr() };
}

function encrypted(text: string, index: number): Record<string, string> {
  const docs = text
    .split(/^---$/m)
    .map((d) => parse(d) as { spec: { encryptedData: Record<string, string> } });
  return docs[index]?.spec.encryptedData ?? {};
}

describe('kubeseal set / unset', () => {
  it('seals the value for the scope, name and namespace of the SealedSecret it goes into', async () => {
    const strict = await kubeseal(
      ['set', 'db', 'password', '-f', '/sealed.yaml', '--cert', '/cert.pem'],
      'pw',
    );
    expect(strict).toMatchObject({ code: 0, stderr: '' });
    const password = encrypted(strict.file, 0)['password'] ?? '';
    expect(independentDecrypt(KEY, password, 'shop/db').toString()).toBe('pw');
    // By default the seal hints are added: only their lines and the item's line are new.
    const hints =
      `  annotations:\n    sealed-secrets-ts/sealed-for: strict shop/db\n` +
      `    sealed-secrets-ts/sealed-with: ${FINGERPRINT}\n`;
    expect(strict.file).toBe(
      FILE.replace('metadata:\n  name: db', `metadata:\n${hints}  name: db`).replace(
        '    user:',
        `    password: ${password}\n    user:`,
      ),
    );

    const wide = await kubeseal([
      'set',
      'api',
      'token',
      '--from-literal=t0k',
      '-f',
      '/sealed.yaml',
      '--cert=/cert.pem',
      '--no-seal-hints',
    ]);
    const token = encrypted(wide.file, 1)['token'] ?? '';
    expect(independentDecrypt(KEY, token, 'shop').toString()).toBe('t0k');
    expect(wide.file).toBe(FILE.replace('encryptedData: {}', `encryptedData:\n    token: ${token}`));
  });

  it('updates stale seal hints in place and adds them beside existing annotations, written like their siblings', async () => {
    const stale = FILE.replace(
      '  annotations:\n    sealedsecrets.bitnami.com/namespace-wide: "true"',
      '  annotations:\n    sealed-secrets-ts/sealed-for: namespace-wide shop # kept comment\n' +
        '    sealed-secrets-ts/sealed-with: SHA256:old\n    sealedsecrets.bitnami.com/namespace-wide: "true"',
    );
    const out = await kubeseal(
      ['set', 'api', 'token', '--from-literal=t0k', '-f', '/sealed.yaml', '--cert=/cert.pem'],
      '',
      stale,
    );
    const token = encrypted(out.file, 1)['token'] ?? '';
    expect(out.file).toBe(
      stale
        .replace('sealed-with: SHA256:old', `sealed-with: ${FINGERPRINT}`)
        .replace('encryptedData: {}', `encryptedData:\n    token: ${token}`),
    );

    const fresh = await kubeseal([
      'set',
      'api',
      'token',
      '--from-literal=t0k',
      '-f',
      '/sealed.yaml',
      '--cert=/cert.pem',
    ]);
    const second = encrypted(fresh.file, 1)['token'] ?? '';
    expect(fresh.file).toBe(
      FILE.replace(
        '    sealedsecrets.bitnami.com/namespace-wide: "true"',
        '    sealed-secrets-ts/sealed-for: "namespace-wide shop"\n' +
          `    sealed-secrets-ts/sealed-with: "${FINGERPRINT}"\n` +
          '    sealedsecrets.bitnami.com/namespace-wide: "true"',
      ).replace('encryptedData: {}', `encryptedData:\n    token: ${second}`),
    );
  });

  it('removes one item and leaves every other byte', async () => {
    const out = await kubeseal(['unset', 'db', 'user', '-f', '/sealed.yaml']);
    expect(out.code).toBe(0);
    expect(out.file).toBe(
      FILE.replace('  encryptedData:\n    user: AgAAAAold # kept', '  encryptedData: {}'),
    );
  });

  it('refuses a hostile file with one line before the document model sees it, and leaves it alone', async () => {
    const hostile = `apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: db}\nspec: ${'['.repeat(2000)}\n`;
    for (const args of [
      ['set', 'db', 'a', '-f', '/hostile.yaml', '--from-literal=x', '--cert', '/cert.pem'],
      ['unset', 'db', 'a', '-f', '/hostile.yaml'],
    ]) {
      const mem = memoryIo({ files: { '/cert.pem': CERT, '/hostile.yaml': hostile } });
      expect(await run(args, mem.io, {})).toBe(1);
      expect(mem.stderr()).toMatch(/^error: [^\n]+\n$/);
      expect(mem.written).toEqual([]);
    }
  });

  it('leaves the file alone when the SealedSecret is not there', async () => {
    const out = await kubeseal([
      'set',
      'nope',
      'a',
      '-f',
      '/sealed.yaml',
      '--from-literal=x',
      '--cert',
      '/cert.pem',
    ]);
    expect(out).toMatchObject({
      code: 1,
      file: FILE,
      stderr: 'error: /sealed.yaml: no SealedSecret named nope\n',
    });
  });
});

describe('kubeseal cert show', () => {
  it('shows a certificate with empty DNs (the controller default) and one not valid yet', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = createSelfSignedCertificate({
      privateKey,
      publicKey,
      notBefore: new Date('2030-01-01T00:00:00Z'),
      validityMs: 86_400_000,
      serial: new Uint8Array(16).fill(1),
    });
    const mem = memoryIo({ files: { '/c.pem': pem }, now: new Date('2029-01-01T00:00:00Z') });
    expect(await run(['cert', 'show', '--cert', '/c.pem'], mem.io, {})).toBe(0);
    expect(mem.stdout()).toMatch(
      /^Subject: {4}\(empty\)\nIssuer: {5}\(empty\)\nSerial: {5}(01){16}\nNot before: 2030-01-01T00:00:00.000Z\nNot after: {2}2030-01-02T00:00:00.000Z \(not valid yet\)\nPublic key: RSA 2048 bits\n/,
    );
  });
});

describe('verbs beside the upstream command line', () => {
  it('is chosen only by a first word that is a verb', () => {
    // Upstream ignores words between flags; so does a command line that starts with a flag.
    const upstream = parseCommandLine(['--cert', 'c.pem', 'seal', 'set'], {});
    expect(upstream).toMatchObject({ kind: 'ok', args: ['seal', 'set'] });
    expect(parseVerb(['seal', '--cert', 'c.pem'], {}, TERMINAL)).toMatchObject({
      kind: 'run',
      plan: { mode: { kind: 'seal' } },
    });
  });

  it('maps validate and cert fetch onto the upstream modes, whatever the environment says', () => {
    const env = { SEALED_SECRETS_RAW: 'true', SEALED_SECRETS_RE_ENCRYPT: 'true' };
    expect(parseVerb(['validate', '-f', 's.yaml'], env, TERMINAL)).toMatchObject({
      kind: 'run',
      plan: { mode: { kind: 'validate' }, input: { kind: 'file', path: 's.yaml' } },
    });
    expect(parseVerb(['cert', 'fetch', '-w', 'c.pem'], env, TERMINAL)).toMatchObject({
      kind: 'run',
      plan: { mode: { kind: 'fetch-cert' }, output: { kind: 'file', path: 'c.pem' } },
    });
    expect(parseVerb(['seal'], env, TERMINAL)).toMatchObject({ plan: { mode: { kind: 'seal' } } });
  });

  it('has --help with examples for every verb', () => {
    const verbs: string[][] = COMMANDS.commands.flatMap((c): string[][] =>
      'commands' in c ? c.commands.map((s) => [c.name, s.name]) : [[c.name]],
    );
    for (const words of verbs) {
      const call = parseVerb([...words, '--help'], {}, TERMINAL);
      expect(call.kind, words.join(' ')).toBe('print');
      if (call.kind === 'print') {
        expect(call.text).toContain(`Usage:\n  kubeseal ${words.join(' ')}`);
        expect(call.text).toContain('Examples:\n  ');
      }
    }
  });
});

/** Runs the generated bash completion for a command line ending in the word being completed. */
function bashComplete(script: string, words: string[]): string[] {
  const program = [
    script,
    'COMP_WORDS=("$@"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 )); COMPREPLY=()',
    '__kubeseal_complete',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  const out = execFileSync('bash', ['-c', program, 'bash', ...words], {
    encoding: 'utf8',
    cwd: VECTOR_4096_DIR,
  });
  return out.split('\n').filter((line) => line !== '');
}

describe('kubeseal completion', () => {
  it('completes verbs, their flags and flag values in bash from the same definitions', async () => {
    const mem = memoryIo();
    expect(await run(['completion', 'bash'], mem.io, {})).toBe(0);
    const script = mem.stdout();
    const verbs = [
      'seal',
      'set',
      'unset',
      'cert',
      'validate',
      'keys',
      'reencrypt',
      'check',
      'help',
      'completion',
    ];
    expect(bashComplete(script, ['kubeseal', ''])).toEqual(verbs);
    expect(bashComplete(script, ['kubeseal', 'keys', '-o', ''])).toEqual(['table', 'json']);
    expect(bashComplete(script, ['kubeseal', 'cert', ''])).toEqual(['fetch', 'show']);
    expect(bashComplete(script, ['kubeseal', 'seal', '--sc'])).toEqual(['--scope']);
    expect(bashComplete(script, ['kubeseal', 'seal', '--scope', 'n'])).toEqual(['namespace-wide']);
    expect(bashComplete(script, ['kubeseal', 'set', 'db', 'k', '--from-'])).toEqual([
      '--from-file',
      '--from-literal',
    ]);
    expect(bashComplete(script, ['kubeseal', 'seal', '--cert', 'tls.c'])).toEqual(['tls.crt']);
    // The upstream flags at the root; a command line that starts with a flag is the upstream one, so no verb is
    // offered after a flag (and `cert` there does not enter the verb).
    expect(bashComplete(script, ['kubeseal', '--re-enc'])).toEqual(['--re-encrypt']);
    expect(bashComplete(script, ['kubeseal', '--raw', ''])).toEqual([]);
    expect(bashComplete(script, ['kubeseal', '--raw', 'cert', ''])).toEqual([]);
    expect(bashComplete(script, ['kubeseal', '--cert', 'tls.crt', 's'])).toEqual([]);
    expect(bashComplete(script, ['kubeseal', 'cert', '--cert', 'tls.crt', ''])).toEqual([]);
    expect(bashComplete(script, ['kubeseal', 'check', 'tls.c'])).toEqual(['tls.crt']);
  });

  it('writes zsh and fish scripts for the same tree', async () => {
    for (const shell of ['zsh', 'fish']) {
      const mem = memoryIo();
      expect(await run(['completion', shell], mem.io, {})).toBe(0);
      const script = mem.stdout();
      const flag = shell === 'fish' ? (name: string) => `-l ${name}` : (name: string) => `--${name}`;
      for (const word of [
        'seal',
        'set',
        'unset',
        'cert fetch',
        'cert show',
        'validate',
        flag('from-literal'),
      ])
        expect(script, `${shell}: ${word}`).toContain(word);
      // As in bash: a verb is offered only as the first word, never after a leading (upstream) flag.
      if (shell === 'fish') {
        expect(script).toContain(
          "complete -c kubeseal -n '__kubeseal_next \\'\\'' -a 'check' -d 'Find plain Secrets",
        );
        expect(script).not.toMatch(/__kubeseal_at [^\n]* -a 'seal'/);
      } else {
        expect(script).toContain("\n      if (( CURRENT == 2 )); then _arguments -s '--cert[");
      }
    }
  });
});

describe('seal hints', () => {
  const SECRET = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'shop' },
    data: { password: 'cHc=' },
  });

  async function seal(args: string[], env: Record<string, string> = {}) {
    const mem = memoryIo({ stdin: Buffer.from(SECRET), files: { '/cert.pem': CERT } });
    const code = await run([...args, '--cert', '/cert.pem'], mem.io, env);
    expect(mem.stderr()).toBe('');
    expect(code).toBe(0);
    return JSON.parse(mem.stdout()) as {
      metadata: { namespace: string; annotations?: Record<string, string> };
    };
  }

  it('leaves the upstream command line as Go kubeseal writes it unless --seal-hints (or its variable) asks', async () => {
    expect((await seal([])).metadata.annotations).toBeUndefined();
    expect((await seal(['--scope', 'cluster-wide'])).metadata.annotations).toEqual({
      'sealedsecrets.bitnami.com/cluster-wide': 'true',
    });
    const hints = {
      'sealed-secrets-ts/sealed-for': 'strict shop/db',
      'sealed-secrets-ts/sealed-with': FINGERPRINT,
    };
    expect((await seal(['--seal-hints'])).metadata.annotations).toEqual(hints);
    expect((await seal([], { SEALED_SECRETS_SEAL_HINTS: 'true' })).metadata.annotations).toEqual(hints);
    expect((await seal(['seal'])).metadata.annotations).toEqual(hints);
    expect((await seal(['seal', '--no-seal-hints'])).metadata.annotations).toBeUndefined();
    expect(
      (await seal(['seal'], { SEALED_SECRETS_NO_SEAL_HINTS: 'true' })).metadata.annotations,
    ).toBeUndefined();
    // --seal-hints belongs to the upstream command line only.
    expect((await seal(['seal'], { SEALED_SECRETS_SEAL_HINTS: 'false' })).metadata.annotations).toEqual(
      hints,
    );
  });

  it('lets --recovery-unseal say what happened to a SealedSecret the seal verb wrote', async () => {
    const moved = {
      ...(await seal(['seal'])),
      metadata: { ...(await seal(['seal'])).metadata, namespace: 'staging' },
    };
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const strangerPem = stranger.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const recover = async (key: string) => {
      const mem = memoryIo({ files: { '/moved.json': JSON.stringify(moved), '/key.pem': key } });
      const args = ['--recovery-unseal', '--recovery-private-key', '/key.pem', '-f', '/moved.json'];
      expect(await run(args, mem.io, {})).toBe(1);
      return mem.stderr();
    };
    expect(await recover(KEY)).toContain('cause: sealed for shop/db, found at staging/db\n');
    expect(await recover(strangerPem)).toContain(
      `cause: sealed with key ${FINGERPRINT.slice(0, 15)}… which the given keys do not have (it has `,
    );
  });
});
