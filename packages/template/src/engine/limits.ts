import { formatGoDuration } from '../go/duration.js';

/** Resource limits: templates are untrusted input evaluated inside the controller (README.md, "Limits"). */
export const LIMITS = {
  /** Rendered output of one template, in bytes. */
  maxOutputBytes: 1 << 20,
  /** Any single string produced by a function, and the deep size of any list or map argument, in bytes/units. */
  maxValueBytes: 1 << 20,
  /** Elements of any list produced by a function. */
  maxListItems: 100_000,
  /** Nesting depth of lists and maps passed to a function or printed (recursive printers stay far from the stack). */
  maxValueDepth: 1_000,
  /**
   * Tokens of one template's source. Lexing and parsing take about 100 bytes of memory per byte of a dense source
   * (a 1.2 MB template of `{{ $a }}` needed 176 MB of heap and 2 s): this bounds both, whatever the object size.
   */
  maxTokens: 100_000,
  /** Evaluated commands plus range iterations. */
  maxSteps: 1_000_000,
  /**
   * Work of one execution, in units of about one byte or element touched: what functions read, compare, hash,
   * copy and produce, variable lookups and the walks that measure values. Bounds the time a template can take
   * whatever its loops do.
   */
  maxWorkUnits: 64 << 20,
} as const;

/** The text of the per-object wall-clock limit, shared by the engine's own check and the controller's watchdog. */
export function timeBudgetMessage(budgetMs: number): string {
  return `template rendering exceeded its time budget of ${formatGoDuration(budgetMs)}`;
}
