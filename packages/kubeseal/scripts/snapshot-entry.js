// Entry of kubeseal's V8 start-up snapshot. scripts/bundle.mjs bundles it with everything it imports into one
// CommonJS script (a snapshot cannot load user-land modules), and `node --build-snapshot` or the single
// executable's `useSnapshot` runs it once at build time:
//   1. every module is evaluated, and a few commands run against an in-memory Io, so that the modules they load
//      lazily (the modes, `yaml`, the renderers, the API client) and the functions they call are in the heap and
//      compiled. The online commands (`--fetch-cert`, sealing with the controller's certificate) talk to a fake
//      API server: node:tls cannot be in a snapshot, so @ssts/kube's single connection looks it up at each use with
//      process.getBuiltinModule, which the warm-up points at an in-memory stand-in and then restores;
//   2. the snapshot is taken; at run time Node deserializes it instead of loading any module or compiling them,
//      and runs only the main function below with the real process.
// Nothing from the build machine may leak into the heap: the warm-up uses its own argv/env/files, and run() reads
// the real ones only when called by the main function.
import { X509Certificate } from 'node:crypto';
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { setImmediate } from 'node:timers';
import { startupSnapshot } from 'node:v8';
import { run } from '../dist/main.js';
import { flushStdio, nodeIo } from '../dist/io/node-io.js';
import { memoryIo } from '../src/test-helpers/memory-io.ts';

// A value starting with a digit (a hex token) runs the reader's number and timestamp checks, so they are compiled too.
const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata: {name: warm-up, namespace: warm-up}
type: Opaque
stringData: {username: admin, password: hunter2, token: 0123456789abcdef}
`;
const SECRET_JSON = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'warm-up' },
  data: { password: 'aHVudGVyMg==' },
});
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: warm-up}}]
current-context: x
`;

// The online warm-up's kubeconfigs: JSON (what tools generate; @ssts/kube reads it without the YAML parser) and
// YAML in block style (what kubectl writes), both with a token and an embedded CA.
const CLUSTER = { server: 'https://warm-up.invalid:6443', 'certificate-authority-data': 'd2FybS11cA==' };
const ONLINE_KUBECONFIG_JSON = `${JSON.stringify(
  {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: CLUSTER }],
    users: [{ name: 'u', user: { token: 'warm-up' } }],
    contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'warm-up' } }],
    'current-context': 'x',
    preferences: {},
  },
  null,
  2,
)}\n`;
const ONLINE_KUBECONFIG_YAML = `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: ${CLUSTER['certificate-authority-data']}
    server: ${CLUSTER.server}
  name: c
contexts:
- context:
    cluster: c
    namespace: warm-up
    user: u
  name: x
current-context: x
users:
- name: u
  user:
    token: warm-up
`;

/** The offline commands whose code paths the snapshot should hold ready: [argv, stdin]. */
const WARM_UP = [
  [['--version'], ''],
  [['--help'], ''],
  [['--cert', '/warm/tls.crt', '-o', 'yaml'], SECRET_YAML],
  [['--cert', '/warm/tls.crt'], SECRET_YAML],
  [['--cert', '/warm/tls.crt', '-o', 'yaml'], SECRET_JSON],
  [['--raw', '--cert', '/warm/tls.crt', '-n', 'warm-up', '--name', 'warm-up'], 'hunter2'],
  [['--raw', '--cert', '/warm/tls.crt', '--scope', 'cluster-wide'], 'hunter2'],
];

/**
 * The online commands, through the fake API server below: [argv, stdin, kubeconfig]. The first contact pins the
 * certificate (written to the in-memory known-certs file), the later runs find it pinned, as a user's do.
 */
const ONLINE_WARM_UP = [
  [['--fetch-cert'], '', ONLINE_KUBECONFIG_JSON],
  [['--fetch-cert'], '', ONLINE_KUBECONFIG_YAML],
  [['-o', 'yaml'], SECRET_YAML, ONLINE_KUBECONFIG_JSON],
  [[], SECRET_YAML, ONLINE_KUBECONFIG_YAML],
];

/**
 * A stand-in for node:tls with the little of it @ssts/kube's single connection uses (connect, the socket's events,
 * write, ref/unref, destroy), answering in HTTP/1.1 on one kept-alive connection: the controller's /v1/cert.pem
 * through the service proxy (asked first, with the chart's port name) and the Service (the fallback lookup).
 */
function fakeTlsModule(cert) {
  const answer = (path) => {
    if (/^\/api\/v1\/namespaces\/[^/]+\/services\/[^/]+$/.test(path)) {
      const service = { kind: 'Service', apiVersion: 'v1', spec: { ports: [{ name: 'http', port: 8080 }] } };
      return { status: '200 OK', type: 'application/json', body: Buffer.from(JSON.stringify(service)) };
    }
    if (path.endsWith('/proxy/v1/cert.pem'))
      return { status: '200 OK', type: 'application/x-pem-file', body: cert };
    return { status: '404 Not Found', type: 'text/plain', body: Buffer.from('404 page not found\n') };
  };
  const connect = () => {
    const socket = new EventEmitter();
    let request = '';
    Object.assign(socket, {
      destroyed: false,
      setNoDelay: () => socket,
      ref: () => socket,
      unref: () => socket,
      destroy: () => {
        socket.destroyed = true;
        return socket;
      },
      write: (data) => {
        request += String(data);
        const end = request.indexOf('\r\n\r\n');
        if (end < 0) return true;
        const path = request.slice(0, end).split(' ')[1] ?? '';
        request = request.slice(end + 4);
        const a = answer(path);
        const head = `HTTP/1.1 ${a.status}\r\nContent-Type: ${a.type}\r\nContent-Length: ${a.body.length}\r\n\r\n`;
        // The head and the body in two reads, as they often arrive.
        setImmediate(() => {
          socket.emit('data', Buffer.from(head, 'latin1'));
          setImmediate(() => socket.emit('data', a.body));
        });
        return true;
      },
    });
    setImmediate(() => socket.emit('secureConnect'));
    return socket;
  };
  return { connect };
}

async function runWarmUp(argv, stdin, now, files, env) {
  const mem = memoryIo({ stdin, now, files });
  const code = await run(argv, mem.io, env);
  if (code !== 0) throw new Error(`snapshot warm-up \`kubeseal ${argv.join(' ')}\` failed: ${mem.stderr()}`);
  return mem;
}

async function warmUp(certPath) {
  const cert = readFileSync(certPath);
  // Any instant within the certificate's validity: the warm-up must not depend on the build machine's clock.
  const now = new Date(Date.parse(new X509Certificate(cert).validFrom) + 60_000);
  for (const [argv, stdin] of WARM_UP) {
    const files = { '/warm/tls.crt': cert, '/warm/kubeconfig': KUBECONFIG };
    await runWarmUp(argv, stdin, now, files, { KUBECONFIG: '/warm/kubeconfig' });
  }
  const getBuiltinModule = process.getBuiltinModule;
  const fake = fakeTlsModule(cert);
  process.getBuiltinModule = (id) => (id === 'node:tls' ? fake : getBuiltinModule.call(process, id));
  try {
    let pins = {};
    for (const [argv, stdin, kubeconfig] of ONLINE_WARM_UP) {
      const files = { ...pins, '/warm/kubeconfig': kubeconfig };
      const mem = await runWarmUp(argv, stdin, now, files, {
        KUBECONFIG: '/warm/kubeconfig',
        HOME: '/warm/home',
      });
      pins = Object.fromEntries([...mem.files].filter(([path]) => path.startsWith('/warm/home/')));
    }
    if (Object.keys(pins).length === 0)
      throw new Error('snapshot warm-up: the online runs pinned no certificate');
  } finally {
    process.getBuiltinModule = getBuiltinModule;
  }
}

// The build script names a certificate to seal with; without one the snapshot still works, only colder.
const warmUpCert = process.env.KUBESEAL_SNAPSHOT_WARM_UP_CERT;
if (warmUpCert !== undefined && warmUpCert !== '') {
  warmUp(warmUpCert).catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}

startupSnapshot.setDeserializeMainFunction(async () => {
  // argv[1] is the script path given after --snapshot-blob, or the executable itself in the single executable.
  const code = await run(process.argv.slice(2), nodeIo(), process.env, {
    // V8's baseline compiler (Sparkplug) compiles, on a worker thread, functions an offline command has already
    // left behind, and the process waits for it at exit: without it, offline seal and --raw end 2-3 ms sooner
    // (README, "Start-up time"). Set at run time, not in the executable's execArgv: a V8 flag there makes Node
    // refuse its built-in code cache, which the online commands need for node:tls (offline seal and --raw load no
    // built-in module after this point: process.moduleLoadList does not grow).
    beforeOfflineRun: () => process.getBuiltinModule('node:v8').setFlagsFromString('--no-sparkplug'),
  });
  await flushStdio();
  process.exit(code);
});
