#!/usr/bin/env node
// The main job, end to end on a local control plane (no existing cluster needed):
//   1. start etcd + kube-apiserver + kube-controller-manager (built from Go modules, cached),
//   2. run sealed-secrets-controller in kube-system, reachable as Service `sealed-secrets-controller` through the
//      API server's service proxy (the path kubeseal uses),
//   3. seal a demo Secret with kubeseal (certificate fetched through the API server), apply the SealedSecret,
//   4. wait for the controller to unseal it and show the Secret's keys (never its values),
//   5. print the URL of the sealing page the controller serves; `pnpm demo --keep` keeps everything running and
//      serves that page on http://127.0.0.1 (like `kubectl proxy`) until Ctrl-C.
// Run through `pnpm demo` (which compiles the e2e harness first). Needs root for the network namespace.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  exposeViaServiceProxy,
  kubeJson,
  kubeRequest,
  startControlPlane,
  waitFor,
} from '../e2e/dist/harness/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const controllerBin = join(root, 'packages/controller/bin/sealed-secrets-controller.js');
const kubesealBin = join(root, 'packages/kubeseal/bin/kubeseal.js');
const say = (message) => process.stdout.write(`\n==> ${message}\n`);

function run(command, args, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(stdout)
        : reject(new Error(`${args[0] ?? command} exited with ${code}: ${stderr.trim()}`)),
    );
    child.stdin.end(input ?? '');
  });
}

/** GET-only forwarder of `prefix` to the API server with the admin token, on 127.0.0.1 (a one-path kubectl proxy). */
async function startPageProxy(endpoint, prefix) {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || !(req.url ?? '').startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    const upstream = httpsRequest(
      new URL(req.url, endpoint.server),
      {
        ca: endpoint.ca,
        headers: { Authorization: `Bearer ${endpoint.token}`, Accept: req.headers.accept ?? '*/*' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    upstream.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}${prefix}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const work = mkdtempSync(join(tmpdir(), 'ssts-demo-'));
const keep = process.argv.includes('--keep');
let controlPlane;
let controller;
let pageProxy;
let exitCode = 0;
try {
  say('Starting a local control plane (etcd, kube-apiserver, kube-controller-manager)');
  controlPlane = await startControlPlane({ log: (m) => process.stderr.write(`    ${m}\n`) });
  const endpoint = controlPlane.endpoint;
  const kubeconfig = controlPlane.kubeconfigPath;
  console.log(`    API server ${controlPlane.server}; KUBECONFIG=${kubeconfig}`);

  say('Starting sealed-secrets-controller in kube-system behind Service sealed-secrets-controller');
  controller = await exposeViaServiceProxy({
    endpoint,
    namespace: 'kube-system',
    serviceName: 'sealed-secrets-controller',
    portName: 'http',
    apiServerAccess: true,
    command: process.execPath,
    args: [
      controllerBin,
      '--kubeconfig',
      kubeconfig,
      '--listen-addr',
      '{host}:{port}',
      '--listen-metrics-addr',
      '127.0.0.1:8081',
    ],
    env: { POD_NAMESPACE: 'kube-system' },
    readyTimeoutMs: 120_000,
  });
  const keySecrets = await waitFor(
    async () => {
      const list = await kubeJson(
        endpoint,
        'GET',
        '/api/v1/namespaces/kube-system/secrets?labelSelector=sealedsecrets.bitnami.com%2Fsealed-secrets-key%3Dactive',
      );
      return list.items.length > 0 ? list.items : undefined;
    },
    { timeoutMs: 120_000, description: 'the controller to generate its first key' },
  );
  console.log(
    `    key Secret: kube-system/${keySecrets[0].metadata.name} (RSA-4096, type kubernetes.io/tls)`,
  );

  say('kubeseal --fetch-cert (through the API server service proxy)');
  const cert = await run(process.execPath, [kubesealBin, '--kubeconfig', kubeconfig, '--fetch-cert']);
  console.log(cert.split('\n').slice(0, 2).join('\n') + '\n    ...');

  say('Sealing a demo Secret with kubeseal');
  await kubeJson(endpoint, 'POST', '/api/v1/namespaces', {
    body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } },
  });
  const secretYaml = [
    'apiVersion: v1',
    'kind: Secret',
    'metadata:',
    '  name: db-credentials',
    '  namespace: demo',
    '  labels: {app: demo}',
    'stringData:',
    '  username: admin',
    '  password: correct-horse-battery-staple',
    '',
  ].join('\n');
  const sealedJson = await run(process.execPath, [kubesealBin, '--kubeconfig', kubeconfig, '-o', 'json'], {
    input: secretYaml,
  });
  const sealed = JSON.parse(sealedJson);
  writeFileSync(join(work, 'sealed.json'), sealedJson);
  for (const [key, value] of Object.entries(sealed.spec.encryptedData)) {
    console.log(`    encryptedData.${key}: ${value.slice(0, 40)}... (${value.length} base64 chars)`);
  }

  say('Applying the SealedSecret and waiting for the controller to unseal it');
  await kubeJson(endpoint, 'POST', '/apis/bitnami.com/v1alpha1/namespaces/demo/sealedsecrets', {
    body: sealed,
  });
  const secret = await waitFor(
    async () => {
      try {
        return await kubeJson(endpoint, 'GET', '/api/v1/namespaces/demo/secrets/db-credentials');
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 60_000, description: 'Secret demo/db-credentials' },
  );
  const status = await waitFor(
    async () => {
      const ss = await kubeJson(
        endpoint,
        'GET',
        '/apis/bitnami.com/v1alpha1/namespaces/demo/sealedsecrets/db-credentials',
      );
      return ss.status?.conditions?.find((c) => c.type === 'Synced');
    },
    { timeoutMs: 30_000, description: 'the Synced condition' },
  );
  const owner = secret.metadata.ownerReferences?.[0];
  console.log(
    `    Secret demo/db-credentials: type ${secret.type}, keys [${Object.keys(secret.data ?? {})
      .sort()
      .join(', ')}]`,
  );
  console.log(
    `    labels ${JSON.stringify(secret.metadata.labels ?? {})}; owner ${owner?.kind}/${owner?.name}`,
  );
  console.log(`    SealedSecret status: Synced=${status.status}`);

  say('kubeseal --validate');
  await run(process.execPath, [
    kubesealBin,
    '--kubeconfig',
    kubeconfig,
    '--validate',
    '-f',
    join(work, 'sealed.json'),
  ]);
  console.log('    the SealedSecret can be decrypted by the controller');

  say('The sealing page (the controller serves it at /; it seals in the browser)');
  const pagePath = '/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:http/proxy/';
  const page = await kubeRequest(endpoint, 'GET', pagePath, { headers: { Accept: 'text/html' } });
  if (page.status !== 200) throw new Error(`GET ${pagePath}: HTTP ${page.status}`);
  console.log(
    `    ${controlPlane.server}${pagePath} (HTTP ${page.status}, ${page.body.length} bytes of HTML)`,
  );
  console.log(
    `    with kubectl: kubectl --kubeconfig ${kubeconfig} proxy, then http://127.0.0.1:8001${pagePath}`,
  );
  if (keep) {
    // What `kubectl proxy` does, for this one path: a browser on this machine can open the page.
    pageProxy = await startPageProxy(endpoint, pagePath);
    console.log(`    open in a browser on this machine: ${pageProxy.url}`);
    say('Running until Ctrl-C (--keep)');
    await new Promise((resolve) => process.once('SIGINT', resolve));
  } else {
    console.log('    (pnpm demo --keep keeps the cluster running and serves this page on http://127.0.0.1)');
  }
  say('Done');
} catch (error) {
  exitCode = 1;
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  if (controller) console.error(controller.logsTail(40));
  if (controlPlane) console.error(controlPlane.logsTail(20));
} finally {
  await pageProxy?.close();
  await controller?.stop().catch(() => {});
  await controlPlane?.stop().catch(() => {});
  rmSync(work, { recursive: true, force: true });
}
process.exitCode = exitCode;
