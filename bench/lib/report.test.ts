import { describe, expect, it } from 'vitest';
import type { MachineInfo } from './machine.js';
import {
  DEFAULT_SECTION_IDS,
  renderReport,
  renderTable,
  selectSections,
  targetStatus,
  type Report,
} from './report.js';

const machine: MachineInfo = {
  cpuModel: 'Test CPU',
  cores: 2,
  totalMemoryBytes: 4 * 1024 ** 3,
  kernel: 'Linux 6.1',
  node: 'v20.19.0',
  nodeOpenssl: '3.0.15',
  openssl: 'OpenSSL 3.0.15',
  gitCommit: 'abc123',
  gitDirty: false,
  loadAverage: [3.5, 2, 1],
  startedAt: '2026-01-01T00:00:00.000Z',
};

const report: Report = {
  machine,
  quick: false,
  command: 'pnpm bench',
  totalMs: 61_000,
  versions: { 'kube-apiserver': 'v1.34.4' },
  sections: [
    {
      id: 'crypto',
      title: '1. Crypto ceiling',
      tables: [{ header: ['a|b', 'c'], rows: [['1', '2']] }],
      notes: ['a note'],
      targets: [
        { name: 'Fast', target: '≥ 90%', measured: '95%', status: 'met' },
        {
          name: 'Small',
          target: '≤ 150 MiB',
          measured: '180 MiB',
          status: 'missed',
          note: 'workers cost memory',
        },
      ],
      durationMs: 12_000,
    },
    {
      id: 'cli',
      title: '2. CLI latency',
      tables: [],
      notes: [],
      targets: [],
      error: 'kubeseal missing',
      durationMs: 5,
    },
  ],
};

describe('renderReport', () => {
  const md = renderReport(report);

  it('lists every target with its status, and explains each miss', () => {
    expect(md).toContain('| Fast | ≥ 90% | 95% | met |');
    expect(md).toContain('| Small | ≤ 150 MiB | 180 MiB | **missed** |');
    expect(md).toContain('- **Small** (missed): workers cost memory');
  });

  it('records the machine, versions and a busy-machine warning', () => {
    expect(md).toContain('| CPU | Test CPU |');
    expect(md).toContain('| kube-apiserver | v1.34.4 |');
    expect(md).toContain('3.50 / 2.00 / 1.00');
    expect(md).toMatch(/machine was busy/);
  });

  it('reports a failed section instead of hiding it', () => {
    expect(md).toContain('## 2. CLI latency\n\n> **This section failed:** kubeseal missing');
  });

  it('escapes pipes inside cells', () => {
    expect(renderTable({ header: ['a|b'], rows: [['x']] })).toBe('| a\\|b |\n| --- |\n| x |');
  });

  it('omits the busy warning on an idle machine', () => {
    expect(renderReport({ ...report, machine: { ...machine, loadAverage: [0.2, 0.1, 0.1] } })).not.toMatch(
      /machine was busy/,
    );
  });
});

describe('targetStatus', () => {
  it('is "not measured" when a side is missing or not finite', () => {
    expect(targetStatus(undefined, 1, () => true)).toBe('not measured');
    expect(targetStatus(NaN, 1, () => true)).toBe('not measured');
    expect(targetStatus(1, 2, (m, l) => m <= l)).toBe('met');
    expect(targetStatus(3, 2, (m, l) => m <= l)).toBe('missed');
  });
});

describe('selectSections', () => {
  it('runs every section but scale by default; --scale adds it; --only picks, in report order', () => {
    expect(selectSections([], false)).toEqual(DEFAULT_SECTION_IDS);
    expect(selectSections([], false)).not.toContain('scale');
    expect(selectSections([], true)).toEqual([...DEFAULT_SECTION_IDS, 'scale']);
    expect(selectSections(['scale'], false)).toEqual(['scale']);
    expect(selectSections(['scale'], true)).toEqual(['scale']);
    expect(selectSections(['go', 'crypto'], true)).toEqual(['crypto', 'go', 'scale']);
    expect(() => selectSections(['scales'], false)).toThrow('unknown section "scales"');
  });
});

describe('an incomplete report', () => {
  it('says so at the top and names the sections still to run', () => {
    const md = renderReport({ ...report, incomplete: { pending: ['go', 'scale'] } });
    expect(md.split('\n').slice(0, 5).join('\n')).toContain(
      '> **Incomplete: the run was still going when this was written** (2 section(s) finished; not yet run: go, scale).',
    );
    expect(md).toContain('Written by `pnpm bench` after 61.0 s.');
    expect(renderReport(report)).not.toContain('Incomplete');
  });
});
