import { createHash } from 'node:crypto';
import { base32Decode, base32Encode, base64Decode, base64Encode } from '../go/base.js';
import { str, type FuncTable } from './types.js';

export const ENCODING: FuncTable = {
  b64enc: { params: ['string'], call: ([s]) => base64Encode(str(s)) },
  b64dec: {
    params: ['string'],
    call: ([s]) => {
      const r = base64Decode(str(s));
      return r.ok ? r.bytes : `illegal base64 data at input byte ${r.offset}`;
    },
  },
  b32enc: { params: ['string'], call: ([s]) => base32Encode(str(s)) },
  b32dec: {
    params: ['string'],
    call: ([s]) => {
      const r = base32Decode(str(s));
      return r.ok ? r.bytes : `illegal base32 data at input byte ${r.offset}`;
    },
  },
};

function adler32(s: string): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < s.length; i++) {
    a = (a + s.charCodeAt(i)) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const hash = (algorithm: string, s: string): string =>
  createHash(algorithm).update(Buffer.from(s, 'latin1')).digest('hex');

export const HASHES: FuncTable = {
  sha256sum: { params: ['string'], call: ([s]) => hash('sha256', str(s)) },
  sha1sum: { params: ['string'], call: ([s]) => hash('sha1', str(s)) },
  adler32sum: { params: ['string'], call: ([s]) => String(adler32(str(s))) },
  sha512sum: { params: ['string'], call: ([s]) => hash('sha512', str(s)) },
};
