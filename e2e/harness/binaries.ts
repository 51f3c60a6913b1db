import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ControlPlaneError } from './errors.js';
import { repoRoot } from './paths.js';

export interface ControlPlaneBinaries {
  dir: string;
  etcd: string;
  kubeApiserver: string;
  kubeControllerManager: string;
  /** kubectl of the same release, for the docs examples. */
  kubectl: string;
}

/**
 * Runs tools/controlplane/build.sh, which is a no-op once the binaries are cached and otherwise builds them
 * (10-25 min cold). A missing Go toolchain is a hard failure, never a skip: CI must not pass without e2e.
 */
export function ensureBinaries(env: NodeJS.ProcessEnv = process.env): ControlPlaneBinaries {
  const script = join(repoRoot(), 'tools', 'controlplane', 'build.sh');
  const result = spawnSync('bash', [script], {
    env,
    encoding: 'utf8',
    // The build streams progress on stderr; keep it visible for the long cold build.
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) {
    throw new ControlPlaneError('BuildFailed', `could not run ${script}: ${result.error.message}`, {
      cause: result.error,
    });
  }
  if (result.status !== 0) {
    // build.sh exits with 3 when no Go >= 1.24 is installed.
    const goMissing = result.status === 3;
    throw new ControlPlaneError(
      goMissing ? 'GoMissing' : 'BuildFailed',
      goMissing
        ? 'tools/controlplane/build.sh found no Go >= 1.24: install Go >= 1.24 (e.g. into /usr/local/go) or set GO=/path/to/go'
        : `tools/controlplane/build.sh failed with exit code ${String(result.status)} (see its output above; ` +
            'install Go >= 1.24 if none is present)',
    );
  }
  const match = /^CONTROLPLANE_BIN=(.+)$/m.exec(result.stdout);
  if (match?.[1] === undefined) {
    throw new ControlPlaneError(
      'BuildFailed',
      `build.sh did not report CONTROLPLANE_BIN; stdout: ${result.stdout}`,
    );
  }
  const dir = match[1].trim();
  return {
    dir,
    etcd: join(dir, 'etcd'),
    kubeApiserver: join(dir, 'kube-apiserver'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    kubectl: join(dir, 'kubectl'),
  };
}
