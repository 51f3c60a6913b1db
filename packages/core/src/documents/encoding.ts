import { DocumentError } from './document-error.js';

const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Where and why bytes are not UTF-8, in the words of Go's YAML reader (what upstream kubeseal reports). */
function describeInvalidUtf8(bytes: Uint8Array): { offset: number; reason: string } {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i] ?? 0;
    const width =
      lead < 0x80
        ? 1
        : (lead & 0xe0) === 0xc0
          ? 2
          : (lead & 0xf0) === 0xe0
            ? 3
            : (lead & 0xf8) === 0xf0
              ? 4
              : 0;
    if (width === 0) return { offset: i, reason: 'invalid leading UTF-8 octet' };
    if (i + width > bytes.length) return { offset: i, reason: 'incomplete UTF-8 octet sequence' };
    let value = width === 1 ? lead : lead & (0x7f >> width);
    for (let k = 1; k < width; k++) {
      const next = bytes[i + k] ?? 0;
      if ((next & 0xc0) !== 0x80) return { offset: i + k, reason: 'invalid trailing UTF-8 octet' };
      value = (value << 6) | (next & 0x3f);
    }
    const minimum = [0, 0, 0x80, 0x800, 0x10000][width] ?? 0;
    if (value < minimum) return { offset: i, reason: 'invalid length of a UTF-8 sequence' };
    if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) {
      return { offset: i, reason: 'invalid Unicode character' };
    }
    i += width;
  }
  return { offset: bytes.length, reason: 'invalid UTF-8' };
}

function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

/** Decodes strict UTF-8 (a leading BOM is dropped); anything else is an INVALID_ENCODING DocumentError. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes).replace(/^\uFEFF/, '');
  } catch (cause) {
    const { offset, reason } = describeInvalidUtf8(bytes);
    throw new DocumentError(
      'INVALID_ENCODING',
      `the input is not valid UTF-8: ${reason} at byte ${offset} (line ${lineOf(bytes, offset)})`,
      { cause, reason },
    );
  }
}

// What Go's YAML reader accepts in a stream: tab, line breaks, printable ASCII, NEL and the rest of Unicode except
// C1 controls, surrogates and U+FFFE/U+FFFF.
const NOT_ALLOWED_IN_YAML = /[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Refuses a YAML stream holding a raw control character, as Go's YAML reader does (escapes are fine). */
export function assertNoYamlControlCharacters(text: string): void {
  const match = NOT_ALLOWED_IN_YAML.exec(text);
  if (match === null) return;
  const code = match[0].codePointAt(0) ?? 0;
  const line = text.slice(0, match.index).split('\n').length;
  throw new DocumentError(
    'INVALID_ENCODING',
    `control characters are not allowed in YAML (U+${code.toString(16).toUpperCase().padStart(4, '0')} on line ${line})`,
    { reason: 'control characters are not allowed' },
  );
}
