import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IMAGE_ENV, parseProcStatCpuSeconds } from './controller-process.js';

describe('parseProcStatCpuSeconds', () => {
  it('adds utime and stime (fields 14, 15) in seconds, also when the command name has spaces and parentheses', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 250 130 0 0 20 0 9 0 100 0 0';
    expect(parseProcStatCpuSeconds(`4242 (node) ${tail}`)).toBe(3.8);
    expect(parseProcStatCpuSeconds(`4242 (a (b) c) ${tail}`)).toBe(3.8);
    expect(parseProcStatCpuSeconds('4242 (x) S')).toBeUndefined();
  });
});

describe('IMAGE_ENV', () => {
  it("is the controller image's runtime environment, so the bench runs the controller as it ships", () => {
    const dockerfile = readFileSync(new URL('../../docker/controller.Dockerfile', import.meta.url), 'utf8');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const env = Object.fromEntries(
      [...runtime.matchAll(/^ENV (.+)$/gm)].flatMap((m) =>
        (m[1] ?? '').split(/\s+/).map((pair) => pair.split('=', 2) as [string, string]),
      ),
    );
    expect(env).toEqual(IMAGE_ENV);
  });
});
