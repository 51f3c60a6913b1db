import { escapeControlCharacters } from '../text/escape.js';

/** `GET` → `Get`, as Go's url.Error prints the method. */
export function goVerb(method: string): string {
  return method.length === 0 ? method : `${method[0]}${method.slice(1).toLowerCase()}`;
}

/** The URL as printed in errors: without user info, which may hold a password. */
export function printableUrl(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy.href;
}

const TLS_VERIFY: Readonly<Record<string, string>> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'x509: certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'x509: certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'x509: certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'x509: certificate signed by unknown authority',
  CERT_HAS_EXPIRED: 'x509: certificate has expired or is not yet valid',
  CERT_NOT_YET_VALID: 'x509: certificate has expired or is not yet valid',
};

/** OpenSSL's reasons for a peer that does not speak TLS, in Go's words. */
const OPENSSL_REASONS: Readonly<Record<string, string>> = {
  'wrong version number': 'first record does not look like a TLS handshake',
  'packet length too long': 'first record does not look like a TLS handshake',
  'http request': 'first record does not look like a TLS handshake',
};

/**
 * One line saying why a connection failed, in the words Go's net/http uses where there is an equivalent (so a
 * script matching upstream's text keeps working), never OpenSSL's multi-line internals.
 */
export function describeNetworkError(error: unknown, url: URL): string {
  const { code, message = '' } = (error ?? {}) as { code?: unknown; message?: string };
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'ENOTFOUND':
      return `dial tcp: lookup ${host}: no such host`;
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: temporary failure in name resolution`;
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${address}: connect: network is unreachable`;
    case 'ETIMEDOUT':
      return `dial tcp ${address}: connect: connection timed out`;
    case 'ECONNRESET':
      return message === 'socket hang up'
        ? 'EOF (the server closed the connection)'
        : 'connection reset by peer';
    case 'EPIPE':
      return 'write: broken pipe';
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_HTTP_REQUEST':
      return 'tls: first record does not look like a TLS handshake';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `tls: failed to verify certificate: x509: certificate is not valid for ${host}`;
  }
  if (typeof code === 'string' && TLS_VERIFY[code] !== undefined)
    return `tls: failed to verify certificate: ${TLS_VERIFY[code]}`;
  // OpenSSL errors read "<hex>:error:<hex>:<lib>:<func>:<reason>:<file>:<line>:"; keep the reason.
  const openssl = /:error:[0-9A-Fa-f]+:[^:]*:[^:]*:([^:]+):/.exec(message);
  if (openssl?.[1] !== undefined) return `tls: ${OPENSSL_REASONS[openssl[1]] ?? openssl[1]}`;
  const firstLine = message.split('\n')[0]?.trim() ?? '';
  return escapeControlCharacters(firstLine === '' ? String(code ?? 'connection failed') : firstLine);
}
