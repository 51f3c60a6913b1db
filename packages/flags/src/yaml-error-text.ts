/** An error of the `yaml` library: its message and the offsets in the source it points at. */
export interface YamlErrorLike {
  readonly message: string;
  readonly pos?: readonly [number, number] | undefined;
}

/**
 * Messages of the `yaml` library (2.x) that quote the input after a fixed text: the escape, the block scalar
 * header, the alias or tag name, the version, the token. In a Secret (or a kubeconfig) that text is often the
 * value itself (`password: *hunter2`, `token: |abc`), so only the fixed part is kept.
 */
const QUOTING: readonly RegExp[] = [
  /^(Block scalar header includes extra characters):/,
  /^(Not a YAML token):/,
  /^(Unresolved alias \(the anchor must be set before the alias\)):/,
  /^(Could not resolve tag):/,
  /^(Unresolved tag):/,
  /^(Not a valid tag):/,
  /^(Unsupported YAML version) /,
  /^(Invalid escape sequence) /,
  /^(Unknown directive) /,
  /^(Unresolved plain scalar) /,
  /^(Ordered maps must not include duplicate keys):/,
  /^(Keys with collection values will be stringified) /,
  /^(Unexpected [\w-]+ token in YAML (?:stream|document)):/,
  /^(Verbatim tags aren't resolved), so /,
];
/** `The !x! tag has no suffix`: the quoted part is in the middle. */
const TAG_WITHOUT_SUFFIX = /^The .* tag has no suffix$/;

/** 1-based line and column of `offset` in `source`. */
function position(source: string, offset: number): string {
  const end = Math.max(0, Math.min(offset, source.length));
  let line = 1;
  let lineStart = 0;
  for (let i = source.indexOf('\n'); i >= 0 && i < end; i = source.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${end - lineStart + 1}`;
}

/**
 * The message of a `yaml` library error without any text of the input: the first line only (no code frame),
 * the quoted part of the messages that quote (see QUOTING) cut and replaced by the position, e.g.
 * `Invalid escape sequence at line 5, column 8`. With `position: 'always'` every message gets the position.
 */
export function yamlErrorText(
  error: YamlErrorLike,
  source: string,
  options: { position?: 'always' | 'if-cut' } = {},
): string {
  const first = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  let text = TAG_WITHOUT_SUFFIX.test(first) ? 'A tag has no suffix' : first;
  for (const pattern of QUOTING) {
    const fixed = pattern.exec(text)?.[1];
    if (fixed === undefined) continue;
    text = fixed;
    break;
  }
  // Anything else that still quotes the input as JSON text (the library's token errors) is cut there as well.
  const quoted = text.indexOf(': "');
  if (quoted >= 0) text = text.slice(0, quoted);
  const cut = text !== first;
  const at = error.pos?.[0];
  if (at === undefined || (!cut && options.position !== 'always')) return text;
  return `${text} at ${position(source, at)}`;
}
