import { fileURLToPath } from 'node:url';
import { printableUrl, withoutUserinfo } from '@ssts/kube/text';
import { CliError, describeFsError } from '../errors.js';
import type { CertFetchOptions } from './cert-fetch.js';
import type { FileSystem } from './io.js';

/** Where `--cert` points, decided like upstream: a Windows drive or anything without a URL scheme is a path. */
export type CertLocation = { kind: 'path'; path: string } | { kind: 'url'; url: URL };

export function locateCert(cert: string): CertLocation {
  if (/^[a-zA-Z]:[\\/]/.test(cert)) return { kind: 'path', path: cert };
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(cert)) return { kind: 'path', path: cert };
  try {
    return { kind: 'url', url: new URL(cert) };
  } catch {
    return { kind: 'path', path: cert };
  }
}

/**
 * `--cert` (or an API server URL) as it may be printed or stored: a URL's user name and password
 * (`https://user:pass@host/…`, sent as basic auth) left out; anything else as given.
 */
export function printableCertSource(cert: string): string {
  const location = locateCert(cert);
  // A URL that does not parse is read as a path; if it has a scheme's `//`, its user and password are left out too.
  if (location.kind === 'path') return cert.includes('://') ? withoutUserinfo(cert) : cert;
  if (location.url.username === '' && location.url.password === '') return cert;
  return printableUrl(location.url);
}

/**
 * Whether `--cert` is fetched from the network (`http:`/`https:` in any spelling the URL parser accepts, e.g.
 * `HTTP://h/…` or `http:h/…`): such a certificate is pinned (issue 14); a path or `file://` is the user's own trust.
 */
export function isNetworkCert(cert: string): boolean {
  const location = locateCert(cert);
  return location.kind === 'url' && (location.url.protocol === 'http:' || location.url.protocol === 'https:');
}

/** Reads the certificate bytes from a path, a `file://` URL or an `http(s)://` URL (compat §6.1 `--cert`). */
export async function readCertFromSource(
  cert: string,
  fs: FileSystem,
  options: CertFetchOptions = {},
): Promise<Buffer> {
  const location = locateCert(cert);
  let path: string;
  if (location.kind === 'path') path = location.path;
  else if (location.url.protocol === 'file:') path = fileURLToPath(location.url);
  else if (location.url.protocol === 'http:' || location.url.protocol === 'https:') {
    // Loaded only for URLs: the HTTP client (node:http, node:https) is not part of offline start-up.
    const { fetchCert } = await import('./cert-fetch.js');
    return fetchCert(cert, location.url, options);
  } else {
    throw new CliError(
      'CERT',
      `Get "${printableCertSource(cert)}": unsupported protocol scheme "${location.url.protocol.slice(0, -1)}"`,
    );
  }
  try {
    return await fs.readFile(path);
  } catch (error) {
    throw new CliError(
      'CERT',
      describeFsError('open', path === cert ? printableCertSource(cert) : path, error),
      {
        cause: error,
      },
    );
  }
}
