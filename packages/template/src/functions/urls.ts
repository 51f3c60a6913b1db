import { FuncError } from '../engine/errors.js';
import { GoMap, type Value } from '../engine/values.js';
import { hostname, parseUrl, UrlError, urlString, userinfoString, emptyUrl } from '../go/url.js';
import { kindOf } from './reflection.js';
import { map, str, type FuncTable } from './types.js';

/** sprig's urlParse and urlJoin on Go's net/url (go/url.ts); errors never quote the URL. */

function parse(raw: string, what: string): ReturnType<typeof parseUrl> {
  try {
    return parseUrl(raw);
  } catch (e) {
    if (e instanceof UrlError) throw new FuncError(`${what}: parse (url withheld): ${e.message}`);
    throw e;
  }
}

/** dictGetOrEmpty: a missing key is "", a value of another kind than string fails. */
function field(d: GoMap | null, key: string): string {
  if (d === null || !d.entries.has(key)) return '';
  const v: Value = d.entries.get(key) ?? null;
  if (v === null || v === undefined) {
    throw new FuncError('runtime error: invalid memory address or nil pointer dereference');
  }
  if (typeof v !== 'string') {
    throw new FuncError(`unable to parse ${key} key, must be of type string, but ${kindOf(v)} found`);
  }
  return v;
}

export const URLS: FuncTable = {
  urlParse: {
    params: ['string'],
    call: ([v]) => {
      const u = parse(str(v), 'unable to parse url');
      return new GoMap(
        new Map<string, Value>([
          ['scheme', u.scheme],
          ['host', u.host],
          ['hostname', hostname(u.host)],
          ['path', u.path],
          ['query', u.rawQuery],
          ['opaque', u.opaque],
          ['fragment', u.fragment],
          ['userinfo', userinfoString(u.user)],
        ]),
      );
    },
  },
  urlJoin: {
    params: ['map'],
    call: ([d]) => {
      const dict = map(d);
      const url = emptyUrl();
      url.scheme = field(dict, 'scheme');
      url.host = field(dict, 'host');
      url.path = field(dict, 'path');
      url.rawQuery = field(dict, 'query');
      url.opaque = field(dict, 'opaque');
      url.fragment = field(dict, 'fragment');
      const userinfo = field(dict, 'userinfo');
      if (userinfo !== '')
        url.user = parse(`proto://${userinfo}@host`, 'unable to parse userinfo in dict').user;
      return urlString(url);
    },
  },
};
