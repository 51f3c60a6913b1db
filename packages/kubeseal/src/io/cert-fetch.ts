import { isKubeError, proxyAgent, proxyFor, sendRequest, type Env } from '@ssts/kube';
import { parseRequestTimeout } from '../cluster/controller-client.js';
import { CliError } from '../errors.js';
import { printableCertSource } from './cert-source.js';

/** Largest certificate read from a URL or the controller: a PEM certificate (even a chain) is a few KiB. */
export const MAX_CERT_BYTES = 1024 * 1024;

export interface CertFetchOptions {
  /** `--request-timeout` (Go duration, `0` = none): the total deadline of an http(s) fetch. */
  readonly requestTimeout?: string;
  /** For HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as Go's http.Get honours them. */
  readonly env?: Env;
}

/** GET over node:http(s) (no fetch: a CLI must not inherit a browser's port blocklist), bounded in time and size. */
export async function fetchCert(cert: string, url: URL, options: CertFetchOptions): Promise<Buffer> {
  let timeoutMs: number;
  try {
    timeoutMs = parseRequestTimeout(options.requestTimeout ?? '0');
  } catch (error) {
    throw new CliError('INVALID_ARGUMENT', (error as Error).message, { cause: error });
  }
  try {
    const proxy = proxyFor(url, undefined, options.env ?? {});
    const agent = proxy === undefined ? undefined : await proxyAgent(proxy, url, { keepAlive: false }, {});
    const response = await sendRequest({
      url,
      method: 'GET',
      timeoutMs,
      maxBodyBytes: MAX_CERT_BYTES,
      agent,
    });
    if (response.status !== 200) {
      throw new CliError(
        'CERT',
        `cannot fetch "${printableCertSource(cert)}": ${response.status} ${response.statusMessage}`.trimEnd(),
      );
    }
    return response.body;
  } catch (error) {
    if (isKubeError(error)) throw new CliError('CERT', error.message, { cause: error });
    throw error;
  }
}
