import { isKubeError, KubeClient, KubeconfigLoader, type Env } from '@ssts/kube';
import { CliError } from '../errors.js';
import { MAX_CERT_BYTES } from '../io/cert-fetch.js';
import type { FileSystem } from '../io/io.js';
import { VERSION } from '../version.js';
import {
  describeHttpFailure,
  parseRequestTimeout,
  type ClusterFlags,
  type ControllerClient,
  type ProxyResponse,
} from './controller-client.js';
import { kubeAccessOptions, kubeconfigError } from './kube-options.js';

/** Largest /v1/rotate answer read: a re-encrypted SealedSecret (the API server takes objects up to 3 MiB). */
export const MAX_ROTATE_ANSWER_BYTES = 16 * 1024 * 1024;

const SERVICE_HINT =
  'Please, use the flag --controller-name and --controller-namespace to set up the name and namespace of the sealed secrets controller';

/**
 * The kubeconfig (with the client-go override flags) as an API client; `--request-timeout` is its deadline. A
 * caller that also resolves the namespace passes its loader, so the kubeconfig files are read and parsed once.
 */
export async function apiClient(
  fs: FileSystem,
  flags: ClusterFlags,
  env: Env,
  loader: KubeconfigLoader = new KubeconfigLoader(kubeAccessOptions(fs, flags, env)),
): Promise<KubeClient> {
  // node:tls now, before the kubeconfig is read and the input parsed: loading it starts Node's reading of its bundled
  // root certificates on another thread, and the first SecureContext given a CA waits for that reading to end
  // although the CA replaces those roots (Node 24). Started here, the reading overlaps the work below instead of
  // holding the connection up (packages/kubeseal/README.md, "The online modes").
  process.getBuiltinModule('node:tls');
  let timeoutMs: number;
  try {
    timeoutMs = parseRequestTimeout(flags.requestTimeout);
  } catch (error) {
    throw new CliError('INVALID_ARGUMENT', (error as Error).message, { cause: error });
  }
  try {
    const config = await loader.restConfig();
    // A few requests one after another: one connection, without loading node:http(s) (start-up time).
    return await KubeClient.create(config, {
      timeoutMs,
      env,
      userAgent: `kubeseal/${VERSION}`,
      singleConnection: true,
    });
  } catch (error) {
    throw kubeconfigError(error);
  }
}

/** The name of the chart's (and upstream's chart's) Service port: what the Service lookup gives nearly always. */
export const CHART_PORT_NAME = 'http';

export interface ConnectOptions {
  /**
   * The caller's first request is `fetchCertificate()` (sealing, `--fetch-cert`): it is sent at once to the proxy
   * path with the chart's port name, and the Service is looked up only if that fails (see below).
   */
  readonly certificateFirst?: boolean;
}

/**
 * Returns a client that talks to the controller through
 * `/api/v1/namespaces/<ns>/services/http:<name>:<port>/proxy/`, where `<port>` is the name of the Service's first
 * port (compat §5.4); upstream looks the Service up first, every time.
 *
 * With `certificateFirst` (ours): the certificate is asked for with port name `http` first, which is what the
 * lookup gives for every Service the chart makes, saving one API round trip. Only when that answers anything but a
 * 2xx, or fails without an answer (connection refused, TLS), does the client look the Service up and go on exactly
 * as upstream, texts included; a timeout is reported at once as the certificate's (waiting again for the lookup
 * would double `--request-timeout`). Other calls always use the looked-up port.
 */
export async function connectController(
  fs: FileSystem,
  flags: ClusterFlags,
  env: Env,
  loader?: KubeconfigLoader,
  options: ConnectOptions = {},
): Promise<ControllerClient> {
  const client = await apiClient(fs, flags, env, loader);
  const ns = encodeURIComponent(flags.controllerNamespace);
  const name = encodeURIComponent(flags.controllerName);
  const proxyFor = (portName: string) =>
    `/api/v1/namespaces/${ns}/services/http:${name}:${encodeURIComponent(portName)}/proxy`;
  const lookUp = async (): Promise<string> => {
    try {
      const service = await client.json<{ spec?: { ports?: { name?: unknown }[] } }>(
        'GET',
        `/api/v1/namespaces/${ns}/services/${name}`,
      );
      const first = service.spec?.ports?.[0]?.name;
      return proxyFor(typeof first === 'string' ? first : '');
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError('CLUSTER', `cannot get sealed secret service: ${reason}.`, {
        cause: error,
        hints: [SERVICE_HINT],
      });
    }
  };
  let resolved: string | undefined = options.certificateFirst === true ? undefined : await lookUp();
  let lookingUp: Promise<string> | undefined;
  const proxyPath = (): Promise<string> =>
    resolved !== undefined
      ? Promise.resolve(resolved)
      : (lookingUp ??= lookUp().then((proxy) => (resolved = proxy)));
  const getCertificate = async (proxy: string): Promise<ProxyResponse> => {
    try {
      return await client.request('GET', `${proxy}/v1/cert.pem`, {
        accept: 'application/x-pem-file, */*',
        maxBodyBytes: MAX_CERT_BYTES,
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new CliError('CLUSTER', `cannot fetch certificate: ${reason}`, { cause: error });
    }
  };
  const certificateAnswer = async (): Promise<ProxyResponse> => {
    if (resolved !== undefined) return getCertificate(resolved);
    const guessed = proxyFor(CHART_PORT_NAME);
    let answer: ProxyResponse | undefined;
    try {
      answer = await getCertificate(guessed);
    } catch (error) {
      if (isKubeError((error as Error).cause, 'Timeout')) throw error;
    }
    if (answer !== undefined && answer.status >= 200 && answer.status <= 299) {
      resolved = guessed;
      return answer;
    }
    const proxy = await proxyPath();
    return proxy === guessed && answer !== undefined ? answer : getCertificate(proxy);
  };
  const post = async (path: string, json: string): Promise<ProxyResponse> =>
    client.request('POST', `${await proxyPath()}${path}`, {
      body: json,
      contentType: 'application/json',
      accept: 'application/json, */*',
      maxBodyBytes: MAX_ROTATE_ANSWER_BYTES,
    });
  return {
    server: client.server.href.replace(/\/$/, ''),
    async fetchCertificate() {
      const res = await certificateAnswer();
      if (res.status < 200 || res.status > 299)
        throw new CliError('CLUSTER', `cannot fetch certificate: ${describeHttpFailure(res)}`);
      return res.body;
    },
    verify: (json) => post('/v1/verify', json),
    rotate: (json) => post('/v1/rotate', json),
    get: async (path, maxBytes) =>
      client.request('GET', `${await proxyPath()}${path}`, {
        accept: 'application/json, */*',
        maxBodyBytes: maxBytes,
      }),
  };
}
