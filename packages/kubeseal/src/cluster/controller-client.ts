import { describeFailedResponse } from '@ssts/kube/kubeconfig';

/** A response of the controller's HTTP API, reached through the API server's service proxy. */
export interface ProxyResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** The controller endpoints kubeseal calls (compat §5.2, §5.4). Implemented in cluster/connect.ts. */
export interface ControllerClient {
  /** The API server URL the controller is reached through (the key of its pinned certificates). */
  readonly server?: string;
  /** GET /v1/cert.pem; throws CliError CLUSTER `cannot fetch certificate: <err>`. */
  fetchCertificate(): Promise<Buffer>;
  /** POST /v1/verify with a SealedSecret as JSON; transport errors throw, HTTP statuses are returned. */
  verify(json: string): Promise<ProxyResponse>;
  /** POST /v1/rotate with a SealedSecret as JSON; transport errors throw, HTTP statuses are returned. */
  rotate(json: string): Promise<ProxyResponse>;
  /** GET `path` (ours, issue 14: `/v1/keys`, `/v1/cert-chain`), at most `maxBytes`; HTTP statuses are returned. */
  get(path: string, maxBytes: number): Promise<ProxyResponse>;
}

/** The flags that select and authenticate the cluster and the controller. */
export interface ClusterFlags {
  readonly kubeconfig: string;
  readonly context: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace: string;
  readonly server: string;
  readonly token: string;
  readonly as: string;
  readonly asUid: string;
  readonly asGroup: readonly string[];
  readonly username: string;
  readonly password: string;
  readonly clientCertificate: string;
  readonly clientKey: string;
  readonly certificateAuthority: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly tlsServerName: string;
  readonly proxyUrl: string;
  readonly requestTimeout: string;
  readonly controllerNamespace: string;
  readonly controllerName: string;
}

/**
 * Describes a failed API call the way client-go does: the Status message when the body carries one, else the
 * status and the body's first line; control characters escaped, length bounded.
 */
export function describeHttpFailure(response: ProxyResponse): string {
  return describeFailedResponse(response.status, response.body);
}

/** Go duration text (`0`, `30s`, `1m30s`, `500ms`, or a bare number of seconds) in milliseconds. */
export function parseRequestTimeout(text: string): number {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let consumed = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    consumed = re.lastIndex;
  }
  if (text === '' || consumed !== text.length) throw new Error(`invalid request timeout "${text}"`);
  return total;
}
