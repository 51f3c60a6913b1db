/**
 * Characters that must never reach a terminal, log or status raw: C0 controls (ANSI escapes start with ESC), DEL,
 * C1 controls, the Unicode line/paragraph separators and the bidirectional overrides ("Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes unsafe characters the way Go's %q does (`\x1b`, `\n`, `\u2028`); everything else is kept as is. */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const named = NAMED[c];
    if (named !== undefined) return named;
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** Escaped, and cut to `max` characters with a marker, so one hostile answer cannot flood a log or a status. */
export function safeText(text: string, max: number): string {
  const escaped = escapeControlCharacters(text);
  return escaped.length <= max
    ? escaped
    : `${escaped.slice(0, max)}... (${escaped.length - max} more characters)`;
}
