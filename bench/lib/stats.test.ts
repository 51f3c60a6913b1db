import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fmt, fmtMs, median, percentile, perSecond, summarize } from './stats.js';

describe('percentile', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 200..1, unsorted on purpose
    expect(percentile(values, 50)).toBe(100);
    expect(percentile(values, 99)).toBe(198);
    expect(percentile(values, 100)).toBe(200);
    expect(percentile(values, 0)).toBe(1);
  });

  it('rejects an empty sample and out-of-range p', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('always returns a member of the sample, monotonically in p', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1 }),
        fc.nat(100),
        fc.nat(100),
        (values, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(values).toContain(percentile(values, lo));
          expect(percentile(values, lo)).toBeLessThanOrEqual(percentile(values, hi));
        },
      ),
    );
  });
});

describe('median and summarize', () => {
  it('averages the two middle values of an even sample', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, 1, 3])).toBe(3);
  });

  it('summarizes a sample', () => {
    const s = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(s).toMatchObject({ count: 8, min: 2, max: 9, mean: 5, median: 4.5 });
    expect(s.stddev).toBeCloseTo(2.138, 3);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    summarize(values);
    expect(values).toEqual([3, 1, 2]);
  });
});

describe('formatting', () => {
  it('keeps three significant digits', () => {
    expect(fmt(1234.5)).toBe('1235');
    expect(fmt(12.345)).toBe('12.3');
    expect(fmt(0.012345)).toBe('0.0123');
    expect(fmt(0)).toBe('0');
  });

  it('switches to seconds at 10 s', () => {
    expect(fmtMs(850)).toBe('850 ms');
    expect(fmtMs(12_345)).toBe('12.3 s');
  });

  it('computes rates', () => {
    expect(perSecond(300, 1500)).toBe(200);
    expect(() => perSecond(1, 0)).toThrow(RangeError);
  });
});
