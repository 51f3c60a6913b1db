import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../harness/paths.js';
import { upstreamBinaries } from '../interop/upstream.js';

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const OUR_BIN = join(repoRoot(), 'packages/kubeseal/bin/kubeseal.js');
// An always-empty home (no ~/.kube/config), shared by all runs.
const EMPTY_HOME = join(tmpdir(), 'ssts-kubeseal-parity-home');
mkdirSync(EMPTY_HOME, { recursive: true });

/**
 * Runs a CLI to completion in a clean environment (no kubeconfig). Output is decoded once at the end: decoding
 * chunk by chunk turns a character split across two chunks into two U+FFFD.
 */
function run(command: string, args: readonly string[], input: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: EMPTY_HOME, KUBECONFIG: '/nonexistent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** The Go kubeseal v0.40.0 (tools/upstream/build.sh). */
export async function goKubeseal(args: readonly string[], input: string | Buffer = ''): Promise<Run> {
  return run((await upstreamBinaries()).kubeseal, args, input);
}

/** Our built kubeseal (`pnpm build` first). */
export function ourKubeseal(args: readonly string[], input: string | Buffer = ''): Promise<Run> {
  return run(process.execPath, [OUR_BIN, ...args], input);
}
