import type { IncomingHttpHeaders } from 'node:http';
import {
  bearerToken,
  KubeClient,
  noCredentials,
  type KubeRequestOptions as ClientRequestOptions,
} from '@ssts/kube';
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

/**
 * A client of @ssts/kube (the project's one API-server client) for this endpoint: a fresh connection per request
 * (the harness restarts API servers under running tests) and no automatic retries, so tests see every answer.
 */
function clientFor(endpoint: KubeEndpoint): Promise<KubeClient> {
  return KubeClient.create(
    {
      server: new URL(endpoint.server),
      tls: { ca: Buffer.from(endpoint.ca) },
      credentials: endpoint.token === undefined ? noCredentials : bearerToken(endpoint.token),
      impersonation: {},
      proxyUrl: undefined,
      source: 'kubeconfig',
    },
    { keepAlive: false, maxRetries: 0 },
  );
}

/** One raw HTTPS request to the API server; never throws for HTTP status codes. */
export async function kubeRequest(
  endpoint: KubeEndpoint,
  method: string,
  path: string,
  options: KubeRequestOptions = {},
): Promise<KubeResponse> {
  const client = await clientFor(endpoint);
  const request: ClientRequestOptions = {
    body: options.body,
    timeoutMs: options.timeoutMs ?? 15_000,
    ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  };
  try {
    const res = await client.request(method, path, request);
    return { status: res.status, body: res.text(), headers: res.headers };
  } finally {
    client.close();
  }
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
