import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { describe, expect, it } from 'vitest';
import { run } from '../main.js';
import { memoryIo } from '../test-helpers/memory-io.js';

// A plaintext value of the user's input is as secret as a decrypted one: CI logs keep stderr. Every reader of
// kubeseal's input (the Secret stream, the --merge-into file, a key file, a kubeconfig) gets inputs whose YAML
// error the `yaml` library would spell with the value in it; the error must name the place, never the text.

const SECRET = 'CANARY-s3cr3t-7Qw9';
/** The value and the forms it could take on the way (base64 at each alignment, hex). */
const FORMS = [
  SECRET,
  'CANARY',
  's3cr3t',
  Buffer.from(SECRET).toString('hex'),
  ...[0, 1, 2].map((shift) =>
    Buffer.from('xx'.slice(0, shift) + SECRET)
      .toString('base64')
      .slice(4, -4),
  ),
];

const HEAD = 'apiVersion: v1\nkind: Secret\nmetadata: {name: a, namespace: n}\nstringData:\n';
/** Values a user may well write (`*` or `|` first), each a YAML error whose library message quotes the value. */
const HOSTILE: Record<string, [string, string]> = {
  alias: [`${HEAD}  pw: *${SECRET}\n`, 'Unresolved alias (the anchor must be set before the alias)'],
  'block header': [
    `${HEAD}  pw: |${SECRET}\n`,
    'Block scalar header includes extra characters at line 5, column 8',
  ],
  'folded header': [`${HEAD}  pw: > ${SECRET}\n`, 'Not a YAML token at line 5, column 9'],
  escape: [`${HEAD}  pw: "\\U${SECRET}"\n`, 'Invalid escape sequence at line 5, column 8'],
  tag: [`${HEAD}  pw: !!${SECRET}!x y\n`, 'Could not resolve tag at line 5, column 7'],
};
const TLS_CRT = readFileSync(join(VECTOR_4096_DIR, 'tls.crt'), 'utf8');
const TLS_KEY = readFileSync(join(VECTOR_4096_DIR, 'tls.key'), 'utf8');
const GOOD_SECRET = `${HEAD}  pw: ok\n`;
const SEALED =
  'apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: a, namespace: n}\nspec: {encryptedData: {pw: AgA}}\n';

async function kubeseal(args: string[], stdin: string, files: Record<string, string>) {
  const mem = memoryIo({ stdin, files: { '/tls.crt': TLS_CRT, '/tls.key': TLS_KEY, ...files } });
  const code = await run(args, mem.io, { HOME: '/home/u' });
  return { code, stderr: mem.stderr(), stdout: mem.stdout(), mem };
}

describe.each(Object.entries(HOSTILE))(
  'a YAML error around a value (%s) is reported by place',
  (_what, [input, reason]) => {
    it('in the Secret stream (stdin, and -f with -w: nothing written)', async () => {
      for (const [args, stdin, files] of [
        [['--cert', '/tls.crt'], input, {}],
        [['--cert', '/tls.crt', '-f', '/in.yaml', '-w', '/out.yaml'], '', { '/in.yaml': input }],
        [['seal', '--cert', '/tls.crt', '-f', '/in.yaml'], '', { '/in.yaml': input }],
      ] as const) {
        const r = await kubeseal([...args], stdin, files);
        expect(r).toMatchObject({
          code: 1,
          stderr: `error: document 1: invalid YAML: ${reason}\n`,
          stdout: '',
        });
        expect(r.mem.written).toEqual([]);
      }
    });

    it('in the --merge-into file (left as it was) and in a --recovery-private-key file', async () => {
      const merge = await kubeseal(['--cert', '/tls.crt', '--merge-into', '/m.yaml'], GOOD_SECRET, {
        '/m.yaml': input,
      });
      expect(merge.stderr).toBe(`error: document 1: invalid YAML: ${reason}\n`);
      expect(merge.mem.files.get('/m.yaml')?.toString()).toBe(input);
      const key = await kubeseal(['--recovery-unseal', '--recovery-private-key', '/k.yaml'], SEALED, {
        '/k.yaml': input,
      });
      expect(key.code).toBe(1);
      expect(key.stderr).toContain(reason);
      for (const r of [merge, key]) for (const form of FORMS) expect(r.stderr).not.toContain(form);
    });

    it('in a kubeconfig, where the value is a token', async () => {
      const kubeconfig = input
        .replace(HEAD, 'current-context: a\nusers:\n- name: u\n  user:\n')
        .replace('pw:', 'token:');
      const r = await kubeseal(['--fetch-cert', '--kubeconfig', '/kc'], '', { '/kc': kubeconfig });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: error loading config file "\/kc": [^\n]+\n$/);
      for (const form of FORMS) expect(r.stderr).not.toContain(form);
    });
  },
);

it('the in-place editor (unset) gives the position of a YAML error of the file', async () => {
  const file = `${SEALED.replace('{pw: AgA}', `{pw: AgA, pw: ${SECRET}}`)}`;
  const r = await kubeseal(['unset', 'a', 'pw', '-f', '/s.yaml'], '', { '/s.yaml': file });
  expect(r.stderr).toBe(
    'error: /s.yaml: cannot be edited in place: Map keys must be unique at line 4, column 33\n',
  );
  expect(r.mem.written).toEqual([]);
});
