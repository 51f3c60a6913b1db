import { describe, expect, it } from 'vitest';
import { parseProcStatus, readRss } from './rss.js';

describe('parseProcStatus', () => {
  it('reads VmRSS and VmHWM in bytes', () => {
    const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t   81920 kB\nVmRSS:\t   40960 kB\nThreads:\t7\n';
    expect(parseProcStatus(status)).toEqual({ rssBytes: 40960 * 1024, hwmBytes: 81920 * 1024 });
  });

  it('returns undefined when the fields are missing (e.g. a zombie)', () => {
    expect(parseProcStatus('Name:\tnode\nState:\tZ (zombie)\n')).toBeUndefined();
  });

  it('reads this process (Linux)', () => {
    const reading = readRss(process.pid);
    expect(reading?.rssBytes).toBeGreaterThan(1024 * 1024);
    expect(reading?.hwmBytes).toBeGreaterThanOrEqual(reading?.rssBytes ?? Infinity);
  });
});
