import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TemplateError } from './engine/errors.js';
import { renderTemplate } from './engine/render.js';

interface GoCase {
  readonly source: string;
  readonly out: string;
  readonly err: string;
}
interface GoExpected {
  readonly name: string;
  readonly data: Record<string, string>;
  readonly cases: readonly GoCase[];
}

// Produced by testdata/generate.mjs with Go's text/template + sprig v3.3.0 (the Go controller's engine), from
// testdata/cases.txt. Each case renders against the same data context.
const expected = JSON.parse(
  readFileSync(new URL('../testdata/go-expected.json', import.meta.url), 'utf8'),
) as GoExpected;
const context = new Map(Object.entries(expected.data).map(([k, v]) => [k, Buffer.from(v, 'base64')]));

const at = (col: number, ctx: string, msg: string): string =>
  `template: key:1:${col}: executing "key" at <${ctx}>: ${msg}`;

/**
 * Where we deliberately differ from Go, and what we say instead. Every difference removes a runtime value from an
 * error text (compat §10) or is a documented unsupported feature; see README.md, "Templates".
 */
const INTENTIONAL: ReadonlyMap<string, string> = new Map([
  ['{{ index (list 1) 5 }}', at(3, 'index (list 1) 5', 'error calling index: index out of range')],
  ['{{ index (list 1) -1 }}', at(3, 'index (list 1) -1', 'error calling index: index out of range')],
  [
    '{{ eq (list) (list) }}',
    at(3, 'eq (list) (list)', 'error calling eq: non-comparable type []interface {}'),
  ],
  ['{{ range .foo }}x{{ end }}', at(9, '.foo', "range can't iterate over a value of type string")],
  ['{{ range $a, $b := 3 }}x{{ end }}', at(19, '3', "can't use int to iterate over more than one variable")],
  [
    '{{ fail "boom" }}',
    at(
      3,
      'fail "boom"',
      'error calling fail: template called fail (message withheld: it may contain secret data)',
    ),
  ],
  [
    '{{ fail .password }}',
    at(
      3,
      'fail .password',
      'error calling fail: template called fail (message withheld: it may contain secret data)',
    ),
  ],
  [
    '{{ mustFromJson .password }}',
    at(3, 'mustFromJson .password', 'error calling mustFromJson: invalid JSON (details withheld)'),
  ],
  [
    '{{ substr 5 2 .foo }}',
    at(3, 'substr 5 2 .foo', 'error calling substr: runtime error: slice bounds out of range'),
  ],
  // A regexp error names the pattern in Go; the pattern may be built from secret data.
  [
    '{{ mustRegexMatch "a(" "x" }}',
    at(
      3,
      'mustRegexMatch "a(" "x"',
      'error calling mustRegexMatch: error parsing regexp: missing closing ) (pattern withheld)',
    ),
  ],
  [
    '{{ regexFind "a(" "x" }}',
    at(
      3,
      'regexFind "a(" "x"',
      'error calling regexFind: regexp: Compile(<pattern withheld>): error parsing regexp: missing closing )',
    ),
  ],
  [
    '{{ regexReplaceAll "(" "x" "y" }}',
    at(
      3,
      'regexReplaceAll "(" "x" "y"',
      'error calling regexReplaceAll: regexp: Compile(<pattern withheld>): error parsing regexp: missing closing )',
    ),
  ],
  [
    '{{ mustRegexReplaceAll "[z-a]" "x" "y" }}',
    at(
      3,
      'mustRegexReplaceAll "[z-a]" "x" "y"',
      'error calling mustRegexReplaceAll: error parsing regexp: invalid character class range (pattern withheld)',
    ),
  ],
  [
    '{{ mustRegexMatch "x{1001}" "x" }}',
    at(
      3,
      'mustRegexMatch "x{1001}" "x"',
      'error calling mustRegexMatch: error parsing regexp: invalid repeat count (pattern withheld)',
    ),
  ],
  [
    '{{ mustRegexMatch "\\\\8" "a" }}',
    at(
      3,
      'mustRegexMatch "\\\\8" "a"',
      'error calling mustRegexMatch: error parsing regexp: invalid escape sequence (pattern withheld)',
    ),
  ],
  // Go allows 100 000 nested template calls; the engine's stack allows fewer (README.md, "Limits").
  ['{{ template "key" }}', at(12, '{{template "key"}}', 'exceeded maximum template depth (1000)')],
  [
    '{{ define "loop" }}{{ template "loop" }}{{ end }}{{ template "loop" }}',
    'template: key:1:31: executing "loop" at <{{template "loop"}}>: exceeded maximum template depth (1000)',
  ],
  [
    '{{ define "e" }}{{ fail "x" }}{{ end }}{{ template "e" }}',
    'template: key:1:19: executing "e" at <fail "x">: error calling fail: template called fail (message withheld: it may contain secret data)',
  ],
  // semver errors quote the version or constraint in Go; either may come from secret data.
  [
    '{{ semver "99999999999999999999.0.0" }}',
    at(
      3,
      'semver "99999999999999999999.0.0"',
      'error calling semver: error parsing version segment: strconv.ParseUint: value out of range',
    ),
  ],
  [
    '{{ semverCompare "" "1.0.0" }}',
    at(
      3,
      'semverCompare "" "1.0.0"',
      'error calling semverCompare: improper constraint (constraint withheld)',
    ),
  ],
  [
    '{{ semverCompare "not a constraint" "1.0.0" }}',
    at(
      3,
      'semverCompare "not a constraint" "1.0.0"',
      'error calling semverCompare: improper constraint (constraint withheld)',
    ),
  ],
  [
    '{{ semverCompare "1.0.0 ||" "1.0.0" }}',
    at(
      3,
      'semverCompare "1.0.0 ||" "1.0.0"',
      'error calling semverCompare: improper constraint (constraint withheld)',
    ),
  ],
  [
    '{{ semverCompare ">= 1.0.0 - 2.0.0" "1.5.0" }}',
    at(
      3,
      'semverCompare ">= 1.0.0 - 2.0.0" "1.5.0"',
      'error calling semverCompare: improper constraint (constraint withheld)',
    ),
  ],
  // Go quotes the unparsable value and the layout, either of which may come from secret data.
  [
    '{{ mustToDate "2006-01-02" "bad" }}',
    at(
      3,
      'mustToDate "2006-01-02" "bad"',
      'error calling mustToDate: parsing time: the value does not match the layout (details withheld)',
    ),
  ],
  [
    '{{ mustDateModify "bad" (toDate "2006-01-02" "2024-01-01") }}',
    at(
      3,
      'mustDateModify "bad" (toDate "2006-01-02" "2024-01-01")',
      'error calling mustDateModify: time: invalid duration (value withheld)',
    ),
  ],
  // net/url errors quote the URL and the offending text; a URL may hold credentials.
  [
    '{{ urlParse "http://a b.com/" }}',
    'template: key:1:3: executing "key" at <urlParse "http://a b.com/">: error calling urlParse: unable to parse url: parse (url withheld): invalid character in host name',
  ],
  [
    '{{ urlParse "http://host:port/" }}',
    'template: key:1:3: executing "key" at <urlParse "http://host:port/">: error calling urlParse: unable to parse url: parse (url withheld): invalid port after host',
  ],
  [
    '{{ urlParse ":foo" }}',
    'template: key:1:3: executing "key" at <urlParse ":foo">: error calling urlParse: unable to parse url: parse (url withheld): missing protocol scheme',
  ],
  [
    '{{ urlParse "1a:b" }}',
    'template: key:1:3: executing "key" at <urlParse "1a:b">: error calling urlParse: unable to parse url: parse (url withheld): first path segment in URL cannot contain colon',
  ],
  [
    '{{ urlParse "http://host/%zz" }}',
    'template: key:1:3: executing "key" at <urlParse "http://host/%zz">: error calling urlParse: unable to parse url: parse (url withheld): invalid URL escape',
  ],
  [
    '{{ urlParse "http://host/a\\x01" }}',
    'template: key:1:3: executing "key" at <urlParse "http://host/a\\x01">: error calling urlParse: unable to parse url: parse (url withheld): net/url: invalid control character in URL',
  ],
  [
    '{{ urlParse "http://[1.2.3.4]/" }}',
    'template: key:1:3: executing "key" at <urlParse "http://[1.2.3.4]/">: error calling urlParse: unable to parse url: parse (url withheld): invalid IP-literal',
  ],
  [
    '{{ urlParse "http://a:1:2/" }}',
    'template: key:1:3: executing "key" at <urlParse "http://a:1:2/">: error calling urlParse: unable to parse url: parse (url withheld): invalid port after host',
  ],
  [
    '{{ urlParse "http://u s@host/" }}',
    'template: key:1:3: executing "key" at <urlParse "http://u s@host/">: error calling urlParse: unable to parse url: parse (url withheld): net/url: invalid userinfo',
  ],
  [
    '{{ (urlParse "http://%41/").host }}',
    'template: key:1:4: executing "key" at <urlParse "http://%41/">: error calling urlParse: unable to parse url: parse (url withheld): invalid URL escape',
  ],
  [
    '{{ urlJoin (dict "userinfo" "a b") }}',
    'template: key:1:3: executing "key" at <urlJoin (dict "userinfo" "a b")>: error calling urlJoin: unable to parse userinfo in dict: parse (url withheld): net/url: invalid userinfo',
  ],
  [
    '{{ urlParse "http://[1::2::3]/" }}',
    at(
      3,
      'urlParse "http://[1::2::3]/"',
      'error calling urlParse: unable to parse url: parse (url withheld): invalid host',
    ),
  ],
  [
    '{{ urlParse "http://[1:2:3:4:5:6:7:8:9]/" }}',
    at(
      3,
      'urlParse "http://[1:2:3:4:5:6:7:8:9]/"',
      'error calling urlParse: unable to parse url: parse (url withheld): invalid host',
    ),
  ],
]);

function render(source: string): { out: Buffer } | { err: string } {
  try {
    return { out: renderTemplate(expected.name, source, context) };
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
    expect(e.code).toBe('TEMPLATE');
    return { err: e.message };
  }
}

describe('differential test against Go text/template + sprig v3', () => {
  const compatible = expected.cases.filter((c) => !INTENTIONAL.has(c.source));

  it('covers every intentional difference with a Go case', () => {
    const sources = new Set(expected.cases.map((c) => c.source));
    expect([...INTENTIONAL.keys()].filter((s) => !sources.has(s))).toEqual([]);
  });

  it.each(compatible.filter((c) => c.err === ''))('renders $source like Go', (c) => {
    const r = render(c.source);
    expect(r).toEqual({ out: Buffer.from(c.out, 'base64') });
  });

  it.each(compatible.filter((c) => c.err !== ''))('fails on $source with the Go error text', (c) => {
    expect(render(c.source)).toEqual({ err: c.err });
  });

  it.each([...INTENTIONAL])('deliberately differs on %s', (source, message) => {
    expect(render(source)).toEqual({ err: message });
  });
});
