import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface FakeApiServerOptions {
  /** PEM served by /v1/cert.pem. */
  certificate: string;
  /** /v1/verify: decide from the posted body. Default 200. */
  verify?: (body: string) => number;
  /** /v1/rotate: answer status and body. Default: echo the body. */
  rotate?: (body: string) => { status: number; body: string };
  /** GET /v1/keys: the JSON body served. Default: 404, as the Go controller answers. */
  keys?: string;
}

export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Services the fake knows: name → first port name (in kube-system). */
const SERVICES: Record<string, string | undefined> = {
  'sealed-secrets-controller': 'http',
  'unnamed-port': undefined,
  'broken-controller': 'http',
  'ansi-controller': 'http',
};

function status(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, code }));
}

/** A node:http server impersonating the API server: Service GET and the controller behind the service proxy. */
export async function startFakeApiServer(options: FakeApiServerOptions): Promise<FakeApiServer> {
  const requests: RecordedRequest[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const path = req.url ?? '';
    requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    const svc = /^\/api\/v1\/namespaces\/([^/]+)\/services\/([^/]+)$/.exec(path);
    if (svc && req.method === 'GET') {
      const [, ns, name = ''] = svc;
      if (ns !== 'kube-system' || !(name in SERVICES))
        return status(res, 404, `services "${name}" not found`);
      const port = SERVICES[name];
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(
        JSON.stringify({
          kind: 'Service',
          spec: { ports: [port === undefined ? { port: 8080 } : { name: port, port: 8080 }] },
        }),
      );
    }
    const proxy = /^\/api\/v1\/namespaces\/kube-system\/services\/http:([^:/]+):([^/]*)\/proxy(\/.*)$/.exec(
      path,
    );
    if (proxy) {
      const [, name = '', port, endpoint] = proxy;
      // As kube-apiserver's service proxy: an unknown Service is 404, a port it does not have 503.
      if (!(name in SERVICES)) return status(res, 404, `services "${name}" not found`);
      if ((SERVICES[name] ?? '') !== port) {
        return status(res, 503, `no service port "${port}" found for service "${name}"`);
      }
      if (name === 'broken-controller') {
        return status(res, 503, 'no endpoints available for service "broken-controller"');
      }
      if (name === 'ansi-controller') {
        // A hostile or broken server: terminal escape sequences and a newline in the Status message.
        return status(res, 503, '\u001b[2J\u001b[31mno endpoints\u001b[0m\nerror: forged line\u0007');
      }
      if (endpoint === '/v1/cert.pem') {
        res.writeHead(200, { 'Content-Type': 'application/x-pem-file' });
        return res.end(options.certificate);
      }
      if (endpoint === '/v1/verify' && req.method === 'POST') {
        res.writeHead(options.verify?.(body) ?? 200);
        return res.end();
      }
      if (endpoint === '/v1/keys' && req.method === 'GET' && options.keys !== undefined) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(options.keys);
      }
      if (endpoint === '/v1/rotate' && req.method === 'POST') {
        const answer = options.rotate?.(body) ?? { status: 200, body };
        res.writeHead(answer.status, { 'Content-Type': 'text/plain; charset=utf-8' });
        return res.end(answer.body);
      }
    }
    return status(res, 404, 'the server could not find the requested resource');
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A kubeconfig whose current context points at `server`, with namespace `ctx-ns` and a bearer token. */
export function kubeconfigFor(server: string, namespace = 'ctx-ns'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'current-context: test',
    'clusters:',
    '- name: test-cluster',
    '  cluster:',
    `    server: ${server}`,
    'contexts:',
    '- name: test',
    '  context:',
    '    cluster: test-cluster',
    '    user: test-user',
    `    namespace: ${namespace}`,
    '- name: other',
    '  context:',
    '    cluster: test-cluster',
    '    user: test-user',
    '    namespace: other-ns',
    'users:',
    '- name: test-user',
    '  user:',
    '    token: test-token',
    '',
  ].join('\n');
}
