// Regenerates go-expected.json with the Go libraries upstream kubeseal v0.40.0 links (go-oracle/): how they write
// strings as YAML, read plain scalars, and convert numbers to text. Needs Go: `node generate.mjs` from this
// directory, then `pnpm exec prettier --write go-expected.json`. The cases are fixed (a seeded generator); never
// generate expectations with our own code.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(20260406);
const pick = (list) => list[Math.floor(random() * list.length)];

const FRAGMENTS = [
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'N',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '',
  '0',
  '1',
  '01',
  '017',
  '08',
  '0x1F',
  '0o17',
  '0b101',
  '1_000',
  '1e3',
  '1E+3',
  '1.',
  '.5',
  '-',
  '+',
  '.',
  '..',
  '...',
  '---',
  ':',
  ': ',
  '#',
  ' #',
  '- ',
  ' ',
  '  ',
  '\t',
  '\n',
  '\n\n',
  '\r',
  '\r\n',
  '\u0085',
  '\u2028',
  '\u2029',
  '\u00a0',
  '\ufeff',
  'é',
  '😀',
  'ǆ',
  '\u0001',
  '\u007f',
  '\u0080',
  '"',
  "'",
  '\\',
  '[',
  ']',
  '{',
  '}',
  ',',
  '?',
  '? ',
  '|',
  '>',
  '&',
  '*',
  '!',
  '%',
  '@',
  '`',
  'a',
  'Z',
  'word ',
  'x'.repeat(40),
  '1:20',
  '190:20:30',
  '2001-12-14',
  '2001-12-14T21:59:43Z',
  '.inf',
  '-.Inf',
  '.NaN',
  '<<',
  '=',
  '12e400',
  '-0',
  '1.5',
  '3.0',
  '0.1e-7',
  '12345678901234567890',
  '9223372036854775808',
  ' - ',
  'a: b',
  'a #b',
  'k=v',
  '${x}',
  '{{ .x }}',
  'm\u0301',
  '\u200b',
  '\ufffd',
];
const WORDS = ['alpha', 'be', 'c', 'delta-echo', 'f/g', 'x:y', 'a#b', "it's", 'q"r', 'üñï', '0', 'yes'];

const strings = new Set();
const FIXED = [
  'plain',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Y',
  'N',
  'YES',
  'On',
  'true',
  'TRUE',
  'null',
  '~',
  '',
  ' ',
  '0',
  '0b101',
  '1_000',
  '1:20',
  '1:70',
  '0x1F',
  '017',
  '08',
  '09.5',
  '1e3',
  '1e400',
  '.inf',
  '.5',
  '1.',
  '+1',
  '-0',
  '=',
  '<<',
  '2001-12-14',
  '2001-13-45',
  '2001-02-29',
  '2000-02-29',
  '2001-1-2',
  '2001-12-14 21:59:43.10',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14T21:59:43+25:00',
  'a\u2028b',
  '\u2028',
  'a\u2029',
  'a\u0085b',
  '\ufeffx',
  'x\ufeff',
  '\ufffe',
  '\t',
  'a\r\nb',
  'a\nb',
  'a\n',
  '\nb',
  ' a\nb',
  'a \nb',
  'a\n b',
  'a\n\n',
  '\n',
  'a\n\n\n',
  '- x',
  '-x',
  '? x',
  '?x',
  ':x',
  'x:',
  'x: y',
  '#c',
  'a #b',
  'a#b',
  '@x',
  '`x',
  '%x',
  '!x',
  '&x',
  '*x',
  '|',
  '>',
  "'q",
  '"q',
  '[x',
  'x]',
  '{x',
  'x,y',
  '---',
  '---x',
  '...',
  '0b_',
  '0x_',
  '._5',
  '1__0',
  '_1',
  '0o8',
  '+.5',
  '.e5',
  '1e',
  '0.',
  '-.inf',
  '+.INF',
  '.NAN',
  '0x1p3',
  'infinity',
  '+inf',
  '1_0.5',
  'ǅ',
  '😀',
  'a😀',
  '0b_-0',
  '0b+1',
  '0b-1',
  '-0b-1',
  '-0b+1',
  '0b-',
  '0b_1_',
  '-0b1',
  '0b1111111111111111111111111111111111111111111111111111111111111111',
];
for (const s of FIXED) strings.add(s);
while (strings.size < 1400) {
  const n = 1 + Math.floor(random() * 4);
  let s = '';
  for (let i = 0; i < n; i++) s += pick(FRAGMENTS);
  strings.add(s);
}
// Long texts, to exercise line folding at column 80 at several indentations.
for (let i = 0; i < 150; i++) {
  const n = 10 + Math.floor(random() * 40);
  const parts = [];
  for (let j = 0; j < n; j++) parts.push(pick(WORDS));
  const sep = pick([' ', ' ', ' ', '  ', '\n', ' \n']);
  strings.add(parts.join(pick([' ', ' ', sep])) + pick(['', '', ' ', '\n']));
}
// Keys: the natural sort order.
const KEY_PARTS = [
  'a',
  'B',
  'b',
  '_',
  '-',
  '.',
  '0',
  '1',
  '2',
  '9',
  '10',
  '01',
  '001',
  'é',
  'Z',
  '/',
  'x1',
  'x01',
];
const keySets = [];
for (let i = 0; i < 300; i++) {
  const keys = new Set();
  const m = 2 + Math.floor(random() * 8);
  while (keys.size < m) {
    let k = '';
    const n = 1 + Math.floor(random() * 3);
    for (let j = 0; j < n; j++) k += pick(KEY_PARTS);
    keys.add(k);
  }
  keySets.push([...keys]);
}
// Plain scalars for the reader: every fixed and fragment text that fits on one line, written unquoted.
const plainTexts = [...new Set([...FIXED, ...FRAGMENTS])].filter(
  (t) => t !== '' && t.trim() === t && !/[\n\r\u0085\u2028\u2029#:'"[\]{},&*!|>%@`\t?]|^- /.test(t),
);
const numbers = [
  '5432',
  '1.5',
  '1.0',
  '1e3',
  '1E+3',
  '12345678901234567890',
  '18446744073709551616',
  '-12345678901234567890123',
  '0x1F',
  '0o17',
  '017',
  '08',
  '1_000',
  '0b101',
  '-0b101',
  '.inf',
  '-.inf',
  '.nan',
  '-0',
  '0.1e-7',
  '1.0e+20',
  '123456789',
  '123456789.0',
  '16777217.0',
  '3.0000000000000001',
  '.5',
  '+1',
  '+.5',
  '12e400',
  '1e-400',
  '9007199254740993',
  '100000.0',
  '1000000.0',
  '0.0001',
  '0.00001',
  '3.14159265358979',
  '2.5e-5',
  '1_0.5',
  '0x_1F',
  'true',
  'True',
  'FALSE',
  '~',
  'null',
  '2001-12-14',
  '1:20',
  '0b-101',
  '0b+1',
  '-0b-1',
  '0b_-0',
];
for (let i = 0; i < 200; i++) {
  const mantissa = (random() * 10 ** Math.floor(random() * 12)).toFixed(Math.floor(random() * 9));
  numbers.push(`${pick(['', '-'])}${mantissa}${pick(['', '', `e${Math.floor(random() * 60) - 30}`])}`);
}

// The JSON upstream feeds to its YAML writer comes from Go's encoding/json, which escapes these.
const goJson = (value) =>
  JSON.stringify(value).replace(
    /[\u2028\u2029<>&]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
const strList = [...strings];
const docFor = (s) => ({ a: s, b: { c: { d: s } }, e: [s, [s], { f: s }], key: { [s]: 'v', z: s } });
const requests = [
  ...strList.map((s) => ({ op: 'json-to-yaml', input: goJson(docFor(s)) })),
  ...keySets.map((keys) => ({
    op: 'json-to-yaml',
    input: goJson(Object.fromEntries(keys.map((k) => [k, 1]))),
  })),
  ...plainTexts.map((t) => ({ op: 'yaml-v2-strings', input: `v: ${t}\n` })),
  ...numbers.map((t) => ({
    op: 'yaml-to-target',
    input: `name: ${t}\nlabels: {k: ${t}, ${t}: key}\nlist: [${t}]\n`,
  })),
];

execFileSync('go', ['build', '-o', '/tmp/kubeseal-format-oracle', '.'], {
  cwd: 'go-oracle',
  stdio: 'inherit',
});
const output = execFileSync('/tmp/kubeseal-format-oracle', {
  input: requests.map((r) => JSON.stringify(r)).join('\n') + '\n',
  maxBuffer: 1 << 28,
}).toString('utf8');
const answers = output
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
let n = 0;
const take = (count) => answers.slice(n, (n += count));
const yamlAnswers = take(strList.length);
const keyAnswers = take(keySets.length);
const plainAnswers = take(plainTexts.length);
const numberAnswers = take(numbers.length);
writeFileSync(
  'go-expected.json',
  JSON.stringify(
    {
      strings: strList.map((s, i) => ({ s, yaml: yamlAnswers[i].out, err: yamlAnswers[i].err })),
      keyOrder: keySets.map((keys, i) => ({ keys, yaml: keyAnswers[i].out })),
      plain: plainTexts.map((t, i) => ({ t, go: plainAnswers[i].out, err: plainAnswers[i].err })),
      numbers: numbers.map((t, i) => ({ t, go: numberAnswers[i].out, err: numberAnswers[i].err })),
    },
    null,
    1,
  ) + '\n',
);
console.log(
  `${strList.length} strings, ${keySets.length} key sets, ${plainTexts.length} plain, ${numbers.length} numbers`,
);
