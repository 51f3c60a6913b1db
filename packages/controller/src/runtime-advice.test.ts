import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './log.js';
import {
  IMAGE_MALLOC_ENV,
  cpuFlags,
  logRuntimeAdvice,
  mallocAdvice,
  rsaRuntimeAdvice,
  usesGlibc,
} from './runtime-advice.js';

const IFMA = 'fpu vme sse2 avx2 avx512f avx512dq avx512ifma avx512vl';
const NO_IFMA = 'fpu vme sse2 avx2 avx512f avx512dq avx512vl';

const work = mkdtempSync(join(tmpdir(), 'runtime-advice-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function logged(versions: { node: string; openssl: string }, flags: string | undefined): string[] {
  const lines: string[] = [];
  const sink = { write: (t: string) => lines.push(t) };
  const log = createLogger({ level: 'INFO', format: 'json', infoToStdout: true, stdout: sink, stderr: sink });
  logRuntimeAdvice(log, { versions, flags: () => flags, glibc: () => true, env: { ...IMAGE_MALLOC_ENV } });
  return lines;
}

describe('the runtime advice at start', () => {
  it('logs one info line on OpenSSL 3.0 on a CPU with AVX-512 IFMA (Node 20 there unseals ~2.4x slower)', () => {
    const lines = logged({ node: '20.20.2', openssl: '3.0.19' }, IFMA);
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, node: '20.20.2', openssl: '3.0.19' });
    expect(line['msg']).toBe(
      "this Node's OpenSSL 3.0.19 decrypts RSA-4096 without this CPU's AVX-512 IFMA instructions: on Node 24 " +
        '(the controller image runs it) RSA-4096 decryption takes about 2.4 times less CPU',
    );
    // Node 20's OpenSSL carries a suffix.
    expect(logged({ node: '20.19.4', openssl: '3.0.15+quic' }, IFMA)).toHaveLength(1);
  });

  it('says nothing where it was not measured to matter: OpenSSL 3.5, a CPU without IFMA, no /proc/cpuinfo', () => {
    expect(logged({ node: '24.21.0', openssl: '3.5.8' }, IFMA)).toEqual([]);
    expect(logged({ node: '22.20.0', openssl: '3.5.2' }, IFMA)).toEqual([]);
    expect(logged({ node: '20.20.2', openssl: '3.0.19' }, NO_IFMA)).toEqual([]);
    expect(logged({ node: '20.20.2', openssl: '3.0.19' }, undefined)).toEqual([]);
  });

  it('reads the CPU flags only for OpenSSL 3.0', () => {
    let reads = 0;
    const flags = () => {
      reads++;
      return IFMA;
    };
    expect(rsaRuntimeAdvice('3.5.8', flags)).toBeUndefined();
    expect(reads).toBe(0);
    expect(rsaRuntimeAdvice('3.0.19', flags)).toBeDefined();
    expect(reads).toBe(1);
  });
});

describe('cpuFlags', () => {
  it("is the first processor's flags line", () => {
    const path = join(work, 'cpuinfo');
    writeFileSync(
      path,
      `processor\t: 0\nmodel name\t: Test\nflags\t\t: ${IFMA}\n\nprocessor\t: 1\nflags\t\t: fpu\n`,
    );
    expect(cpuFlags(path)?.trim()).toBe(IFMA);
  });

  it('reads at most 64 KiB: a flags line beyond that is not seen; a missing file is undefined', () => {
    const path = join(work, 'huge');
    writeFileSync(path, `${'x'.repeat(64 * 1024)}\nflags\t\t: ${IFMA}\n`);
    expect(cpuFlags(path)).toBeUndefined();
    expect(cpuFlags(join(work, 'missing'))).toBeUndefined();
  });
});

describe('the malloc advice at start', () => {
  const settings =
    'MALLOC_ARENA_MAX=2 GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768:glibc.malloc.trim_threshold=65536';

  it('logs one info line on glibc without the image malloc settings, naming them', () => {
    const lines: string[] = [];
    const sink = { write: (t: string) => lines.push(t) };
    const log = createLogger({
      level: 'INFO',
      format: 'json',
      infoToStdout: true,
      stdout: sink,
      stderr: sink,
    });
    logRuntimeAdvice(log, {
      versions: { node: '24.21.0', openssl: '3.5.8' },
      glibc: () => true,
      env: { PATH: '/usr/bin' },
    });
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30 });
    expect(line['msg']).toBe(
      `glibc's malloc runs with its default settings: the controller image starts it with ${settings} ` +
        '(about 14 MiB less peak memory measured at 5 000 SealedSecrets); set them in the environment to do the same',
    );
  });

  it('says nothing on musl or when the user chose malloc settings of their own', () => {
    expect(mallocAdvice(false, {})).toBeUndefined();
    expect(mallocAdvice(true, { ...IMAGE_MALLOC_ENV })).toBeUndefined();
    expect(mallocAdvice(true, { MALLOC_ARENA_MAX: '4' })).toBeUndefined();
    expect(mallocAdvice(true, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=1' })).toBeUndefined();
    // A tunable of another glibc part is not a malloc choice.
    expect(mallocAdvice(true, { GLIBC_TUNABLES: 'glibc.cpu.hwcaps=-AVX2' })).toBeDefined();
  });

  it('names the same settings as the image (docker/controller.Dockerfile)', () => {
    const dockerfile = readFileSync(
      new URL('../../../docker/controller.Dockerfile', import.meta.url),
      'utf8',
    );
    for (const [name, value] of Object.entries(IMAGE_MALLOC_ENV))
      expect(dockerfile).toMatch(new RegExp(`^ENV .*\\b${name}=${value.replaceAll('.', '\\.')}(\\s|$)`, 'm'));
  });

  it('usesGlibc reads the mapped C library from a maps file; a missing file is false', () => {
    const glibc = join(work, 'maps-glibc');
    writeFileSync(
      glibc,
      '5600-5700 r-xp 00000000 08:01 1 /usr/bin/node\n7f00-7f10 r-xp 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libc.so.6\n',
    );
    const musl = join(work, 'maps-musl');
    writeFileSync(musl, '7f00-7f10 r-xp 00000000 08:01 2 /lib/ld-musl-x86_64.so.1\n');
    expect(usesGlibc(glibc)).toBe(true);
    expect(usesGlibc(musl)).toBe(false);
    expect(usesGlibc(join(work, 'missing'))).toBe(false);
    // This test process: Node's Linux builds link glibc.
    expect(usesGlibc()).toBe(process.platform === 'linux');
  });
});
