import type { IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { KubeApiError } from './errors.js';

export interface KubeEndpoint {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** PEM of the CA that signed the serving certificate. */
  ca: string | Buffer;
  /** Bearer token; omit for anonymous requests (/readyz, /version). */
  token?: string;
}

export interface KubeResponse {
  status: number;
  body: string;
  /** Response headers (lower-case names), e.g. `warning` for PodSecurity warnings. */
  headers: IncomingHttpHeaders;
}

export interface KubeRequestOptions {
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

/** One raw HTTPS request to the API server; never throws for HTTP status codes. */
export function kubeRequest(
  endpoint: KubeEndpoint,
  method: string,
  path: string,
  options: KubeRequestOptions = {},
): Promise<KubeResponse> {
  const url = new URL(path, endpoint.server);
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (endpoint.token !== undefined) headers['Authorization'] = `Bearer ${endpoint.token}`;
  if (payload !== undefined) {
    headers['Content-Type'] = options.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      { method, headers, ca: endpoint.ca, agent: false, timeout: options.timeoutMs ?? 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${url.pathname} timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Like kubeRequest, but parses JSON and throws KubeApiError for non-2xx answers. */
export async function kubeJson<T = unknown>(
  endpoint: KubeEndpoint,
  method: string,
  path: string,
  options: KubeRequestOptions = {},
): Promise<T> {
  const res = await kubeRequest(endpoint, method, path, options);
  if (res.status < 200 || res.status > 299) throw new KubeApiError(method, path, res.status, res.body);
  return (res.body === '' ? undefined : JSON.parse(res.body)) as T;
}
