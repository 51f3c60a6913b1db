import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealedSecretsError } from '../errors.js';
import { decodeBase64Strict } from './base64.js';

function decodeError(text: string): SealedSecretsError {
  try {
    decodeBase64Strict(text);
  } catch (error) {
    if (error instanceof SealedSecretsError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

// Cases and offsets of Go's own encoding/base64 TestDecodeCorrupt (-1: valid).
const GO_CORRUPT_CASES: [string, number][] = [
  ['', -1],
  ['\n', -1],
  ['AAA=\n', -1],
  ['AAAA\n', -1],
  ['!!!!', 0],
  ['====', 0],
  ['x===', 1],
  ['=AAA', 0],
  ['A=AA', 1],
  ['AA=A', 2],
  ['AA==A', 4],
  ['AAA=AAAA', 4],
  ['AAAAA', 4],
  ['AAAAAA', 4],
  ['A=', 1],
  ['A==', 1],
  ['AA=', 3],
  ['AA==', -1],
  ['AAA=', -1],
  ['AAAA', -1],
  ['AAAAAA=', 7],
  ['YWJjZA=====', 8],
  ['A!\n', 1],
  ['A=\n', 1],
];

describe('decodeBase64Strict', () => {
  it('decodes and checks values of 8 MiB without recursion (a regular expression overflowed the stack at 3.4 MiB)', () => {
    const bytes = Buffer.alloc(8 << 20, 0xa5);
    const text = bytes.toString('base64');
    expect(decodeBase64Strict(text).equals(bytes)).toBe(true);
    const withNewlines = `${text.slice(0, 1000)}\n${text.slice(1000)}`;
    expect(decodeBase64Strict(withNewlines).equals(bytes)).toBe(true);
    expect(decodeError(`${text.slice(0, -4)}!AAA`).message).toBe(
      `illegal base64 data at input byte ${text.length - 4}`,
    );
  });

  it.each(GO_CORRUPT_CASES)('%j → offset %i as in Go', (input, offset) => {
    if (offset === -1) {
      expect(() => decodeBase64Strict(input)).not.toThrow();
    } else {
      const error = decodeError(input);
      expect(error.code).toBe('INVALID_BASE64');
      expect(error.message).toBe(`illegal base64 data at input byte ${offset}`);
    }
  });

  it.each([
    ['YWJj', 'abc'],
    ['YWI=', 'ab'],
    ['YQ==', 'a'],
    ['YW\r\nJj', 'abc'],
    ['YQ=\n=', 'a'],
    ['YR==', 'a'], // non-zero trailing bits are fine for StdEncoding (not Strict())
  ])('decodes %j', (input, expected) => {
    expect(decodeBase64Strict(input).toString('latin1')).toBe(expected);
  });

  it.each([
    ['missing padding', 'YWI', 0],
    ['URL-safe alphabet', 'a-_b', 1],
    ['a space', 'YW Jj', 2],
    ['a tab', 'YWJj\t', 4],
    ['a multi-byte character', 'YWJjé', 4],
  ])('rejects %s', (_name, input, offset) => {
    expect(decodeError(input).message).toBe(`illegal base64 data at input byte ${offset}`);
  });

  it('agrees with Buffer on every canonical encoding, also with CR/LF inserted', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat()), (bytes, cuts) => {
        const encoded = Buffer.from(bytes).toString('base64');
        expect(decodeBase64Strict(encoded).equals(Buffer.from(bytes))).toBe(true);
        let wrapped = encoded;
        for (const cut of cuts) {
          const at = cut % (wrapped.length + 1);
          wrapped = `${wrapped.slice(0, at)}${cut % 2 === 0 ? '\n' : '\r\n'}${wrapped.slice(at)}`;
        }
        expect(decodeBase64Strict(wrapped).equals(Buffer.from(bytes))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts exactly the strings that are canonical once CR/LF are removed', () => {
    const canonical = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
    const alphabet = fc.constantFrom(...'AQgw+/=\r\n -_.é'.split(''), 'A', 'B', 'z', '0', '=');
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 24 }).map((chars) => chars.join('')),
        (text) => {
          const stripped = text.replace(/[\r\n]/g, '');
          if (canonical.test(stripped)) {
            expect(decodeBase64Strict(text).equals(Buffer.from(stripped, 'base64'))).toBe(true);
          } else {
            expect(decodeError(text).message).toMatch(/^illegal base64 data at input byte \d+$/);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
