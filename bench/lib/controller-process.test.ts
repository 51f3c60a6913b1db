import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  IMAGE_ENV,
  parseProcStatCpuSeconds,
  parseProcStatTimes,
  readCpuSeconds,
  readCpuTimes,
} from './controller-process.js';

describe('parseProcStatCpuSeconds', () => {
  it('adds utime and stime (fields 14, 15) in seconds, also when the command name has spaces and parentheses', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 250 130 0 0 20 0 9 0 100 0 0';
    expect(parseProcStatCpuSeconds(`4242 (node) ${tail}`)).toBe(3.8);
    expect(parseProcStatCpuSeconds(`4242 (a (b) c) ${tail}`)).toBe(3.8);
    expect(parseProcStatCpuSeconds('4242 (x) S')).toBeUndefined();
    expect(parseProcStatTimes(`4242 (a) b) ${tail}`)).toEqual({ user: 2.5, system: 1.3 });
    expect(parseProcStatTimes('4242 (x) S')).toBeUndefined();
  });
});

describe('readCpuSeconds (Linux /proc)', () => {
  it("reads a live process's and one of its threads' CPU seconds, and nothing for a process that is gone", () => {
    // This worker has loaded vitest and the module under test: it has used well over one clock tick.
    const process_ = readCpuSeconds(process.pid);
    const mainThread = readCpuSeconds(process.pid, process.pid);
    const times = readCpuTimes(process.pid);
    expect(process_).toBeGreaterThan(0);
    expect(mainThread).toBeGreaterThan(0);
    expect(mainThread).toBeLessThanOrEqual(readCpuSeconds(process.pid) ?? 0);
    // Read after `process_`: at least as much (less one tick's rounding), split into user and system time.
    expect((times?.user ?? 0) + (times?.system ?? 0)).toBeGreaterThanOrEqual((process_ ?? Infinity) - 0.01);
    // Beyond pid_max (2^22 at the most), so no process has it.
    expect(readCpuSeconds(2 ** 23)).toBeUndefined();
    expect(readCpuSeconds(process.pid, 2 ** 23)).toBeUndefined();
    expect(readCpuTimes(2 ** 23)).toBeUndefined();
  });
});

describe('IMAGE_ENV', () => {
  it("is the controller image's runtime environment, so the bench runs the controller as it ships", () => {
    const dockerfile = readFileSync(new URL('../../docker/controller.Dockerfile', import.meta.url), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const env = Object.fromEntries(
      [...runtime.matchAll(/^ENV (.+)$/gm)].flatMap((m) =>
        // A value may hold `=` itself (GLIBC_TUNABLES): the name ends at the first one.
        (m[1] ?? '')
          .split(/\s+/)
          .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      ),
    );
    expect(env).toEqual(IMAGE_ENV);
  });
});

describe('the runtime pnpm bench runs on', () => {
  it("is the controller image's Node major (scripts/bench.mjs runs the pinned tools/node/NODE24_VERSION)", () => {
    const dockerfile = readFileSync(new URL('../../docker/controller.Dockerfile', import.meta.url), 'utf8');
    const pinned = readFileSync(new URL('../../tools/node/NODE24_VERSION', import.meta.url), 'utf8').trim();
    expect(/^ARG NODE_IMAGE=node:(\d+)-/m.exec(dockerfile)?.[1]).toBe(/^v?(\d+)\./.exec(pinned)?.[1]);
  });

  it('takes --node <binary> and --node=<binary> off the arguments and passes the rest on in order', async () => {
    const script = '../../scripts/bench.mjs';
    const { splitNodeFlag } = (await import(script)) as {
      splitNodeFlag: (argv: readonly string[]) => { node: string | undefined; rest: string[] };
    };
    expect(splitNodeFlag(['--quick', '--node', '/x/node', '--only', 'go'])).toEqual({
      node: '/x/node',
      rest: ['--quick', '--only', 'go'],
    });
    expect(splitNodeFlag(['--node=/y/node'])).toEqual({ node: '/y/node', rest: [] });
    expect(splitNodeFlag(['--scale'])).toEqual({ node: undefined, rest: ['--scale'] });
    expect(() => splitNodeFlag(['--node'])).toThrow('--node needs a Node binary');
    expect(() => splitNodeFlag(['--node', '--quick'])).toThrow('--node needs a Node binary');
  });
});
