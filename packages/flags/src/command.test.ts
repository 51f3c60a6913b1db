import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandHelp, resolveCommand, type CommandDef } from './command.js';
import { completionScript } from './completion.js';
import { flag } from './flag.js';

const TREE: CommandDef = {
  name: 'tool',
  summary: 'A tool.',
  flags: { verbose: flag.bool('Say more') },
  commands: [
    {
      name: 'key',
      summary: 'Keys',
      commands: [
        {
          name: 'show',
          summary: "Show a key's details",
          args: [{ name: 'FILE', complete: 'file' }],
          flags: {
            format: flag.string('Output [format]: text or json', { short: 'o', complete: ['text', 'json'] }),
            out: flag.string('Write to `path`', { complete: 'directory' }),
          },
          examples: ['tool key show -o json key.pem'],
        },
      ],
    },
  ],
};

describe('resolveCommand', () => {
  it('follows leading words only', () => {
    const names = (argv: string[]) => resolveCommand(TREE, argv).path.map((c) => c.name);
    expect(names(['key', 'show', '-o', 'json'])).toEqual(['tool', 'key', 'show']);
    expect(resolveCommand(TREE, ['key', 'show', 'x']).rest).toEqual(['x']);
    expect(names(['--verbose', 'key', 'show'])).toEqual(['tool']);
    expect(names(['show'])).toEqual(['tool']);
  });
});

describe('commandHelp', () => {
  it('prints usage, flags in pflag layout and examples', () => {
    const { path } = resolveCommand(TREE, ['key', 'show']);
    expect(commandHelp(path)).toBe(
      [
        "Show a key's details",
        '',
        'Usage:',
        '  tool key show FILE [flags]',
        '',
        'Flags:',
        '  -o, --format string   Output [format]: text or json',
        '      --out path        Write to path',
        '',
        'Examples:',
        '  tool key show -o json key.pem',
        '',
      ].join('\n'),
    );
    const sectioned = {
      ...(path.at(-1) as CommandDef),
      flagSections: [{ title: 'Output flags', names: ['out'] }],
    };
    expect(commandHelp([sectioned])).toContain(
      'Flags:\n  -o, --format string   Output [format]: text or json\n\nOutput flags:\n      --out path   Write to path\n',
    );
    expect(commandHelp(resolveCommand(TREE, ['key']).path)).toContain(
      "Commands:\n  show   Show a key's details\n",
    );
  });
});

describe('completionScript', () => {
  it('bash: words, flags and values of the command the line is in', () => {
    const script = completionScript('bash', 'tool', TREE);
    const complete = (...words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); __tool_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
          'bash',
          ...words,
        ],
        { encoding: 'utf8' },
      )
        .split('\n')
        .filter((l) => l !== '');
    expect(complete('tool', '')).toEqual(['key']);
    expect(complete('tool', '--v')).toEqual(['--verbose']);
    expect(complete('tool', 'key', '')).toEqual(['show']);
    expect(complete('tool', 'key', 'show', '-o', 'j')).toEqual(['json']);
    expect(complete('tool', 'key', 'show', '--')).toEqual(['--format', '--out']);
    // After a leading flag the line is not a command's: no command word is offered.
    expect(complete('tool', '--verbose', '')).toEqual([]);
    expect(complete('tool', 'key', '--x', '')).toEqual([]);
  });

  it('zsh: _arguments specs with escaped descriptions, value actions and the command list', () => {
    const script = completionScript('zsh', 'tool', TREE);
    expect(script).toContain('#compdef tool');
    expect(script).toContain(
      `'(-o --format)'{-o,--format}'[Output \\[format\\]\\: text or json]:format:(text json)'`,
    );
    expect(script).toContain(`'--out[Write to path]:out:_files -/'`);
    expect(script).toContain(`'1:command:((show\\:"Show a key'\\''s details"))'`);
    expect(script).toContain(`'*:argument:_files'`);
  });

  it('fish: one complete line per word and flag, guarded by the command path', () => {
    const script = completionScript('fish', 'tool', TREE);
    const at = "-n '__tool_at \\'key show\\''";
    expect(script).toContain(
      `complete -c tool ${at} -l format -s o -r -x -a 'text json' -d 'Output [format]: text or json'`,
    );
    expect(script).toContain(
      `complete -c tool ${at} -l out -r -x -a '(__fish_complete_directories)' -d 'Write to path'`,
    );
    expect(script).toContain(
      `complete -c tool -n '__tool_next \\'key\\'' -a 'show' -d 'Show a key\\'s details'`,
    );
    expect(script).toContain(`complete -c tool ${at} -F`);
  });
});
