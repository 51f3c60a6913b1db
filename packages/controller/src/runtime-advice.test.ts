import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from './log.js';
import { cpuFlags, logRuntimeAdvice, rsaRuntimeAdvice } from './runtime-advice.js';

const IFMA = 'fpu vme sse2 avx2 avx512f avx512dq avx512ifma avx512vl';
const NO_IFMA = 'fpu vme sse2 avx2 avx512f avx512dq avx512vl';

const work = mkdtempSync(join(tmpdir(), 'runtime-advice-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function logged(versions: { node: string; openssl: string }, flags: string | undefined): string[] {
  const lines: string[] = [];
  const sink = { write: (t: string) => lines.push(t) };
  const log = createLogger({ level: 'INFO', format: 'json', infoToStdout: true, stdout: sink, stderr: sink });
  logRuntimeAdvice(log, versions, () => flags);
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
