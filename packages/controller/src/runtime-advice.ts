import { closeSync, openSync, readSync } from 'node:fs';
import type { Logger } from './log.js';

/** The head of /proc/cpuinfo that is read: the first processor's `flags` line comes within its first 2-3 KiB. */
const CPUINFO_MAX_BYTES = 64 * 1024;

/** The first `flags` line of /proc/cpuinfo (x86 Linux), from its first 64 KiB; undefined when it cannot be read. */
export function cpuFlags(path = '/proc/cpuinfo'): string | undefined {
  let head: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(CPUINFO_MAX_BYTES);
      let length = 0;
      let n: number;
      do {
        n = readSync(fd, buffer, length, buffer.length - length, null);
        length += n;
      } while (n > 0 && length < buffer.length);
      head = buffer.toString('latin1', 0, length);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  return /^flags\s*:(.*)$/m.exec(head)?.[1];
}

/**
 * A line for the log when this Node computes RSA-4096 more slowly than the image's Node 24 would on this CPU:
 * OpenSSL 3.0 (Node 20, Node 22 before 22.20) has no AVX-512 IFMA code for 4096-bit keys, OpenSSL 3.5 (Node 24)
 * has, and with it one OAEP decryption took 1.95 ms of CPU instead of 4.7 (README: the runtime). Said only where
 * both were measured: OpenSSL 3.0.x on a CPU with `avx512ifma`. `flags` is called only for OpenSSL 3.0.
 */
export function rsaRuntimeAdvice(openssl: string, flags: () => string | undefined): string | undefined {
  if (!/^3\.0\./.test(openssl)) return undefined;
  if (!(flags() ?? '').split(/\s+/).includes('avx512ifma')) return undefined;
  return (
    `this Node's OpenSSL ${openssl} decrypts RSA-4096 without this CPU's AVX-512 IFMA instructions: on Node 24 ` +
    '(the controller image runs it) RSA-4096 decryption takes about 2.4 times less CPU'
  );
}

/** Logs {@link rsaRuntimeAdvice} at info once at start, when there is something to say. */
export function logRuntimeAdvice(
  log: Logger,
  versions: { readonly node: string; readonly openssl: string } = process.versions,
  flags: () => string | undefined = cpuFlags,
): void {
  const advice = rsaRuntimeAdvice(versions.openssl, flags);
  if (advice !== undefined) log.info({ node: versions.node, openssl: versions.openssl }, advice);
}
