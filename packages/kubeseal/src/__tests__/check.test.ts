import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkText } from '../check/check-file.js';
import { findPlainSecrets } from '../check/plain-secrets.js';
import { listManifestTree } from '../io/manifest-files.js';
import { runCaptured } from '../test-helpers/run-captured.js';

// `kubeseal check` against real directories: each folder of fixtures/check/ holds files/ (the tree), args.txt (one
// argument a line, {{DIR}} standing for files/) and the expected stdout.golden, stderr.golden and exit-code, where
// {{DIR}}/ is scrubbed from paths. UPDATE_GOLDEN=1 rewrites them.
const GOLDEN_DIR = fileURLToPath(new URL('./fixtures/check', import.meta.url));
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const kubeseal = (args: readonly string[]) => runCaptured(args);

describe('kubeseal check: golden runs', () => {
  const cases = readdirSync(GOLDEN_DIR).sort();
  it.each(cases)('%s', async (name) => {
    const dir = join(GOLDEN_DIR, name);
    const files = join(dir, 'files');
    const args = readFileSync(join(dir, 'args.txt'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((arg) => arg.replaceAll('{{DIR}}', files));
    const { code, stdout, stderr } = await kubeseal(['check', ...args]);
    const scrub = (text: string) => text.replaceAll(`${files}/`, '').replaceAll(files, '{{DIR}}');
    const actual = {
      'stdout.golden': scrub(stdout),
      'stderr.golden': scrub(stderr),
      'exit-code': `${code}\n`,
    };
    for (const [file, content] of Object.entries(actual)) {
      if (UPDATE) writeFileSync(join(dir, file), content);
      else expect(content, `${name}/${file}`).toBe(readFileSync(join(dir, file), 'utf8'));
    }
  });
});

describe('kubeseal check: what counts as a plain Secret', () => {
  it('names the item keys, never the values, and passes over what is not a core Secret', () => {
    const reasons = (doc: unknown) =>
      findPlainSecrets(doc).map((f) => `${f.kind} ${f.path.join('.')}: ${f.reason}`);
    expect(reasons({ kind: 'Secret', metadata: { name: 'a' }, data: { k: 'c2VjcmV0' } })).toEqual([
      'secret data: Secret "a" holds plain values (data: k)',
    ]);
    // Another group's Secret kind, a SealedSecret, a ConfigMap, a Secret without values: nothing.
    expect(reasons({ apiVersion: 'example.com/v1', kind: 'Secret', data: { k: 'v' } })).toEqual([]);
    expect(reasons({ kind: 'SealedSecret', spec: { template: { data: { k: 'v' } } } })).toEqual([]);
    expect(reasons({ kind: 'ConfigMap', data: { k: 'v' } })).toEqual([]);
    expect(reasons({ kind: 'Secret', data: { k: null, l: '' }, stringData: {} })).toEqual([]);
    // Lists nest (a SecretList inside a List); a secretGenerator only counts at the top of a kustomization.
    expect(
      reasons({
        kind: 'List',
        items: [{ kind: 'SecretList', items: [{ kind: 'Secret', stringData: { t: 'x' } }] }],
      }),
    ).toEqual(['secret items.0.items.0.stringData: Secret (unnamed) holds plain values (stringData: t)']);
    expect(reasons({ kind: 'Deployment', secretGenerator: [{ literals: ['a=b'] }] })).toEqual([]);
    // A literal without `=` is counted, not shown; more than five keys are summed up.
    expect(reasons({ secretGenerator: [{ name: 'g', literals: ['oops', 'oops2'] }] })).toEqual([
      'generator secretGenerator.0: secretGenerator "g" makes a Secret from plain values (2 literals)',
    ]);
    const many = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => [k, 'x']));
    expect(reasons({ kind: 'Secret', data: many })).toEqual([
      'secret data: Secret (unnamed) holds plain values (data: a, b, c, d, e and 2 more)',
    ]);
  });

  it('finds the line of the values when they come through a YAML merge key or an alias', async () => {
    const text = [
      'base: &base',
      '  password: eA==',
      'kind: Secret',
      'apiVersion: v1',
      'data: *base',
      '---',
      'common: &common',
      '  kind: Secret',
      '  stringData: {token: abc}',
      '<<: *common',
      '',
    ].join('\n');
    expect(await checkText(Buffer.from(text))).toEqual({
      kind: 'checked',
      findings: [
        { kind: 'secret', line: 5, reason: 'Secret (unnamed) holds plain values (data: password)' },
        // The merged document has no `stringData` key of its own: its first line is reported.
        { kind: 'secret', line: 7, reason: 'Secret (unnamed) holds plain values (stringData: token)' },
      ],
    });
  });

  it('reads a BOM and CRLF line ends, and a JSON stream of several objects', async () => {
    const crlf = '\uFEFFapiVersion: v1\r\nkind: Secret\r\n\r\ndata:\r\n  k: dg==\r\n';
    expect(await checkText(Buffer.from(crlf))).toEqual({
      kind: 'checked',
      findings: [{ kind: 'secret', line: 4, reason: 'Secret (unnamed) holds plain values (data: k)' }],
    });
    const stream =
      '{"kind":"ConfigMap"}\n{"kind":"Secret",\n "stringData":\n {"a":"b"}}{"kind":"Secret","data":{"c":"ZA=="}}';
    expect(await checkText(Buffer.from(stream))).toEqual({
      kind: 'checked',
      findings: [
        { kind: 'secret', line: 3, reason: 'Secret (unnamed) holds plain values (stringData: a)' },
        { kind: 'secret', line: 4, reason: 'Secret (unnamed) holds plain values (data: c)' },
      ],
    });
  });

  it('a Secret that does not parse is not checked, and its reason gives the place, never the value (CI logs)', async () => {
    const head = 'kind: Secret\nstringData:\n  password: ';
    for (const [value, reason] of [
      ['|hunter2', 'Block scalar header includes extra characters at line 3, column 14'],
      ['*hunter2', 'Unresolved alias (the anchor must be set before the alias)'],
      ['"\\Uhunter2"', 'Invalid escape sequence at line 3, column 14'],
    ]) {
      expect(await checkText(Buffer.from(`${head}${value}\n`))).toEqual({
        kind: 'not-checked',
        reason: `document 1: invalid YAML: ${reason}`,
      });
    }
  });
});

describe('kubeseal check: hostile and unreadable inputs', () => {
  let dir: string;
  const write = (name: string, content: string | Buffer) => {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeseal-check-'));
    write('huge.yaml', `kind: Secret\nstringData:\n  a: ${'x'.repeat(9 << 20)}\n`);
    let bomb = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 10; i++) {
      const name = String.fromCharCode(97 + i);
      bomb += `${name}: &${name} [${Array(9)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]\n`;
    }
    write('bomb.yaml', `${bomb}kind: Secret\ndata: {x: *j}\n`);
    write('deep-flow.yaml', `kind: Secret\ndata: ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`);
    write('deep-block.yaml', Array.from({ length: 300 }, (_, i) => `${'  '.repeat(i)}k${i}:\n`).join(''));
    write('deep.json', `{"kind":"Secret","data":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    write('tokens.yaml', `kind: Secret\ndata: [${Array(600_000).fill('1').join(',')}]\n`);
    write(
      'latin1.yaml',
      Buffer.concat([Buffer.from('kind: Secret\nstringData:\n  a: caf'), Buffer.from([0xe9, 0x0a])]),
    );
    write('control.yaml', 'kind: Secret\nstringData:\n  a: "\x07"\n');
    write('broken.yaml', 'kind: Secret\nstringData: [\n');
    write('broken.json', '{"kind": "Secret", "data": {"a": }');
    write('many-documents.yaml', '---\na: 1\n'.repeat(10_001));
    // A template is not YAML until it is rendered: named, not passed over.
    write('chart/templates/secret.yaml', '{{- if .Values.enabled }}\nkind: Secret\n{{- end }}\n');
    symlinkSync('.', join(dir, 'loop'));
    symlinkSync('nowhere.yaml', join(dir, 'dangling.yaml'));
    execFileSync('mkfifo', [join(dir, 'fifo.yaml')]);
    // Deeper than 64 directory levels.
    write(
      `${Array.from({ length: 66 }, () => 'd').join('/')}/secret.yaml`,
      'kind: Secret\ndata: {a: Yg==}\n',
    );
    // Version-control metadata and installed packages are never searched.
    write('.git/secret.yaml', 'kind: Secret\ndata: {a: Yg==}\n');
    write('node_modules/pkg/secret.yaml', 'kind: Secret\ndata: {a: Yg==}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives one line for each, never a crash or a hang, and exits 1', async () => {
    const { code, stdout, stderr } = await kubeseal([
      'check',
      dir,
      join(dir, 'fifo.yaml'),
      join(dir, 'dangling.yaml'),
      join(dir, 'missing.yaml'),
    ]);
    expect(stdout).toBe('');
    expect(stderr.replaceAll(`${dir}/`, '')).toBe(
      [
        'd/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d: not checked: deeper than 64 directory levels: not searched',
        'fifo.yaml: not checked: not a regular file or a directory',
        'dangling.yaml: not checked: a symbolic link to nothing',
        'missing.yaml: not checked: no such file or directory',
        'bomb.yaml: not checked: document 1: invalid YAML: Excessive alias count indicates a resource exhaustion attack',
        'broken.json: not checked: document 1: invalid JSON: Unexpected end of JSON input',
        'broken.yaml: not checked: document 1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
        'chart/templates/secret.yaml: not checked: document 1: invalid JSON: syntax error (a template? check what it renders to)',
        'control.yaml: not checked: control characters are not allowed in YAML (U+0007 on line 3)',
        'deep-block.yaml: not checked: document 1: nested deeper than 100 levels',
        'deep-flow.yaml: not checked: document 1: nested deeper than 100 levels',
        'deep.json: not checked: document 1: nested deeper than 100 levels',
        'huge.yaml: not checked: larger than 8 MiB',
        'latin1.yaml: not checked: the input is not valid UTF-8: incomplete UTF-8 octet sequence at byte 33 (line 3)',
        'many-documents.yaml: not checked: the input holds more than 10000 documents',
        'tokens.yaml: not checked: document 1: more than 500000 YAML tokens',
        'error: 16 paths not checked',
        'hint: a file that cannot be read as YAML or JSON may hide a Secret: fix or exclude it',
        '',
      ].join('\n'),
    );
    expect(code).toBe(1);
  });

  it('stops listing after the file bound, and follows no symbolic link inside a tree', async () => {
    const tree = await listManifestTree([dir], { maxFiles: 3 });
    expect(tree.files.map((f) => f.slice(dir.length + 1))).toEqual([
      'bomb.yaml',
      'broken.json',
      'broken.yaml',
    ]);
    expect(tree.problems.map((p) => p.reason)).toContain('more than 3 files: the rest is not checked');
    const all = await listManifestTree([dir]);
    expect(
      all.files.some((f) => f.includes('/loop/') || f.includes('node_modules') || f.includes('.git')),
    ).toBe(false);
    expect(existsSync(join(dir, 'loop', 'loop', 'bomb.yaml'))).toBe(true);
  });
});
