import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TemplateError } from './engine/errors.js';
import { FUNCTIONS } from './functions/index.js';
import { LIMITS } from './engine/limits.js';
import { renderTemplate } from './engine/render.js';

const ctx = (data: Record<string, string | Uint8Array>): Map<string, Uint8Array> =>
  new Map(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v, 'utf8') : v]));

const render = (source: string, data: Record<string, string | Uint8Array> = {}): string =>
  renderTemplate('key', source, ctx(data)).toString('utf8');

function renderError(source: string, data: Record<string, string | Uint8Array> = {}): TemplateError {
  try {
    renderTemplate('key', source, ctx(data));
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error(`expected ${source} to fail`);
}

describe('compat §2.7 examples', () => {
  it('indexes the data context', () => {
    expect(render('secret {{ index . "foo" }} !', { foo: 'bar' })).toBe('secret bar !');
  });

  it('renders toJson exactly like Go json.Marshal', () => {
    const password = 'a<b>&c"\\\n\u2028\u2029é';
    expect(render('{{ toJson .password }}', { password })).toBe(
      '"a\\u003cb\\u003e\\u0026c\\"\\\\\\n\\u2028\\u2029é"',
    );
  });

  it('renders a missing field as <no value> and a missing index as empty', () => {
    expect(render('[{{ .missing }}]')).toBe('[<no value>]');
    expect(render('[{{ index . "missing" }}]')).toBe('[]');
  });

  it('escapes invalid UTF-8 as \\ufffd in toJson and passes it through unchanged otherwise', () => {
    const bin = Uint8Array.from([0x61, 0xff, 0xe2, 0x82, 0x62]);
    expect(render('{{ toJson .bin }}', { bin })).toBe('"a\\ufffd\\ufffd\\ufffdb"');
    expect(renderTemplate('key', '{{ .bin }}', ctx({ bin }))).toEqual(Buffer.from(bin));
  });

  it('does not escape HTML in toRawJson', () => {
    expect(render('{{ toRawJson .v }}', { v: '<&>' })).toBe('"<&>"');
  });
});

describe('realistic templates', () => {
  it('builds a .dockerconfigjson with printf and b64enc', () => {
    const source =
      '{"auths":{"{{ .registry }}":{"username":"{{ .user }}","password":{{ toJson .password }},' +
      '"auth":"{{ printf "%s:%s" .user .password | b64enc }}"}}}';
    const out = render(source, { registry: 'ghcr.io', user: 'bot', password: 's3cr&t' });
    expect(JSON.parse(out)).toEqual({
      auths: {
        'ghcr.io': {
          username: 'bot',
          password: 's3cr&t',
          auth: Buffer.from('bot:s3cr&t').toString('base64'),
        },
      },
    });
  });

  it('builds a connection string with urlquery', () => {
    const source =
      'postgres://{{ .user }}:{{ .password | urlquery }}@{{ .host }}:5432/{{ .db | default "app" }}';
    expect(render(source, { user: 'app', password: 'p@ss w/rd', host: 'db' })).toBe(
      'postgres://app:p%40ss+w%2Frd@db:5432/app',
    );
  });

  it('builds YAML with nindent and trim markers', () => {
    const source = [
      'config:',
      '  ca.crt: |{{- .ca | nindent 4 }}',
      '  users:',
      '  {{- range $name, $pw := dict "alice" .alice "bob" .bob }}',
      '    {{ $name }}: {{ $pw | quote }}',
      '  {{- end }}',
    ].join('\n');
    expect(render(source, { ca: 'LINE1\nLINE2', alice: 'a"1', bob: 'b2' })).toBe(
      [
        'config:',
        '  ca.crt: |',
        '    LINE1',
        '    LINE2',
        '  users:',
        '    alice: "a\\"1"',
        '    bob: "b2"',
      ].join('\n'),
    );
  });

  it('ranges over the data context in sorted key order', () => {
    expect(render('{{ range $k, $v := . }}{{ $k }}={{ $v }};{{ end }}', { b: '2', a: '1', c: '3' })).toBe(
      'a=1;b=2;c=3;',
    );
  });
});

describe('constructs', () => {
  it.each([
    ['{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}', { b: 'x' }, 'B'],
    ['{{ with .a }}<{{ . }}>{{ else }}none{{ end }}', { a: 'v' }, '<v>'],
    ['{{ $x := .a }}{{ $x = print $x "!" }}{{ $x }}', { a: 'v' }, 'v!'],
    ['{{ range $i, $e := list "a" "b" }}{{ $i }}{{ $e }}{{ end }}', {}, '0a1b'],
    [
      '{{ range list 1 2 3 4 }}{{ if eq . 2 }}{{ continue }}{{ end }}{{ if eq . 4 }}{{ break }}{{ end }}{{ . }}{{ end }}',
      {},
      '13',
    ],
    ['{{ range list }}x{{ else }}empty{{ end }}', {}, 'empty'],
    ['{{ range 3 }}{{ . }}{{ end }}', {}, '012'],
    ['a  {{- " b " -}}  c', {}, 'a b c'],
    ['a {{/* comment */}} b {{- /* trimmed */}}', {}, 'a  b'],
    ['{{ (print "a" "b") | upper | printf "%s!" }}', {}, 'AB!'],
    ['{{ and "x" "" "y" }}|{{ or "" "z" }}|{{ not "" }}', {}, '|z|true'],
    ['{{ `raw\\n` }} {{ "esc\\t\\x41\\u00e9" }} {{ \'a\' }}', {}, 'raw\\n esc\tAé 97'],
    ['{{ $.a }}{{ range list 1 }}{{ $.a }}{{ end }}', { a: 'r' }, 'rr'],
    ['{{ (dict "k" (dict "n" "deep")).k.n }}', {}, 'deep'],
  ])('%s', (source, data, want) => {
    expect(render(source, data)).toBe(want);
  });
});

describe('sprig argument order', () => {
  it.each([
    ['{{ replace "o" "0" "foo" }}', 'f00'],
    ['{{ indent 2 "a\\nb" }}', '  a\n  b'],
    ['{{ nindent 2 "a" }}', '\n  a'],
    ['{{ trimSuffix ".com" "x.com" }}', 'x'],
    ['{{ trimPrefix "x." "x.com" }}', 'com'],
    ['{{ trimAll "$" "$$v$" }}', 'v'],
    ['{{ default "d" "" }}|{{ default "d" "v" }}', 'd|v'],
    ['{{ contains "ar" "bar" }} {{ hasPrefix "b" "bar" }} {{ hasSuffix "r" "bar" }}', 'true true true'],
    ['{{ repeat 3 "ab" }}', 'ababab'],
    ['{{ substr 1 3 "abcd" }} {{ trunc 2 "abcd" }}', 'bc ab'],
    ['{{ join "," (splitList ":" "a:b") }}', 'a,b'],
    ['{{ ternary "y" "n" false }}', 'n'],
  ])('%s', (source, want) => {
    expect(render(source)).toBe(want);
  });
});

describe('errors', () => {
  it.each([
    ['{{ bar }}', 'template: key:1: function "bar" not defined'],
    ['{{ .foo } }}', 'template: key:1: unexpected "}" in operand'],
    ['{{ .foo', 'template: key:1: unclosed action'],
    ['{{ if .a }}', 'template: key:1: unexpected EOF'],
    ['{{ env "HOME" }}', 'template: key:1: function "env" not defined'],
    ['{{ getHostByName "x" }}', 'template: key:1: function "getHostByName" not defined'],
    ['{{ toYaml . }}', 'template: key:1: function "toYaml" not defined'],
    [
      '{{ repeat (add 1 2) "x" }}',
      'template: key:1:17: executing "key" at <2>: wrong type for value; expected int; got int64',
    ],
    ['x\n{{ .a.b }}', 'template: key:2:5: executing "key" at <.a.b>: can\'t evaluate field b in type string'],
    ['{{ indent "2" .a }}', 'template: key:1:10: executing "key" at <"2">: expected integer; found "2"'],
    [
      '{{ upper .missing }}',
      'template: key:1:9: executing "key" at <.missing>: invalid value; expected string',
    ],
  ])('%s', (source, message) => {
    const e = renderError(source, { a: 'v' });
    expect(e.code).toBe('TEMPLATE');
    expect(e.message).toBe(message);
  });
});

describe('error messages never contain decrypted values (compat §10)', () => {
  const MARKER = 'S3CR3T-marker';
  const secrets: Record<string, string> = {
    plain: `${MARKER}`,
    quoted: `${MARKER}"<>&\n`,
    json: `{"${MARKER}": [1, 2`,
    number: '987654321',
    b64: `${MARKER}===`,
  };

  function messagesFor(source: string): string[] {
    try {
      renderTemplate('key', source, ctx(secrets));
      return [];
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      return [e.message];
    }
  }

  it('holds for every function, every argument position and every secret shape', () => {
    const messages: string[] = [];
    const secretArgs = ['.plain', '.quoted', '.number', '(atoi .number)', '(fromJson .json)', '(list .b64)'];
    const fillers = ['"x"', '1'];
    for (const name of FUNCTIONS.keys()) {
      for (const secret of secretArgs) {
        for (let arity = 0; arity <= 3; arity++) {
          for (let position = 0; position < Math.max(arity, 1); position++) {
            for (const filler of fillers) {
              const args = Array.from({ length: arity }, (_, i) => (i === position ? secret : filler));
              messages.push(...messagesFor(`{{ ${name} ${args.join(' ')} }}`));
              messages.push(...messagesFor(`{{ ${secret} | ${name} ${args.slice(1).join(' ')} }}`));
            }
          }
        }
      }
    }
    messages.push(
      ...messagesFor('{{ fail .plain }}'),
      ...messagesFor('{{ mustFromJson .json }}'),
      ...messagesFor('{{ range .plain }}{{ end }}'),
      ...messagesFor('{{ range $a, $b := atoi .number }}{{ end }}'),
      ...messagesFor('{{ index (list 1) (atoi .number) }}'),
      ...messagesFor('{{ substr (atoi .number) 1 .plain }}'),
      ...messagesFor('{{ .plain.field }}'),
      ...messagesFor('{{ eq (list .plain) (list .plain) }}'),
      ...messagesFor('{{ printf "%s" .plain | fail }}'),
    );
    expect(messages.length).toBeGreaterThan(1000);
    const leaks = messages.filter((m) => m.includes('S3CR3T') || m.includes('987654321'));
    expect(leaks).toEqual([]);
  });
});

describe('limits', () => {
  it('refuses results larger than the value limit', () => {
    expect(renderError('{{ repeat 2000000 "x" }}').message).toContain(
      `error calling repeat: result exceeds the limit of ${LIMITS.maxValueBytes} bytes`,
    );
  });

  it('refuses output larger than the output limit', () => {
    expect(renderError('{{ range 2000 }}{{ repeat 1000 "x" }}{{ end }}').message).toContain(
      `rendered output exceeds the limit of ${LIMITS.maxOutputBytes} bytes`,
    );
  });

  it('refuses runaway loops', () => {
    expect(renderError('{{ range 5000000 }}{{ end }}').message).toContain(
      `template execution exceeds the limit of ${LIMITS.maxSteps} steps`,
    );
  });

  it('refuses quadratic list building', () => {
    expect(
      renderError('{{ $l := list }}{{ range 900000 }}{{ $l = append $l 1 }}{{ end }}').message,
    ).toContain(`template execution exceeds the work budget of ${LIMITS.maxWorkUnits} units`);
  });

  it('refuses deep nesting at parse time', () => {
    const source = '{{ ' + '('.repeat(500) + '1' + ')'.repeat(500) + ' }}';
    expect(renderError(source).message).toBe('template: key:1: template nesting exceeds the limit of 300');
  });

  it('accepts long else-if chains', () => {
    const source =
      '{{ if eq 1 0 }}{{ ' +
      Array.from({ length: 150 }, (_, i) => `else if eq 1 ${i + 1} }}${i}{{ `).join('') +
      'end }}';
    expect(render(source)).toBe('0');
  });

  it('refuses values whose printed form explodes through shared substructure', () => {
    const build =
      '{{ $s := repeat 1000000 "x" }}{{ $d := dict }}{{ range 2000 }}{{ $_ := set $d (print .) $s }}{{ end }}';
    expect(renderError(build + '{{ toJson $d }}').message).toContain(
      `error calling set: argument exceeds the limit of ${LIMITS.maxValueBytes} bytes`,
    );
    const doubling = '{{ $l := list "x" }}' + '{{ $l = list $l $l }}'.repeat(60) + '{{ len (toJson $l) }}';
    expect(renderError(doubling).message).toContain('argument exceeds the limit');
  });

  it('caps printf widths', () => {
    expect(render('{{ printf "%999999999d" 1 }}').length).toBe(1 << 16);
  });
});

describe('properties', () => {
  const codePoint = fc
    .integer({ min: 0, max: 0x10ffff })
    .filter((c) => c < 0xd800 || c > 0xdfff)
    .map((c) => String.fromCodePoint(c));
  const text = fc.array(codePoint, { maxLength: 40 }).map((cs) => cs.join(''));

  it('renders text without actions to itself', () => {
    fc.assert(
      fc.property(
        text.filter((s) => !s.includes('{{')),
        (s) => {
          expect(render(s)).toBe(s);
        },
      ),
    );
  });

  it('toJson output parses back to the string and contains no HTML-sensitive characters', () => {
    fc.assert(
      fc.property(text, (s) => {
        const out = render('{{ toJson .v }}', { v: s });
        expect(JSON.parse(out)).toBe(s);
        expect(out).not.toMatch(/[<>&\u2028\u2029]/);
      }),
    );
  });

  it('outputs arbitrary bytes exactly and round-trips them through b64enc/b64dec', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const data = ctx({ v: bytes });
        expect(renderTemplate('key', '{{ .v }}', data)).toEqual(Buffer.from(bytes));
        expect(renderTemplate('key', '{{ .v | b64enc | b64dec }}', data)).toEqual(Buffer.from(bytes));
        expect(renderTemplate('key', '{{ .v | b64enc }}', data).toString()).toBe(
          Buffer.from(bytes).toString('base64'),
        );
      }),
    );
  });

  it('round-trips arbitrary bytes through b32enc/b32dec, and b32enc is RFC 4648 base32', () => {
    // A bit-by-bit reference encoder, independent of the engine's 5-byte arithmetic.
    const reference = (bytes: Uint8Array): string => {
      const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
      const digits = (bits.match(/.{1,5}/g) ?? []).map((d) => d.padEnd(5, '0'));
      const text = digits.map((d) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[parseInt(d, 2)]).join('');
      return text.padEnd(Math.ceil(text.length / 8) * 8, '=');
    };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const data = ctx({ v: bytes });
        expect(renderTemplate('key', '{{ .v | b32enc }}', data).toString()).toBe(reference(bytes));
        expect(renderTemplate('key', '{{ .v | b32enc | b32dec }}', data)).toEqual(Buffer.from(bytes));
      }),
    );
  });

  it('never throws anything but a TEMPLATE error on arbitrary sources', () => {
    const alphabet = fc.constantFrom(
      '{{',
      '}}',
      '-',
      ' ',
      '.',
      '$x',
      ':=',
      '|',
      '(',
      ')',
      '"',
      '`',
      'if',
      'end',
      'range',
      'else',
      'len',
      'index',
      'print',
      '1',
      'a',
      '\n',
      '/*',
      '*/',
      ',',
      "'",
    );
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 30 }), (parts) => {
        try {
          renderTemplate('key', parts.join(''), ctx({ a: 'v' }));
        } catch (e) {
          expect(e).toBeInstanceOf(TemplateError);
          expect((e as TemplateError).code).toBe('TEMPLATE');
          expect((e as TemplateError).message).toMatch(/^template: key:/);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('clock and randomness come from the caller (they change on every reconcile otherwise)', () => {
  const env = {
    nowNs: () => 1_700_000_000_123_456_789n,
    randomBytes: (n: number) => new Uint8Array(n).fill(7),
  };
  const fixed = (source: string): string =>
    renderTemplate('key', source, new Map(), { env }).toString('utf8');

  it('now, date, ago and unixEpoch read the injected clock', () => {
    expect(
      fixed('{{ now | date "2006-01-02T15:04:05.000Z07:00" }} {{ unixEpoch now }} {{ ago 1699999990 }}'),
    ).toBe('2023-11-14T22:13:20.123Z 1700000000 10s');
  });

  it('uuidv4 and the random functions read the injected randomness', () => {
    expect(
      fixed('{{ uuidv4 }} {{ randAlpha 3 }} {{ randNumeric 2 }} {{ randBytes 3 }} {{ randInt 10 20 }}'),
    ).toBe('07070707-0707-4707-8707-070707070707 hhh 77 BwcH 11');
  });

  it('the system clock and randomness by default: two renders differ', () => {
    expect(render('{{ uuidv4 }}')).not.toBe(render('{{ uuidv4 }}'));
    expect(render('{{ now.UnixNano }}')).toMatch(/^\d{19}$/);
  });
});
