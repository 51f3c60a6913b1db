// Just enough DER to find a certificate's validity and SubjectPublicKeyInfo (RFC 5280 §4.1). Every read is
// bounds-checked; anything unexpected throws CertificateError, never reads past the input.
import { CertificateError } from './errors.js';

export interface DerElement {
  readonly tag: number;
  /** The whole element, header included (what importKey('spki') wants for the SPKI). */
  readonly raw: Uint8Array;
  readonly content: Uint8Array;
}

export const TAG = {
  INTEGER: 0x02,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
} as const;

/** The element starting at `offset`. Only single-byte tags and definite lengths of up to 4 bytes (DER). */
export function readElement(bytes: Uint8Array, offset: number): DerElement {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw malformed();
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw malformed();
    length = 0;
    for (let i = 0; i < count; i++) {
      const byte = bytes[offset + 2 + i];
      if (byte === undefined) throw malformed();
      length = length * 256 + byte;
    }
    header += count;
  }
  const end = offset + header + length;
  if (end > bytes.length) throw malformed();
  return {
    tag,
    raw: bytes.subarray(offset, end),
    content: bytes.subarray(offset + header, end),
  };
}

/** The children of a constructed element's content, in order. */
export function children(content: Uint8Array): DerElement[] {
  const out: DerElement[] = [];
  for (let offset = 0; offset < content.length;) {
    const element = readElement(content, offset);
    out.push(element);
    offset += element.raw.length;
  }
  return out;
}

export function expectTag(element: DerElement | undefined, tag: number): DerElement {
  if (element === undefined || element.tag !== tag) throw malformed();
  return element;
}

/** UTCTime (YYMMDDHHMMSSZ, 1950–2049) or GeneralizedTime (YYYYMMDDHHMMSSZ), as RFC 5280 §4.1.2.5 requires. */
export function readTime(element: DerElement | undefined): Date {
  if (element === undefined) throw malformed();
  const text = new TextDecoder().decode(element.content);
  const match =
    element.tag === TAG.UTC_TIME
      ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
      : element.tag === TAG.GENERALIZED_TIME
        ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text)
        : null;
  if (match === null) throw malformed();
  const [year = 0, month = 1, day = 1, hours = 0, minutes = 0, seconds = 0] = match.slice(1).map(Number);
  const fullYear = element.tag === TAG.UTC_TIME ? (year < 50 ? 2000 + year : 1900 + year) : year;
  return new Date(Date.UTC(fullYear, month - 1, day, hours, minutes, seconds));
}

/** Dotted text of an OBJECT IDENTIFIER's content. */
export function oidText(content: Uint8Array): string {
  const values: number[] = [];
  let value = 0;
  for (const byte of content) {
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      values.push(value);
      value = 0;
    }
  }
  const [first, ...rest] = values;
  if (first === undefined || value !== 0) throw malformed();
  const arc = first < 40 ? 0 : first < 80 ? 1 : 2;
  return [arc, first - arc * 40, ...rest].join('.');
}

function malformed(): CertificateError {
  return new CertificateError('x509: malformed certificate');
}
