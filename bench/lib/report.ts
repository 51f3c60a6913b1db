import type { MachineInfo } from './machine.js';
import { fmt, fmtMiB, fmtMs } from './stats.js';

export const SECTION_IDS = [
  'crypto',
  'cli',
  'controller',
  'memory',
  'scaling',
  'web',
  'admission',
  'failover',
  'go',
  'scale',
] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export interface Table {
  readonly caption?: string;
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export type TargetStatus = 'met' | 'missed' | 'not measured';

export interface TargetResult {
  readonly name: string;
  /** The target as stated in the issue, e.g. `≥ 90% of openssl -multi private ops/s`. */
  readonly target: string;
  readonly measured: string;
  readonly status: TargetStatus;
  /** For a missed or unmeasured target: why, and what would close it. */
  readonly note?: string;
}

export interface SectionResult {
  readonly id: SectionId;
  readonly title: string;
  readonly tables: readonly Table[];
  /** Lines shown as one preformatted block before the tables. */
  readonly preformatted?: readonly string[];
  readonly notes: readonly string[];
  readonly targets: readonly TargetResult[];
  readonly durationMs: number;
  /** Set when the section failed part-way; what was measured before the failure is still reported. */
  readonly error?: string;
}

export interface Report {
  readonly machine: MachineInfo;
  readonly quick: boolean;
  readonly command: string;
  readonly sections: readonly SectionResult[];
  readonly totalMs: number;
  readonly versions: Readonly<Record<string, string>>;
  /** Set while the run goes on: the report is rewritten after each section, so a crash keeps what finished. */
  readonly incomplete?: { readonly pending: readonly string[] };
}

/** `met` only when the comparison holds; `not measured` when either side is missing. */
export function targetStatus(
  measured: number | undefined,
  limit: number | undefined,
  holds: (m: number, l: number) => boolean,
): TargetStatus {
  if (measured === undefined || limit === undefined || !Number.isFinite(measured) || !Number.isFinite(limit))
    return 'not measured';
  return holds(measured, limit) ? 'met' : 'missed';
}

function escapeCell(cell: string): string {
  return cell.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

export function renderTable(table: Table): string {
  const lines: string[] = [];
  if (table.caption !== undefined) lines.push(`**${table.caption}**`, '');
  lines.push(`| ${table.header.map(escapeCell).join(' | ')} |`);
  lines.push(`| ${table.header.map(() => '---').join(' | ')} |`);
  for (const row of table.rows) lines.push(`| ${row.map(escapeCell).join(' | ')} |`);
  return lines.join('\n');
}

/** RESULTS.md: machine, target summary, then one part per section. */
export function renderReport(report: Report): string {
  const m = report.machine;
  const out: string[] = [];
  out.push('# Benchmark results', '');
  if (report.incomplete !== undefined) {
    out.push(
      `> **Incomplete: the run was still going when this was written** (${report.sections.length} section(s) ` +
        `finished; not yet run: ${report.incomplete.pending.join(', ') || 'none'}). If the run is over, it stopped ` +
        'early; the finished sections below are valid.',
      '',
    );
  }
  out.push(
    `Written by \`${report.command}\` ${report.incomplete === undefined ? 'in' : 'after'} ${fmt(report.totalMs / 1000)} s${report.quick ? ' (quick mode: small sizes, few runs; numbers are indicative only)' : ''}.`,
    '',
  );
  out.push('## Machine', '');
  const versionRows = Object.entries(report.versions).map(([k, v]) => [k, v]);
  out.push(
    renderTable({
      header: ['item', 'value'],
      rows: [
        ['CPU', m.cpuModel],
        ['cores (available parallelism)', String(m.cores)],
        ['memory', fmtMiB(m.totalMemoryBytes)],
        ['kernel', m.kernel],
        ['Node.js (bench, our controller, npm-bin kubeseal)', `${m.node} (OpenSSL ${m.nodeOpenssl})`],
        ['openssl CLI', m.openssl],
        ['git commit', `${m.gitCommit}${m.gitDirty ? ' (with uncommitted changes)' : ''}`],
        ['load average at start (1/5/15 min)', m.loadAverage.map((l) => l.toFixed(2)).join(' / ')],
        ['started', m.startedAt],
        ...versionRows,
      ],
    }),
    '',
  );
  if (m.loadAverage[0] > m.cores * 0.5) {
    out.push(
      `> The machine was busy when the run started (1-minute load ${m.loadAverage[0].toFixed(2)} on ${m.cores} cores): ` +
        'absolute numbers are noisy and lower than on an idle machine. Ratios against openssl and `node -e ""`, ' +
        'measured in the same run, are the fairer reading.',
      '',
    );
  }

  const targets = report.sections.flatMap((s) => s.targets);
  out.push('## Targets', '');
  if (targets.length === 0) {
    out.push('No target was evaluated in this run.', '');
  } else {
    out.push(
      renderTable({
        header: ['target', 'goal', 'measured', 'status'],
        rows: targets.map((t) => [
          t.name,
          t.target,
          t.measured,
          t.status === 'met' ? 'met' : `**${t.status}**`,
        ]),
      }),
      '',
    );
    const open = targets.filter((t) => t.note !== undefined);
    for (const t of open) out.push(`- **${t.name}** (${t.status}): ${t.note ?? ''}`);
    if (open.length > 0) out.push('');
  }

  for (const section of report.sections) {
    out.push(`## ${section.title}`, '');
    if (section.error !== undefined) out.push(`> **This section failed:** ${section.error}`, '');
    if (section.preformatted !== undefined && section.preformatted.length > 0) {
      out.push('```', ...section.preformatted, '```', '');
    }
    for (const table of section.tables) out.push(renderTable(table), '');
    for (const note of section.notes) out.push(`- ${note}`);
    if (section.notes.length > 0) out.push('');
    out.push(`_Section time: ${fmtMs(section.durationMs)}._`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Sections run unless `--only` names others; `scale` (20 000 objects, long) runs only when asked for. */
export const DEFAULT_SECTION_IDS: readonly SectionId[] = SECTION_IDS.filter((id) => id !== 'scale');

/**
 * The sections of a run, in report order: the `--only` list (default: every section but `scale`), plus `scale`
 * with `--scale`. Throws on an unknown name.
 */
export function selectSections(only: readonly string[], scale: boolean): SectionId[] {
  for (const id of only) {
    if (!(SECTION_IDS as readonly string[]).includes(id))
      throw new Error(`unknown section "${id}"; one of ${SECTION_IDS.join(', ')}`);
  }
  const wanted = new Set<string>(only.length === 0 ? DEFAULT_SECTION_IDS : only);
  if (scale) wanted.add('scale');
  return SECTION_IDS.filter((id) => wanted.has(id));
}
