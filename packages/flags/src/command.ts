import type { Completion, FlagTable } from './flag.js';
import { flagUsages } from './usage.js';

/** A positional argument of a command. */
export interface ArgDef {
  readonly name: string;
  readonly complete?: Completion;
}

/**
 * One command of a verb tree (`kubeseal cert show`): its words, help text and flags. The same definitions give the
 * `--help` text and the bash, zsh and fish completion scripts.
 */
export interface CommandDef {
  readonly name: string;
  readonly summary: string;
  /** Paragraphs after the summary in `--help`. */
  readonly description?: string;
  readonly args?: readonly ArgDef[];
  readonly flags?: FlagTable;
  /** Flags listed under a heading of their own in `--help` (`Cluster flags:`); the others go under `Flags:`. */
  readonly flagSections?: readonly { readonly title: string; readonly names: readonly string[] }[];
  /** Complete command lines, shown under `Examples:`. */
  readonly examples?: readonly string[];
  readonly commands?: readonly CommandDef[];
}

export interface ResolvedCommand {
  /** From the root to the command the leading words name. */
  readonly path: readonly CommandDef[];
  /** The arguments after those words. */
  readonly rest: readonly string[];
}

/** Follows the leading words of `argv` down the tree: `cert show --cert x` → [root, cert, show] and `--cert x`. */
export function resolveCommand(root: CommandDef, argv: readonly string[]): ResolvedCommand {
  const path: CommandDef[] = [root];
  let i = 0;
  for (;;) {
    const word = argv[i];
    const next = path.at(-1)?.commands?.find((c) => c.name === word);
    if (next === undefined) break;
    path.push(next);
    i++;
  }
  return { path, rest: argv.slice(i) };
}

const words = (path: readonly CommandDef[]): string => path.map((c) => c.name).join(' ');

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}\n`).join('');
}

/** Cobra-like help: usage line, summary, description, commands, arguments, flags (pflag's layout), examples. */
export function commandHelp(path: readonly CommandDef[]): string {
  const command = path.at(-1);
  if (command === undefined) throw new Error('commandHelp needs a command');
  const args = (command.args ?? []).map((a) => a.name).join(' ');
  const hasFlags = command.flags !== undefined && Object.keys(command.flags).length > 0;
  const subcommands = command.commands ?? [];
  const usage = [words(path), subcommands.length > 0 ? 'COMMAND' : '', args, hasFlags ? '[flags]' : '']
    .filter((part) => part !== '')
    .join(' ');
  let text = `${command.summary}\n\n`;
  if (command.description !== undefined) text += `${command.description.trim()}\n\n`;
  text += `Usage:\n  ${usage}\n`;
  if (subcommands.length > 0) {
    text += `\nCommands:\n${table(subcommands.map((c) => [c.name, c.summary] as const))}`;
  }
  if (hasFlags && command.flags !== undefined) text += flagsHelp(command.flags, command.flagSections ?? []);
  if (command.examples !== undefined && command.examples.length > 0) {
    text += `\nExamples:\n${command.examples.map((e) => `  ${e}\n`).join('')}`;
  }
  if (subcommands.length > 0) text += `\nRun '${words(path)} COMMAND --help' for more about a command.\n`;
  return text;
}

function flagsHelp(flags: FlagTable, sections: NonNullable<CommandDef['flagSections']>): string {
  const sectioned = new Set(sections.flatMap((section) => section.names));
  const subset = (keep: (name: string) => boolean): FlagTable =>
    Object.fromEntries(Object.entries(flags).filter(([name]) => keep(name)));
  let text = `\nFlags:\n${flagUsages(subset((name) => !sectioned.has(name)))}`;
  for (const { title, names } of sections) {
    const listed = flagUsages(subset((name) => names.includes(name)));
    if (listed !== '') text += `\n${title}:\n${listed}`;
  }
  return text;
}
