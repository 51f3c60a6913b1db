import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hasInvalidValueChar,
  hasWord,
  isDigits,
  isToken,
  lastCodingIsChunked,
  parseChunkSize,
  parseHeaderLine,
  parseStatusLine,
} from './scan.js';

// The regular expressions connection.ts used before these scans: the specification each scan must agree with.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: ([^\r\n]*))?$/;
const HEADER_LINE = /^([^:\s]+):[ \t]*(.*?)[ \t]*$/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,12})[ \t]*(?:;.*)?$/;
const CHUNKED = /(?:^|,)\s*chunked\s*$/i;

/** Strings made of the pieces that matter to the framing, plus any single character (latin1 and beyond). */
const text = (pieces: readonly string[]) =>
  fc
    .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'binary', maxLength: 2 })), {
      maxLength: 12,
    })
    .map((parts) => parts.join(''));
const RUNS = { numRuns: 3000 };

describe('HTTP framing scans agree with the regular expressions they replace', () => {
  it('tokens and header values', () => {
    const pieces = [
      'a',
      'Z',
      '0',
      '-',
      '!',
      '~',
      '|',
      ' ',
      '\t',
      ':',
      '"',
      '(',
      '\r',
      '\n',
      '\0',
      '\x7f',
      'é',
      '\u0100',
    ];
    fc.assert(
      fc.property(text(pieces), (s) => {
        expect(isToken(s)).toBe(TOKEN.test(s));
        expect(hasInvalidValueChar(s)).toBe(INVALID_VALUE.test(s));
      }),
      RUNS,
    );
  });

  it('status lines', () => {
    const pieces = [
      'HTTP/1.1 ',
      'HTTP/1.0 ',
      'HTTP/1.2 ',
      'HTTP/1.',
      '200',
      '2',
      '0',
      ' ',
      'OK',
      '\r',
      '\n',
      'x',
    ];
    fc.assert(
      fc.property(text(pieces), (s) => {
        const m = STATUS_LINE.exec(s);
        const parsed = parseStatusLine(s);
        expect(parsed).toEqual(m === null ? null : { minor: m[1], code: Number(m[2]), message: m[3] ?? '' });
      }),
      RUNS,
    );
    expect(parseStatusLine('HTTP/1.1 404 Not Found')).toEqual({
      minor: '1',
      code: 404,
      message: 'Not Found',
    });
    expect(parseStatusLine('HTTP/1.0 200')).toEqual({ minor: '0', code: 200, message: '' });
    expect(parseStatusLine('HTTP/1.1 2000 OK')).toBeNull();
  });

  it('header lines (a bad name, folding, no colon or a bad value byte are refused)', () => {
    const pieces = [
      'Content-Length',
      'X-A',
      ':',
      ': ',
      ' ',
      '\t',
      '1',
      'v a l',
      '\r',
      '\n',
      '\x01',
      'é',
      '\u00a0',
    ];
    fc.assert(
      fc.property(text(pieces), (s) => {
        const m = HEADER_LINE.exec(s);
        const old =
          m === null || !TOKEN.test(m[1] ?? '') || INVALID_VALUE.test(m[2] ?? '')
            ? null
            : { name: m[1], value: m[2] };
        expect(parseHeaderLine(s)).toEqual(old);
      }),
      RUNS,
    );
    expect(parseHeaderLine('X-A: \t a b \t')).toEqual({ name: 'X-A', value: 'a b' });
    expect(parseHeaderLine('X-A : 1')).toBeNull();
    expect(parseHeaderLine('  folded')).toBeNull();
  });

  it('Content-Length, chunk sizes, Connection words and Transfer-Encoding', () => {
    const digits = [
      '0',
      '9',
      '12345',
      '-',
      '+',
      ' ',
      'a',
      'F',
      'g',
      ';',
      'ext=1',
      '\t',
      '\r',
      '\n',
      '1234567890abc',
    ];
    fc.assert(
      fc.property(text(digits), (s) => {
        expect(isDigits(s, 15)).toBe(/^\d{1,15}$/.test(s));
        const m = CHUNK_SIZE.exec(s);
        expect(parseChunkSize(s)).toBe(m === null ? -1 : Number.parseInt(m[1] ?? '', 16));
      }),
      RUNS,
    );
    const words = ['close', 'keep-alive', 'closed', 'x', ',', ' ', '-', '_', '1', 'upgrade'];
    fc.assert(
      fc.property(text(words), (s) => {
        expect(hasWord(s, 'close')).toBe(/\bclose\b/.test(s));
        expect(hasWord(s, 'keep-alive')).toBe(/\bkeep-alive\b/.test(s));
      }),
      RUNS,
    );
    const codings = ['chunked', 'Chunked', 'CHUNKED', 'gzip', ',', ', ', ' ', '\t', '\u00a0', 'x'];
    fc.assert(
      fc.property(text(codings), (s) => {
        expect(lastCodingIsChunked(s)).toBe(CHUNKED.test(s));
      }),
      RUNS,
    );
  });
});
