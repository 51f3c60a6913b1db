import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The upstream Go binaries of one version, built by tools/upstream/build.sh (the oracles of the interop tests). */
export interface UpstreamBinaries {
  /** Without the leading v, e.g. `0.40.0`. */
  readonly version: string;
  readonly dir: string;
  readonly kubeseal: string;
  readonly controller: string;
}

/**
 * The version the interop suites and the bench compare against: `SEALED_SECRETS_VERSION` from the environment,
 * else tools/upstream/SEALED_SECRETS_VERSION (v0.40.0, the compatibility target).
 */
export function defaultUpstreamVersion(): string {
  const fromEnv = process.env['SEALED_SECRETS_VERSION']?.trim();
  const version = fromEnv || readFileSync(join(repoRoot(), 'tools/upstream/SEALED_SECRETS_VERSION'), 'utf8');
  return version.trim().replace(/^v/, '');
}

/** Long enough for a cold build on 2 busy cores (about 2.5 minutes measured); a cached build takes milliseconds. */
export const UPSTREAM_BUILD_TIMEOUT_MS = 30 * 60_000;

const builds = new Map<string, Promise<UpstreamBinaries>>();

/**
 * Builds (or finds in the cache) the upstream kubeseal and controller of `version` (default:
 * defaultUpstreamVersion()). Rejects with a one-line reason and the build script's last output lines when that is
 * impossible here: the interop tests then fail, never skip.
 */
export function upstreamBinaries(version: string = defaultUpstreamVersion()): Promise<UpstreamBinaries> {
  const v = version.replace(/^v/, '');
  let built = builds.get(v);
  if (built === undefined) {
    built = buildUpstream(v);
    builds.set(v, built);
  }
  return built;
}

function buildUpstream(version: string): Promise<UpstreamBinaries> {
  return new Promise<UpstreamBinaries>((resolve, reject) => {
    const script = join(repoRoot(), 'tools/upstream/build.sh');
    const child = spawn('bash', [script, version], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), UPSTREAM_BUILD_TIMEOUT_MS);
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-4000)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${script}: ${error.message}`, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const dir = /UPSTREAM_BIN=(.+)\s*$/.exec(stdout.trim())?.[1];
      if (code !== 0 || dir === undefined) {
        const why =
          code === 3
            ? 'no Go >= 1.24 toolchain found'
            : signal !== null
              ? `build.sh was stopped by ${signal} (limit ${UPSTREAM_BUILD_TIMEOUT_MS / 60_000} min)`
              : `build.sh exited with ${code}`;
        reject(
          new Error(
            `the upstream Go sealed-secrets v${version} (oracle for the interop tests) could not be built: ${why}\n${stderr}`,
          ),
        );
        return;
      }
      resolve({ version, dir, kubeseal: join(dir, 'kubeseal'), controller: join(dir, 'controller') });
    });
  });
}

/** What client-go's rest.InClusterConfig() reads: the service account's token and CA, and the pod's namespace. */
export interface InClusterIdentity {
  readonly token: string;
  readonly caPath: string;
  readonly namespace: string;
}

// Gives the process the in-cluster view client-go's rest.InClusterConfig() reads, in a private mount namespace
// (nothing changes on the host): a tmpfs over /run (= /var/run) holding only the service-account files. exec keeps
// the pid, so whoever samples the process (the bench) sees the controller itself.
const IN_CLUSTER_SH = `set -e
src=$1; shift
mount -t tmpfs -o size=1m,mode=0755 ssts-in-cluster /run
sa=/var/run/secrets/kubernetes.io/serviceaccount
mkdir -p "$sa"
cp "$src/token" "$src/ca.crt" "$src/namespace" "$sa/"
exec "$@"`;

/** Service-account files written for a process that uses in-cluster config; running it needs root (unshare). */
export interface InCluster {
  readonly command: 'unshare';
  /** The arguments of `command` that run `argv` with the files mounted where client-go looks. */
  args(argv: readonly string[]): string[];
  /** Removes the files (after the process ended). */
  cleanup(): void;
}

/**
 * Writes `identity`'s service-account files to a private temporary directory, for a Go binary using in-cluster
 * config such as the upstream controller.
 */
export function prepareInCluster(identity: InClusterIdentity): InCluster {
  const saDir = mkdtempSync(join(tmpdir(), 'ssts-in-cluster-sa-'));
  try {
    writeFileSync(join(saDir, 'token'), identity.token, { mode: 0o600 });
    writeFileSync(join(saDir, 'namespace'), identity.namespace);
    writeFileSync(join(saDir, 'ca.crt'), readFileSync(identity.caPath));
  } catch (error) {
    rmSync(saDir, { recursive: true, force: true });
    throw error;
  }
  return {
    command: 'unshare',
    args: (argv) => [
      '--mount',
      '--propagation',
      'private',
      'sh',
      '-c',
      IN_CLUSTER_SH,
      'in-cluster',
      saDir,
      ...argv,
    ],
    cleanup: () => rmSync(saDir, { recursive: true, force: true }),
  };
}
