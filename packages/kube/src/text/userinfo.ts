/**
 * `text` without the user name and password of the URL it holds (`https://user:pass@host/…` → `https://host/…`,
 * `user:pass@host:8080` → `host:8080`), for error texts about a URL that may not parse (a parsed one goes through
 * printableUrl): the password must never be printed. Only the authority is looked at, up to the first `/`, `?` or
 * `#` after the scheme's `//` (or from the start when there is none).
 */
export function withoutUserinfo(text: string): string {
  const scheme = text.indexOf('://');
  const start = scheme < 0 ? 0 : scheme + 3;
  let end = start;
  while (end < text.length && text[end] !== '/' && text[end] !== '?' && text[end] !== '#') end++;
  const at = text.lastIndexOf('@', end - 1);
  return at < start ? text : `${text.slice(0, start)}${text.slice(at + 1)}`;
}
