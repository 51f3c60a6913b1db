import { fileURLToPath } from 'node:url';
import { CliError, describeFsError } from '../errors.js';
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

export type Fetch = (
  url: string,
) => Promise<{ status: number; statusText: string; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Reads the certificate bytes from a path, a `file://` URL or an `http(s)://` URL (compat §6.1 `--cert`). */
export async function readCertFromSource(
  cert: string,
  fs: FileSystem,
  fetchUrl: Fetch = fetch,
): Promise<Buffer> {
  const location = locateCert(cert);
  let path: string;
  if (location.kind === 'path') path = location.path;
  else if (location.url.protocol === 'file:') path = fileURLToPath(location.url);
  else if (location.url.protocol === 'http:' || location.url.protocol === 'https:') {
    let response: Awaited<ReturnType<Fetch>>;
    try {
      response = await fetchUrl(location.url.href);
    } catch (error) {
      const reason = (error as { cause?: { message?: unknown } }).cause?.message ?? (error as Error).message;
      throw new CliError('CERT', `Get "${cert}": ${String(reason)}`, { cause: error });
    }
    if (response.status !== 200) {
      throw new CliError(
        'CERT',
        `cannot fetch "${cert}": ${response.status} ${response.statusText}`.trimEnd(),
      );
    }
    return Buffer.from(await response.arrayBuffer());
  } else {
    throw new CliError(
      'CERT',
      `Get "${cert}": unsupported protocol scheme "${location.url.protocol.slice(0, -1)}"`,
    );
  }
  try {
    return await fs.readFile(path);
  } catch (error) {
    throw new CliError('CERT', describeFsError('open', path, error), { cause: error });
  }
}
