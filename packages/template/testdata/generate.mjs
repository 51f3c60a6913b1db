// Regenerates go-expected.json from cases.txt with the real Go text/template + sprig v3 (the Go controller's
// engine). Needs Go: `node generate.mjs` from this directory. Never generate expectations with our own engine.
import { execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync } from 'node:fs';

const data = {
  foo: 'bar',
  password: 'p<a>&ss"\u2028w0rd',
  bin: Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xe2, 0x82]),
  empty: '',
  multi: 'line1\nline2',
  num: '42',
  json: '{"a":1,"b":[true,null,"x"]}',
  b64: 'aGVsbG8=',
  badb64: 'aGVsbG8',
  spaces: '  padded  ',
  unicode: 'héllo wörld ß ǆ',
  user: 'admin',
  host: 'db.example.com',
  registry: 'registry.example.com',
};
const encoded = Object.fromEntries(
  Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
);
const sources = readFileSync('cases.txt', 'utf8')
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => l.replaceAll('\u23ce', '\n'));

execFileSync('go', ['build', '-o', '/tmp/go-template-oracle', '.'], { cwd: 'go-oracle', stdio: 'inherit' });
const input =
  sources.map((source) => JSON.stringify({ name: 'key', source, data: encoded })).join('\n') + '\n';
// Local is UTC, as in the upstream controller image (the engine's `Local`).
const env = { ...process.env, TZ: 'UTC' };
const output = execFileSync('/tmp/go-template-oracle', { input, env, maxBuffer: 1 << 28 }).toString('utf8');
const results = output
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const cases = sources.map((source, i) => ({ source, out: results[i].out, err: results[i].err }));
writeFileSync('go-expected.json', JSON.stringify({ name: 'key', data: encoded, cases }, null, 1) + '\n');
console.log(`${cases.length} cases`);
