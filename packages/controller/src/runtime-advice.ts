import { closeSync, openSync, readSync } from 'node:fs';
import type { Logger } from './log.js';

/** The head of /proc/cpuinfo that is read: the first processor's `flags` line comes within its first 2-3 KiB. */
const CPUINFO_MAX_BYTES = 64 * 1024;
/** The head of /proc/self/maps that is read: the C library is mapped among the first lines (node's are ~40 KiB). */
const MAPS_MAX_BYTES = 256 * 1024;

/** The first `max` bytes of a file (a /proc file has no size to ask for); undefined when it cannot be read. */
function readHead(path: string, max: number): string | undefined {
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(max);
      let length = 0;
      let n: number;
      do {
        n = readSync(fd, buffer, length, buffer.length - length, null);
        length += n;
      } while (n > 0 && length < buffer.length);
      return buffer.toString('latin1', 0, length);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** The first `flags` line of /proc/cpuinfo (x86 Linux), from its first 64 KiB; undefined when it cannot be read. */
export function cpuFlags(path = '/proc/cpuinfo'): string | undefined {
  const head = readHead(path, CPUINFO_MAX_BYTES);
  return head === undefined ? undefined : /^flags\s*:(.*)$/m.exec(head)?.[1];
}

/** Whether this process runs on glibc (its `libc.so.6` is mapped: Node's Linux builds, Debian, not Alpine's musl). */
export function usesGlibc(path = '/proc/self/maps'): boolean {
  return /\/libc\.so\.6$/m.test(readHead(path, MAPS_MAX_BYTES) ?? '');
}

/**
 * glibc's malloc settings of the controller image (`docker/controller.Dockerfile`; a unit test keeps them equal):
 * two arenas instead of eight per core, and fixed thresholds instead of glibc's sliding mmap threshold.
 */
export const IMAGE_MALLOC_ENV = {
  MALLOC_ARENA_MAX: '2',
  GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=32768:glibc.malloc.trim_threshold=65536',
} as const;

/**
 * A line for the log when the controller runs on glibc with its default malloc settings (started from the npm
 * package or a custom image, not ours): the image's settings measured about 10 MiB (arenas) and 3.5-4.5 MiB
 * (thresholds) less peak RSS at 5 000 objects (README: memory). They only act from the environment the process
 * starts with, so the controller cannot set them itself. Silent when the user set either variable's malloc part.
 */
export function mallocAdvice(
  glibc: boolean,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (!glibc) return undefined;
  if (env['MALLOC_ARENA_MAX'] !== undefined || /glibc\.malloc\./.test(env['GLIBC_TUNABLES'] ?? ''))
    return undefined;
  const settings = Object.entries(IMAGE_MALLOC_ENV)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  return (
    `glibc's malloc runs with its default settings: the controller image starts it with ${settings} ` +
    '(about 14 MiB less peak memory measured at 5 000 SealedSecrets); set them in the environment to do the same'
  );
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

/** What {@link logRuntimeAdvice} looks at; the defaults read this process and this machine. */
export interface RuntimeFacts {
  readonly versions?: { readonly node: string; readonly openssl: string };
  readonly flags?: () => string | undefined;
  readonly glibc?: () => boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Logs {@link rsaRuntimeAdvice} and {@link mallocAdvice} at info once at start, when there is something to say. */
export function logRuntimeAdvice(log: Logger, facts: RuntimeFacts = {}): void {
  const versions = facts.versions ?? process.versions;
  const rsa = rsaRuntimeAdvice(versions.openssl, facts.flags ?? cpuFlags);
  if (rsa !== undefined) log.info({ node: versions.node, openssl: versions.openssl }, rsa);
  const malloc = mallocAdvice((facts.glibc ?? usesGlibc)(), facts.env ?? process.env);
  if (malloc !== undefined) log.info(malloc);
}
