// Templates written to stall or exhaust a process (issue 9 item 3), shared by the engine's unit tests, the
// controller's worker tests and the e2e tests. Each comes with a substring of the error it must end with. The
// numbers are the engine's LIMITS (core's hostile.test.ts checks that they still are).

/** A reconstruction of the 292-byte template of issue 9: a range over a splitList of a repeated string. */
export const STALL_292 = `{{- /* issue9 item 3 */ -}}
{{- $l := splitList "," (repeat 99999 "ab,") -}}
{{- range $i, $e := $l -}}
  {{- if has $e $l -}}
    {{- $joined := join $e $l -}}
    {{- $sorted := sortAlpha $l -}}
    {{- $unique := uniq $l -}}
    {{- $hash := sha256sum $joined -}}
  {{- end -}}
{{- end -}}`;

export const WORK_LIMIT = 'template execution exceeds the work budget of 67108864 units';
export const VALUE_LIMIT = 'exceeds the limit of 1048576 bytes';
export const LIST_LIMIT = 'result exceeds the limit of 100000 elements';
export const NESTING_LIMIT = 'nesting exceeds the limit of 1000';
export const STEPS_LIMIT = 'template execution exceeds the limit of 1000000 steps';
export const PARSE_NESTING_LIMIT = 'template nesting exceeds the limit of 300';
export const TOKENS_LIMIT = 'template exceeds the limit of 100000 tokens';

export interface HostileTemplate {
  readonly name: string;
  readonly source: string;
  /** A substring of the error message: the limit it hits. */
  readonly limit: string;
}

const WORK = WORK_LIMIT;
const VALUE = VALUE_LIMIT;
const NESTING = NESTING_LIMIT;

/** Hostile templates and the limit each one must hit. */
export const HOSTILE_TEMPLATES: readonly HostileTemplate[] = (
  [
    ['the 292-byte range over splitList of repeat', STALL_292, WORK],
    [
      'has over a 100 000-element list in a 100 000-step range',
      '{{ $l := splitList "" (repeat 100000 "a") }}{{ range $l }}{{ if has "b" $l }}{{ end }}{{ end }}',
      WORK,
    ],
    [
      'join of the whole list on every iteration',
      '{{ $l := splitList "" (repeat 100000 "a") }}{{ range $l }}{{ $x := join "" $l }}{{ end }}',
      WORK,
    ],
    [
      'hashing a 1 MiB string in a loop',
      '{{ $s := repeat 1000000 "a" }}{{ range 1000000 }}{{ $x := sha256sum $s }}{{ end }}',
      WORK,
    ],
    [
      'a crafted substring search (O(n·m) in V8) in a loop',
      '{{ $p := print (repeat 1000 "a") "b" (repeat 100000 "a") }}{{ $t := repeat 1000000 "a" }}' +
        '{{ range 100000 }}{{ $x := contains $p $t }}{{ end }}',
      WORK,
    ],
    [
      'thousands of variables looked up from the bottom of the scope',
      '{{ $a := 1 }}' + '{{ $b := 1 }}'.repeat(10_000) + '{{ range 1000000 }}{{ $a }}{{ end }}',
      WORK,
    ],
    ['a huge repeat', '{{ repeat 1000000000 "abc" }}', `error calling repeat: result ${VALUE}`],
    [
      'repeat doubling through variables',
      '{{ $s := "ab" }}' + '{{ $s = print $s $s }}'.repeat(40) + '{{ len $s }}',
      `error calling print: result ${VALUE}`,
    ],
    [
      'printf widths adding up',
      '{{ printf (repeat 100000 "%[1]65536d") 1 }}',
      `error calling printf: result ${VALUE}`,
    ],
    [
      'print of many 1 MiB arguments',
      '{{ $a := repeat 1000000 "a" }}{{ print' + ' $a'.repeat(40) + ' }}',
      `error calling print: result ${VALUE}`,
    ],
    [
      'join with a 1 MiB separator',
      '{{ $l := splitList "" (repeat 100000 "a") }}{{ join (repeat 1000000 "b") $l }}',
      `error calling join: result ${VALUE}`,
    ],
    [
      'indent growing a string of newlines',
      '{{ indent 1000 (repeat 100000 "\\n") }}',
      `error calling indent: result ${VALUE}`,
    ],
    [
      'replace with a long replacement',
      '{{ replace "a" (repeat 1000 "b") (repeat 1000000 "a") }}',
      `error calling replace: result ${VALUE}`,
    ],
    [
      'splitList into a million elements',
      '{{ splitList "" (repeat 1000000 "a") }}',
      `error calling splitList: ${LIST_LIMIT}`,
    ],
    [
      'toPrettyJson of a deeply nested list (indentation grows with depth × lines)',
      '{{ $x := splitList "" (repeat 90000 "a") }}{{ range 900 }}{{ $x = list $x }}{{ end }}{{ toPrettyJson $x }}',
      `error calling toPrettyJson: result ${VALUE}`,
    ],
    [
      'a list nested 100 000 deep',
      '{{ $x := list }}{{ range 100000 }}{{ $x = list $x }}{{ end }}{{ toJson $x }}',
      `error calling list: argument ${NESTING}`,
    ],
    [
      'a map that contains itself, printed',
      '{{ $m := dict }}{{ $_ := set $m "self" $m }}{{ $m }}',
      `printed value ${NESTING}`,
    ],
    [
      'a value doubling through shared substructure',
      '{{ $l := list "x" }}' + '{{ $l = list $l $l }}'.repeat(60) + '{{ toJson $l }}',
      `error calling list: argument ${VALUE}`,
    ],
    [
      'quadratic list building with append',
      '{{ $l := list }}{{ range 900000 }}{{ $l = append $l 1 }}{{ end }}',
      WORK,
    ],
    [
      'range nested 250 deep (each level doubles the iterations)',
      '{{ $two := list 1 2 }}' + '{{ range $two }}'.repeat(250) + '{{ end }}'.repeat(250),
      STEPS_LIMIT,
    ],
    [
      'a 1.2 MB template of tiny actions (parsing it whole took 176 MB and 2 s)',
      '{{ $a := 1 }}' + '{{ $a }}'.repeat(150_000),
      TOKENS_LIMIT,
    ],
    [
      'with/if/range nested 400 deep',
      '{{ with 1 }}{{ if 1 }}{{ range 2 }}'.repeat(134) + '{{ end }}{{ end }}{{ end }}'.repeat(134),
      PARSE_NESTING_LIMIT,
    ],
    [
      'uniq over 3 000 distinct small lists (pairwise comparisons)',
      '{{ $l := list }}{{ range $i, $_ := splitList "" (repeat 3000 "a") }}{{ $l = append $l (list $i) }}{{ end }}' +
        '{{ uniq $l }}',
      `at <uniq $l>: ${WORK}`,
    ],
    [
      'a nested-quantifier pattern (exponential for a backtracking engine) on 1 MiB, in a loop',
      '{{ $s := print (repeat 1000000 "a") "!" }}{{ range 1000 }}{{ $x := regexMatch "^(a+)+$" $s }}{{ end }}',
      WORK,
    ],
    [
      'a counted repetition that compiles to millions of instructions',
      '{{ regexMatch "((a{1000}){1000}){1000}" "a" }}',
      'error calling regexMatch: regular expression exceeds the limit of 100000 instructions',
    ],
    [
      'regexReplaceAll of every empty match with a long replacement',
      '{{ regexReplaceAll "" (repeat 100000 "a") (repeat 100 "b") }}',
      `error calling regexReplaceAll: result ${VALUE}`,
    ],
    [
      'regexFindAll of a million empty matches',
      '{{ regexFindAll "" (repeat 1000000 "a") -1 }}',
      `error calling regexFindAll: ${LIST_LIMIT}`,
    ],
    [
      'a billion random characters',
      '{{ randAlphaNum 1000000000 }}',
      `error calling randAlphaNum: result ${VALUE}`,
    ],
    [
      'random strings of 100 000 characters in a loop',
      '{{ range 1000000 }}{{ $x := randAscii 100000 }}{{ end }}',
      WORK,
    ],
    [
      'a template calling itself inside 290 nested structures',
      '{{ define "deep" }}' +
        '{{ with 1 }}'.repeat(290) +
        '{{ template "deep" }}' +
        '{{ end }}'.repeat(290) +
        '{{ end }}{{ template "deep" }}',
      'exceeded maximum template depth (1000)',
    ],
    [
      'a template calling itself twice per level (2^depth calls)',
      '{{ define "x" }}{{ if lt (len .) 30 }}{{ template "x" (append . 1) }}{{ template "x" (append . 1) }}' +
        '{{ end }}{{ end }}{{ template "x" (list) }}',
      STEPS_LIMIT,
    ],
    [
      'semverCompare of a 800 KB constraint in a loop',
      '{{ $c := repeat 100000 ">=1.0.0 " }}{{ range 10000 }}{{ $x := semverCompare $c "1.0.0" }}{{ end }}',
      WORK,
    ],
    [
      'dateInZone with distinct unknown zones and a long layout, in a loop',
      '{{ $l := repeat 10000 "2006-01-02 " }}{{ range $i := 1000000 }}{{ $x := dateInZone $l 0 (print "No/Zone" $i) }}{{ end }}',
      WORK,
    ],
  ] as const
).map(([name, source, limit]) => ({ name, source, limit }));
