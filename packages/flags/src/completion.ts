import type { CommandDef } from './command.js';
import type { Completion, FlagDef } from './flag.js';

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

interface FlagInfo {
  readonly name: string;
  readonly short: string | undefined;
  readonly usage: string;
  /** undefined: a bool, no value follows. */
  readonly value: Completion | undefined;
}

/** One command of the tree, flattened: `path` is its words after the program name (`cert show`; '' for the root). */
interface Node {
  readonly path: string;
  readonly commands: readonly (readonly [string, string])[];
  readonly flags: readonly FlagInfo[];
  /** What a positional argument completes to. */
  readonly args: Completion;
}

function flagInfo(name: string, def: FlagDef<unknown>): FlagInfo {
  const firstLine = def.usage.split('\n')[0] ?? '';
  return {
    name,
    short: def.short,
    usage: firstLine.replaceAll('`', ''),
    value: def.type.bareValue !== undefined ? undefined : (def.complete ?? 'none'),
  };
}

function flatten(command: CommandDef, prefix: string, into: Node[]): Node[] {
  const flags = Object.entries(command.flags ?? {})
    .filter(([, def]) => def.hidden !== true)
    .map(([name, def]) => flagInfo(name, def));
  into.push({
    path: prefix,
    commands: (command.commands ?? []).map((c) => [c.name, c.summary] as const),
    flags,
    args: command.args?.find((a) => a.complete !== undefined)?.complete ?? 'none',
  });
  for (const sub of command.commands ?? [])
    flatten(sub, prefix === '' ? sub.name : `${prefix} ${sub.name}`, into);
  return into;
}

/** Single-quoted for POSIX shells and fish. */
const sq = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
const fishQuote = (text: string): string => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const ident = (program: string): string => program.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * The completion script of `program` for `shell`, generated from the command tree: verbs, each command's flags
 * (with their value completions: files, directories or a fixed list) and positional arguments.
 */
export function completionScript(shell: Shell, program: string, root: CommandDef): string {
  const nodes = flatten(root, '', []);
  switch (shell) {
    case 'bash':
      return bashScript(program, nodes);
    case 'zsh':
      return zshScript(program, nodes);
    case 'fish':
      return fishScript(program, nodes);
  }
}

function bashWords(completion: Completion): string {
  if (completion === 'file') return 'COMPREPLY=($(compgen -f -- "$cur"))';
  if (completion === 'directory') return 'COMPREPLY=($(compgen -d -- "$cur"))';
  if (completion === 'none') return 'COMPREPLY=()';
  return `COMPREPLY=($(compgen -W ${sq(completion.join(' '))} -- "$cur"))`;
}

function bashScript(program: string, nodes: readonly Node[]): string {
  const fn = `__${ident(program)}_complete`;
  const lines = [
    `# bash completion for ${program}: source <(${program} completion bash)`,
    `${fn}() {`,
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" path="" next i',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    next="${path:+$path }${COMP_WORDS[i]}"',
    '    case "$next" in',
    `      ${nodes
      .filter((n) => n.path !== '')
      .map((n) => sq(n.path))
      .join('|')}) path="$next" ;;`,
    '      *) break ;;',
    '    esac',
    '  done',
    '  case "$path" in',
  ];
  for (const node of nodes) {
    lines.push(`    ${sq(node.path)})`);
    const valued = node.flags.filter((f) => f.value !== undefined);
    if (valued.length > 0) {
      lines.push('      case "$prev" in');
      for (const f of valued) {
        const names = [`--${f.name}`, ...(f.short === undefined ? [] : [`-${f.short}`])].join('|');
        lines.push(`        ${names}) ${bashWords(f.value ?? 'none')}; return ;;`);
      }
      lines.push('      esac');
    }
    const flagWords = node.flags.map((f) => `--${f.name}`).join(' ');
    lines.push(
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W ${sq(flagWords)} -- "$cur")); return; fi`,
    );
    if (node.commands.length > 0) {
      // A command word only right after the path: after a flag (`kubeseal --raw`) the line is no verb's.
      const commands = node.commands.map(([name]) => name).join(' ');
      lines.push(
        `      if (( i == COMP_CWORD )); then COMPREPLY=($(compgen -W ${sq(commands)} -- "$cur")); else COMPREPLY=(); fi`,
      );
    } else {
      lines.push(`      ${bashWords(node.args)}`);
    }
    lines.push('      ;;');
  }
  lines.push('  esac', '}', `complete -F ${fn} ${program}`, '');
  return lines.join('\n');
}

/** An `_arguments` description: brackets and colons escaped. */
const zshDescription = (text: string): string => text.replace(/([[\]:\\])/g, '\\$1');

function zshAction(completion: Completion, what: string): string {
  if (completion === 'file') return `:${what}:_files`;
  if (completion === 'directory') return `:${what}:_files -/`;
  if (completion === 'none') return `:${what}: `;
  return `:${what}:(${completion.join(' ')})`;
}

function zshScript(program: string, nodes: readonly Node[]): string {
  const fn = `_${ident(program)}`;
  const lines = [
    `#compdef ${program}`,
    `# zsh completion for ${program}: source <(${program} completion zsh), or save it as _${program} in $fpath`,
    `${fn}() {`,
    '  local path_words="" next i=2',
    '  while (( i < CURRENT )); do',
    '    next="${path_words:+$path_words }${words[i]}"',
    '    case "$next" in',
    `      ${nodes
      .filter((n) => n.path !== '')
      .map((n) => sq(n.path))
      .join('|')}) path_words="$next"; (( i++ )) ;;`,
    '      *) break ;;',
    '    esac',
    '  done',
    '  (( i > 2 )) && { shift $(( i - 2 )) words; (( CURRENT -= i - 2 )); }',
    '  case "$path_words" in',
  ];
  for (const node of nodes) {
    const specs = node.flags.map((f) => {
      const description = `[${zshDescription(f.usage)}]`;
      const action = f.value === undefined ? '' : zshAction(f.value, f.name);
      if (f.short === undefined) return sq(`--${f.name}${description}${action}`);
      return `${sq(`(-${f.short} --${f.name})`)}{-${f.short},--${f.name}}${sq(`${description}${action}`)}`;
    });
    const flagsOnly = `_arguments -s ${specs.join(' \\\n        ')}`;
    if (node.commands.length > 0) {
      const described = node.commands.map(
        ([name, summary]) => `${name}\\:"${summary.replace(/(["$`\\])/g, '\\$1')}"`,
      );
      // A command word only right after the path: after a flag the line is no verb's.
      const withCommands = [...specs, sq(`1:command:((${described.join(' ')}))`)];
      lines.push(
        `    ${sq(node.path)})`,
        `      if (( CURRENT == 2 )); then _arguments -s ${withCommands.join(' \\\n        ')}`,
        `      else ${flagsOnly}; fi`,
        '      ;;',
      );
      continue;
    }
    if (node.args !== 'none') specs.push(sq(`*${zshAction(node.args, 'argument')}`));
    lines.push(`    ${sq(node.path)})`, `      _arguments -s ${specs.join(' \\\n        ')}`, '      ;;');
  }
  lines.push('  esac', '}', `compdef ${fn} ${program}`, '');
  return lines.join('\n');
}

function fishScript(program: string, nodes: readonly Node[]): string {
  const path = `__${ident(program)}_path`;
  const at = `__${ident(program)}_at`;
  const next = `__${ident(program)}_next`;
  const paths = nodes.filter((n) => n.path !== '').map((n) => fishQuote(n.path));
  const lines = [
    `# fish completion for ${program}: ${program} completion fish | source`,
    `function ${path}`,
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    '    set -l path ""',
    '    for word in $words',
    '        set -l next (string trim -- "$path $word")',
    `        if contains -- $next ${paths.join(' ')}`,
    '            set path $next',
    '        else',
    '            break',
    '        end',
    '    end',
    '    echo $path',
    'end',
    `function ${at}`,
    `    set -l current (${path})`,
    '    test "$current" = "$argv[1]"',
    'end',
    // A command word only right after the path: after a flag (`kubeseal --raw`) the line is no verb's.
    `function ${next}`,
    '    set -l words (commandline -opc)',
    '    set -e words[1]',
    `    ${at} $argv[1]; and test (count $words) -eq (count (string split -n ' ' -- "$argv[1]"))`,
    'end',
    `complete -c ${program} -f`,
  ];
  for (const node of nodes) {
    const when = `-n ${fishQuote(`${at} ${fishQuote(node.path)}`)}`;
    const whenNext = `-n ${fishQuote(`${next} ${fishQuote(node.path)}`)}`;
    for (const [name, summary] of node.commands) {
      lines.push(`complete -c ${program} ${whenNext} -a ${fishQuote(name)} -d ${fishQuote(summary)}`);
    }
    for (const f of node.flags) {
      const names = `-l ${f.name}${f.short === undefined ? '' : ` -s ${f.short}`}`;
      lines.push(`complete -c ${program} ${when} ${names}${fishValue(f.value)} -d ${fishQuote(f.usage)}`);
    }
    if (node.commands.length === 0 && node.args !== 'none') {
      lines.push(`complete -c ${program} ${when}${fishValue(node.args, false)}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** The options of a fish `complete` line for what follows a flag (or a positional argument). */
function fishValue(completion: Completion | undefined, ofFlag = true): string {
  if (completion === undefined) return '';
  const r = ofFlag ? ' -r' : '';
  if (completion === 'file') return `${r} -F`;
  if (completion === 'directory') return `${r} -x -a '(__fish_complete_directories)'`;
  if (completion === 'none') return r;
  return `${r} -x -a ${fishQuote(completion.join(' '))}`;
}
