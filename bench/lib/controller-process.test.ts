import { describe, expect, it } from 'vitest';
import { parseProcStatCpuSeconds } from './controller-process.js';

describe('parseProcStatCpuSeconds', () => {
  it('adds utime and stime (fields 14, 15) in seconds, also when the command name has spaces and parentheses', () => {
    const tail = 'S 1 2 3 4 5 6 7 8 9 10 250 130 0 0 20 0 9 0 100 0 0';
    expect(parseProcStatCpuSeconds(`4242 (node) ${tail}`)).toBe(3.8);
    expect(parseProcStatCpuSeconds(`4242 (a (b) c) ${tail}`)).toBe(3.8);
    expect(parseProcStatCpuSeconds('4242 (x) S')).toBeUndefined();
  });
});
