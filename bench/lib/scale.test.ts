import { describe, expect, it } from 'vitest';
import { renderTable } from './report.js';
import {
  linearFit,
  linearity,
  linearityLines,
  linearityTarget,
  perObject,
  scalePlan,
  scaleTable,
  spreadObjects,
  type ScaleRun,
} from './scale.js';

const MiB = 1024 * 1024;

function run(objects: number, syncMs: number, peakMiB: number, cpuSeconds?: number): ScaleRun {
  return {
    objects,
    namespaces: Math.min(objects, 200),
    syncMs,
    idleRssBytes: 80 * MiB,
    peakRssBytes: peakMiB * MiB,
    ...(cpuSeconds === undefined ? {} : { cpuSeconds }),
    createMs: objects,
    loadAtStart: 2,
    loadAtEnd: 2.5,
  };
}

describe('scalePlan', () => {
  it('runs 1k/5k/20k over 200 namespaces, 100/200/400 over 10 in quick mode; --scale-sizes replaces the sizes', () => {
    expect(scalePlan(false)).toEqual({ sizes: [1_000, 5_000, 20_000], namespaces: 200 });
    expect(scalePlan(true)).toEqual({ sizes: [100, 200, 400], namespaces: 10 });
    expect(scalePlan(false, '10000, 1000,5000,1000')).toEqual({
      sizes: [1_000, 5_000, 10_000],
      namespaces: 200,
    });
    expect(() => scalePlan(false, '1000,lots')).toThrow('--scale-sizes: "lots"');
    expect(() => scalePlan(false, '0')).toThrow();
    expect(() => scalePlan(false, ',')).toThrow('no size');
  });
});

describe('spreadObjects', () => {
  it('spreads round-robin so every namespace gets N/namespaces objects (± 1), fewer namespaces when N is small', () => {
    const places = spreadObjects('scale', 20_000, 200);
    const perNamespace = new Map<string, number>();
    for (const p of places) perNamespace.set(p.namespace, (perNamespace.get(p.namespace) ?? 0) + 1);
    expect(perNamespace.size).toBe(200);
    expect(new Set(perNamespace.values())).toEqual(new Set([100]));
    expect(new Set(places.map((p) => `${p.namespace}/${p.name}`)).size).toBe(20_000);
    expect(places[0]).toEqual({ namespace: 'scale-000', name: 'ss-0' });
    expect(places[201]).toEqual({ namespace: 'scale-001', name: 'ss-201' });
    expect(new Set(spreadObjects('scale', 1_000, 200).map((p) => p.namespace)).size).toBe(200);
    expect(new Set(spreadObjects('scale', 5, 200).map((p) => p.namespace)).size).toBe(5);
  });
});

describe('linearFit', () => {
  it('recovers a straight line and refuses fewer than two distinct x', () => {
    const fit = linearFit([
      [1_000, 90],
      [5_000, 130],
      [20_000, 280],
    ]);
    expect(fit?.slope).toBeCloseTo(0.01, 10);
    expect(fit?.intercept).toBeCloseTo(80, 8);
    expect(linearFit([[1, 2]])).toBeUndefined();
    expect(
      linearFit([
        [3, 1],
        [3, 2],
      ]),
    ).toBeUndefined();
  });
});

describe('linearity', () => {
  it('compares per-object cost at the largest size with the smallest, and fits memory over N', () => {
    // 2 s fixed start-up + 15 ms per object; memory 80 MiB + 4 KiB per object; CPU 1 s + 20 ms per object.
    const runs = [20_000, 1_000, 5_000].map((n) => run(n, 2_000 + 15 * n, 80 + (4 * n) / 1024, 1 + 0.02 * n));
    const l = linearity(runs);
    expect(l?.smallest).toBe(1_000);
    expect(l?.largest).toBe(20_000);
    expect(l?.timeRatio).toBeCloseTo(15.1 / 17, 10);
    expect(l?.cpuRatio).toBeCloseTo(20.05 / 21, 10);
    expect(l?.marginalMsPerObject).toBeCloseTo(15, 10);
    expect(l?.memorySlopeBytesPerObject).toBeCloseTo(4 * 1024, 6);
    expect(l?.memoryInterceptBytes).toBeCloseTo(80 * MiB, 0);
    expect(l?.memoryPerObjectRatio).toBeCloseTo(1, 10);
  });

  it('shows a cost that grows with N as a ratio above 1', () => {
    const l = linearity([run(1_000, 10_000, 100), run(20_000, 400_000, 300)]);
    expect(l?.timeRatio).toBeCloseTo(2, 10);
    expect(l?.cpuRatio).toBeUndefined();
    expect(l?.memoryPerObjectRatio).toBeCloseTo(220 / 20_000 / (20 / 1_000), 10);
  });

  it('needs two sizes', () => {
    expect(linearity([])).toBeUndefined();
    expect(linearity([run(1_000, 1_000, 90)])).toBeUndefined();
  });
});

describe('scale table', () => {
  it('renders one row per size, smallest first, with per-object figures', () => {
    const runs = [run(5_000, 100_000, 180, 110), run(1_000, 20_000, 100)];
    expect(perObject(runs[0] as ScaleRun)).toEqual({
      objects: 5_000,
      objectsPerSec: 50,
      msPerObject: 20,
      cpuMsPerObject: 22,
      rssBytesPerObjectAboveIdle: (100 * MiB) / 5_000,
    });
    expect(renderTable(scaleTable(runs, 3))).toMatchInlineSnapshot(`
      "**Start-up sync at scale (3 RSA-4096 values per SealedSecret, controller watching all namespaces)**

      | objects | namespaces | total time | objects/s | ms per object | idle RSS | peak RSS | RSS per object above idle | CPU-s | CPU ms per object | load (1 min) start → end |
      | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
      | 1000 | 200 | 20.0 s | 50.0 | 20.0 | 80.0 MiB | 100 MiB | 20.5 KiB |  |  | 2.00 → 2.50 |
      | 5000 | 200 | 100 s | 50.0 | 20.0 | 80.0 MiB | 180 MiB | 20.5 KiB | 110 | 22.0 | 2.00 → 2.50 |"
    `);
    const lines = linearityLines(linearity(runs) ?? expect.fail('no linearity'));
    expect(lines).toEqual([
      'Per-object wall time at 5000 objects is 1.00× that at 1000 (1 = linear; above 1 the cost per object grows ' +
        'with N). Marginal time per extra object from 1000 to 5000: 20.0 ms (the fixed start-up cost cancels out).',
      'Memory: peak RSS grows by 20.5 KiB per object (least-squares slope over the sizes), from 80.0 MiB at N = 0; ' +
        'RSS above idle per object at 5000 is 1.00× that at 1000.',
    ]);
  });
});

describe('linearityTarget', () => {
  it('is met within 1.2× at 20 000, missed above, and not measured below 20 000', () => {
    const linear = [1_000, 5_000, 20_000].map((n) =>
      run(n, 2_000 + 15 * n, 80 + (4 * n) / 1024, 1 + 0.02 * n),
    );
    expect(linearityTarget(linearity(linear))).toMatchObject({
      status: 'met',
      measured: 'time 0.888×, CPU 0.955×, memory 1.00× (20000 vs 1000)',
    });
    const slower = [run(1_000, 10_000, 100, 20), run(20_000, 400_000, 600, 400)];
    expect(linearityTarget(linearity(slower))).toMatchObject({
      status: 'missed',
      measured: 'time 2.00×, CPU 1.00×, memory 1.30× (20000 vs 1000)',
      note: 'time and memory per object grow with N; see section 10 for the marginal cost and slope.',
    });
    expect(linearityTarget(linearity([run(1_000, 10_000, 100), run(10_000, 100_000, 200)]))).toMatchObject({
      status: 'not measured',
      measured: 'largest size 10000',
    });
    expect(linearityTarget(undefined).status).toBe('not measured');
  });
});
