// The character checks of HTTP/1.1 framing that connection.ts needs, written as scans of character codes instead of
// regular expressions: a V8 start-up snapshot keeps a regular expression's source but not its compiled code, so each
// one on kubeseal's path was compiled again at every run (packages/kube/README.md, "HTTP client"). scan.test.ts
// checks each against the regular expression it replaces.

/** tchar of RFC 9110 (`!#$%&'*+-.^_\`|~`, digits, letters), by character code below 128. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
  TCHAR[c.charCodeAt(0)] = 1;

/** A non-empty HTTP token (a method or a header name). */
export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Whether a header value holds a byte node:http refuses: CR, LF, NUL and the other controls but tab, or > 0xff. */
export function hasInvalidValueChar(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return true;
  }
  return false;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Whether `text` is 1 to `max` decimal digits. */
export function isDigits(text: string, max: number): boolean {
  if (text.length === 0 || text.length > max) return false;
  for (let i = 0; i < text.length; i++) if (!isDigit(text.charCodeAt(i))) return false;
  return true;
}

/** A regular expression's word character: `[A-Za-z0-9_]`. */
function isWordChar(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/**
 * Whether `text` holds `word` (which starts and ends with a word character) between non-word characters: a regular
 * expression's `\bword\b`.
 */
export function hasWord(text: string, word: string): boolean {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const end = at + word.length;
    if (
      (at === 0 || !isWordChar(text.charCodeAt(at - 1))) &&
      (end === text.length || !isWordChar(text.charCodeAt(end)))
    )
      return true;
  }
  return false;
}

/** Spaces and tabs trimmed from both ends (optional white space around a header value). */
export function trimOws(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 0x20 || text.charCodeAt(end - 1) === 0x09)) end--;
  return text.slice(start, end);
}

/** `HTTP/1.<0|1> <3 digits>[ <reason without CR or LF>]`, or null. */
export function parseStatusLine(line: string): { minor: string; code: number; message: string } | null {
  if (!line.startsWith('HTTP/1.') || line.length < 12) return null;
  const minor = line.charCodeAt(7);
  if ((minor !== 0x30 && minor !== 0x31) || line.charCodeAt(8) !== 0x20) return null;
  if (!isDigits(line.slice(9, 12), 3)) return null;
  if (line.length > 12 && line.charCodeAt(12) !== 0x20) return null;
  const message = line.slice(13);
  if (message.includes('\r') || message.includes('\n')) return null;
  return { minor: line[7] ?? '', code: Number(line.slice(9, 12)), message };
}

/** A chunk-size line: 1 to 12 hex digits, optional spaces or tabs, optional `;extensions`; the size or -1. */
export function parseChunkSize(line: string): number {
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (!(isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))) break;
    i++;
  }
  if (i === 0 || i > 12) return -1;
  const size = Number.parseInt(line.slice(0, i), 16);
  while (i < line.length && (line.charCodeAt(i) === 0x20 || line.charCodeAt(i) === 0x09)) i++;
  if (i === line.length) return size;
  if (line.charCodeAt(i) !== 0x3b /* ; */) return -1;
  const extensions = line.slice(i + 1);
  return extensions.includes('\r') || extensions.includes('\n') ? -1 : size;
}

/**
 * A header line `name: value`: the name a token right before the colon, the value without the spaces and tabs around
 * it and free of the bytes hasInvalidValueChar refuses; null for anything else (no colon, white space before the
 * colon or at the start of the line: obsolete folding).
 */
export function parseHeaderLine(line: string): { name: string; value: string } | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  const name = line.slice(0, colon);
  const value = trimOws(line.slice(colon + 1));
  return isToken(name) && !hasInvalidValueChar(value) ? { name, value } : null;
}

/** Whether the last coding of a Transfer-Encoding value is `chunked` (any case; `gzip, chunked` is). */
export function lastCodingIsChunked(transfer: string): boolean {
  return (
    transfer
      .slice(transfer.lastIndexOf(',') + 1)
      .trim()
      .toLowerCase() === 'chunked'
  );
}
