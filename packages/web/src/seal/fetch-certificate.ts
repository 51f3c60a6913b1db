// GET v1/cert.pem relative to the page, so the page works at `/` of the controller and under any path prefix
// (the API server's service proxy, an Ingress path). The body is bounded before it is parsed.
import { MAX_CERTIFICATE_PEM_BYTES } from './certificate.js';
import { CertificateError } from './errors.js';

export const CERTIFICATE_PATH = 'v1/cert.pem';

export async function fetchCertificatePem(
  url: string,
  maxBytes = MAX_CERTIFICATE_PEM_BYTES,
): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      cache: 'no-store',
      credentials: 'same-origin',
      redirect: 'error',
      headers: { Accept: 'application/x-pem-file, */*' },
    });
  } catch {
    throw new CertificateError(`cannot fetch ${url}: the request failed`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new CertificateError(`cannot fetch ${url}: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(url, maxBytes);
  }
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(value);
  }
  const decoder = new TextDecoder();
  return chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + decoder.decode();
}

function tooLarge(url: string, maxBytes: number): CertificateError {
  return new CertificateError(`cannot fetch ${url}: the answer is larger than ${maxBytes / 1024} KiB`);
}
