import { describe, expect, it } from 'vitest';
import { cpuBoundNote, sideBySideCases } from './versus-go.js';

describe('sideBySideCases', () => {
  it('defaults to the issue 12 cases (100 objects with the limit off in quick mode); --go-runs replaces them', () => {
    expect(sideBySideCases(false)).toEqual([
      { clientLimit: 'off', objects: 500 },
      { clientLimit: 'off', objects: 5_000 },
      { clientLimit: 'default', objects: 100 },
    ]);
    expect(sideBySideCases(true)).toEqual([{ clientLimit: 'off', objects: 100 }]);
    expect(sideBySideCases(false, 'default:100, off:20')).toEqual([
      { clientLimit: 'default', objects: 100 },
      { clientLimit: 'off', objects: 20 },
    ]);
    expect(() => sideBySideCases(false, 'fast:10')).toThrow('--go-runs: "fast:10"');
    expect(() => sideBySideCases(false, 'off:0')).toThrow();
  });
});

describe('cpuBoundNote', () => {
  it('turns the CPU per object of a run into its ceiling on shared cores and the budget 3× Go would need', () => {
    const note = cpuBoundNote({ oursCpuMs: 9.2, controlPlaneMs: 7.8, goRate: 27 }, 2);
    // 2 000 ms ÷ 17 ms = 118 objects/s = 4.36× 27; 3× 27 = 81 objects/s → 24.7 ms.
    expect(note).toContain('used 9.20 ms of CPU and kube-apiserver + etcd 7.80 ms');
    expect(note).toContain("cannot pass 118 objects/s (4.36× Go's 27.0 here). 3× Go needs at most 24.7 ms");
    expect(cpuBoundNote({ oursCpuMs: 9.2 }, 2)).toBe(
      'The CPU split of the runs could not be read from /proc.',
    );
  });
});
