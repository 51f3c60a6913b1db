// Entry of kubeseal's V8 start-up snapshot. scripts/bundle.mjs bundles it with everything it imports into one
// CommonJS script (a snapshot cannot load user-land modules), and `node --build-snapshot` or the single
// executable's `useSnapshot` runs it once at build time:
//   1. every module is evaluated, and a few offline commands run against an in-memory Io, so that the modules they
//      load lazily (the modes, `yaml`, the renderers) and the functions they call are in the heap and compiled;
//   2. the snapshot is taken; at run time Node deserializes it instead of loading any module or compiling them,
//      and runs only the main function below with the real process.
// Nothing from the build machine may leak into the heap: the warm-up uses its own argv/env/files, and run() reads
// the real ones only when called by the main function.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { startupSnapshot } from 'node:v8';
import { run } from '../dist/main.js';
import { flushStdio, nodeIo } from '../dist/io/node-io.js';
import { memoryIo } from '../src/test-helpers/memory-io.ts';

const SECRET_YAML = `apiVersion: v1
kind: Secret
metadata: {name: warm-up, namespace: warm-up}
type: Opaque
stringData: {username: admin, password: hunter2}
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

async function warmUp(certPath) {
  const cert = readFileSync(certPath);
  // Any instant within the certificate's validity: the warm-up must not depend on the build machine's clock.
  const now = new Date(Date.parse(new X509Certificate(cert).validFrom) + 60_000);
  for (const [argv, stdin] of WARM_UP) {
    const mem = memoryIo({ stdin, now, files: { '/warm/tls.crt': cert, '/warm/kubeconfig': KUBECONFIG } });
    const code = await run(argv, mem.io, { KUBECONFIG: '/warm/kubeconfig' });
    if (code !== 0)
      throw new Error(`snapshot warm-up \`kubeseal ${argv.join(' ')}\` failed: ${mem.stderr()}`);
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
  const code = await run(process.argv.slice(2), nodeIo(), process.env);
  await flushStdio();
  process.exit(code);
});
