import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VECTOR_4096_DIR } from '@ssts/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_BUILD_TIMEOUT_MS, upstreamBinaries } from '../interop/upstream.js';
import { jsonDocuments } from './compare.js';
import { goKubeseal, ourKubeseal } from './run.js';

// The rows of packages/kubeseal/README.md "Deliberate differences" that the generated cases do not reach, each run
// on both CLIs: what the Go kubeseal v0.40.0 does, and what we do instead.

const CERT = join(VECTOR_4096_DIR, 'tls.crt');
const KEY_BACKUP = join(VECTOR_4096_DIR, 'key-backup.json');
const secret = (name: string, stringData: string): string =>
  `{"apiVersion":"v1","kind":"Secret","metadata":{"name":"${name}","namespace":"web"},"stringData":${stringData}}`;

let dir: string;
beforeAll(async () => {
  await upstreamBinaries();
  dir = mkdtempSync(join(tmpdir(), 'ssts-kubeseal-differences-'));
}, UPSTREAM_BUILD_TIMEOUT_MS);
afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('documented differences from the Go kubeseal v0.40.0', () => {
  it('a number in the first of three JSON objects: Go silently seals only that one, we seal all three', async () => {
    const input = [secret('a', '{"port":5432}'), secret('b', '{"x":"y"}'), secret('c', '{"x":"y"}')].join(
      '\n',
    );
    const go = await goKubeseal(['--cert', CERT], input);
    const ours = await ourKubeseal(['--cert', CERT], input);
    expect(go.code).toBe(0);
    expect(jsonDocuments(go.stdout)).toHaveLength(1);
    expect(ours.code).toBe(0);
    expect(
      jsonDocuments(ours.stdout).map((d) => (JSON.parse(d) as { metadata: { name: string } }).metadata.name),
    ).toEqual(['a', 'b', 'c']);
  });

  it('unquoted yes/on/n are booleans for Go ("true"/"false"), text for us', async () => {
    const input =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: web, labels: {on: yes, n: off}}\nstringData: {a: b}\n';
    const labels = async (run: typeof goKubeseal) =>
      (
        JSON.parse((await run(['--cert', CERT], input)).stdout) as {
          spec: { template: { metadata: { labels: object } } };
        }
      ).spec.template.metadata.labels;
    expect(await labels(goKubeseal)).toEqual({ true: 'true', false: 'false' });
    expect(await labels(ourKubeseal)).toEqual({ on: 'yes', n: 'off' });
  });

  it('--merge-into with two Secrets and -o yaml: Go merges the first one silently, we refuse', async () => {
    const file = (await goKubeseal(['--cert', CERT, '-o', 'yaml'], secret('app', '{"old":"1"}'))).stdout;
    const goFile = join(dir, 'go.yaml');
    const ourFile = join(dir, 'ours.yaml');
    writeFileSync(goFile, file);
    copyFileSync(goFile, ourFile);
    const input = `${secret('a', '{"one":"1"}')}\n${secret('b', '{"two":"2"}')}`;
    const go = await goKubeseal(['--cert', CERT, '--merge-into', goFile, '-o', 'yaml'], input);
    const ours = await ourKubeseal(['--cert', CERT, '--merge-into', ourFile, '-o', 'yaml'], input);
    expect(go.code).toBe(0);
    expect(readFileSync(goFile, 'utf8')).toMatch(/\n {4}one: /);
    expect(readFileSync(goFile, 'utf8')).not.toMatch(/\n {4}two: /);
    expect(ours).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "error: couldn't get version/kind; json parse error: invalid character '{' after top-level value\n" +
        'hint: --merge-into takes one Secret, the input holds 2\n',
    });
    expect(readFileSync(ourFile, 'utf8')).toBe(file);
  });

  it('--recovery-unseal of an empty value: Go writes null, we write ""', async () => {
    const sealed = (await ourKubeseal(['--cert', CERT], secret('e', '{"empty":""}'))).stdout;
    const args = ['--recovery-unseal', '--recovery-private-key', KEY_BACKUP];
    const data = async (run: typeof goKubeseal) =>
      (JSON.parse((await run(args, sealed)).stdout) as { data: object }).data;
    expect(await data(goKubeseal)).toEqual({ empty: null });
    expect(await data(ourKubeseal)).toEqual({ empty: '' });
  });

  it("invalid UTF-8 in JSON input: Go seals U+FFFD, we refuse with upstream's text and a hint", async () => {
    const [before, after] = secret('u', '{"a":"b_c"}').split('_') as [string, string];
    const input = Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]);
    const go = await goKubeseal(['--cert', CERT], input);
    expect(go.code).toBe(0);
    const ours = await ourKubeseal(['--cert', CERT], input);
    expect(ours.code).toBe(1);
    expect(ours.stderr).toMatch(
      /^error: no secrets found\. Ensure the input is valid and UTF-8 encoded\nhint: the input is not valid UTF-8: /,
    );
  });
});
