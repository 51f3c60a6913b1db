import { describe, expect, it } from 'vitest';
import type { ControllerRun } from '../lib/context.js';
import { syncMissNote } from './controller.js';

const run: ControllerRun = {
  scenario: 'startup',
  objects: 5_000,
  valuesPerObject: 3,
  registryKeys: 1,
  syncMs: 50_000,
  objectsPerSec: 100,
  createMs: 20_000,
  cpuSeconds: 47,
  controlPlaneCpuSeconds: 35,
};
const ceiling = { unsealOneCoreOpsPerSec: 500, unsealAllCoresOpsPerSec: 1_000, allCoresSource: 'threads' };

describe('syncMissNote', () => {
  it("explains a missed sync target from the run's CPU split: busy share, per-object costs, the floor", () => {
    const note = syncMissNote([run], ceiling, 2);
    expect(note).toContain(
      'reached 100 objects/s, i.e. 300 RSA decryptions/s: 30.0% of the all-core ceiling',
    );
    // (47 + 35) CPU-s in 50 s on 2 cores.
    expect(note).toContain(
      'the controller used 47.0 CPU-s and kube-apiserver + etcd 35.0 CPU-s, 82.0% of the 2',
    );
    expect(note).toContain('the controller 9.40 ms of CPU (of it about 6.00 ms for its 3 RSA decryptions');
    expect(note).toContain('the control plane 7.00 ms');
    // 1.3 × 15 s × 2 cores / 5 000 objects; (6 + 7) ms × 5 000 / 2 cores = 32.5 s = 2.17× 15 s.
    expect(note).toContain('(15.0 s) leaves the whole machine 7.80 ms of CPU per object');
    expect(note).toContain(
      'alone take 13.0 ms, so even a controller doing nothing but RSA would need about 32.5 s (2.17×',
    );
  });

  it('says so when the CPU split is missing, and when there is no start-up run', () => {
    const { controlPlaneCpuSeconds: _, ...withoutSplit } = run;
    expect(syncMissNote([withoutSplit], ceiling, 2)).toMatch(/could not be read from \/proc\.$/);
    expect(syncMissNote([{ ...run, scenario: 'apply' }], ceiling, 2)).toBe('no start-up run');
  });
});
