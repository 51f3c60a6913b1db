import { mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { e2eCluster } from './cluster.js';

/**
 * Holds a named lock shared by every test file of this run (vitest runs files in parallel workers), for suites that
 * need a cluster-wide name: e.g. the controller as Service `sealed-secrets-controller` in kube-system, which
 * kubeseal and the sealing page reach by default. The lock is a directory in the control plane's working folder
 * (mkdir is atomic); release it in afterAll.
 */
export async function acquireClusterLock(name: string, timeoutMs = 600_000): Promise<() => void> {
  const base = join(e2eCluster().dir, 'locks');
  mkdirSync(base, { recursive: true });
  const path = join(base, name);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(path);
      return () => rmdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`cluster lock ${name} still held after ${timeoutMs} ms`);
      await sleep(250);
    }
  }
}

/** The lock for the controller Service `sealed-secrets-controller` in kube-system. */
export const KUBE_SYSTEM_CONTROLLER = 'kube-system-controller';
