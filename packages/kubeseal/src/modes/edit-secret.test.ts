import { describe, expect, it } from 'vitest';
import { CliError } from '../errors.js';
import { memoryIo } from '../test-helpers/memory-io.js';
import { run } from '../main.js';
import { editableDocument, editedValues } from './edit-secret.js';

const WHERE = { file: 'sealed.yaml', name: 'db', namespace: 'shop' };

describe('kubeseal edit: the file the editor opens', () => {
  it('reads back as exactly the values it was written from (text, YAML look-alikes, binary)', async () => {
    const values = new Map<string, Buffer>([
      ['plain', Buffer.from('hunter2')],
      ['yes', Buffer.from('yes')],
      ['number', Buffer.from('0123')],
      ['null', Buffer.from('null')],
      ['spaces', Buffer.from('  leading and trailing  ')],
      ['multiline', Buffer.from('line 1\nline 2\n\n')],
      ['no-final-newline', Buffer.from('a\nb')],
      ['json', Buffer.from('{"a": [1, 2]}')],
      ['comment', Buffer.from('# not a comment')],
      ['unicode', Buffer.from('grüße — ✓')],
      ['tab', Buffer.from('a\tb')],
      ['binary', Buffer.from([0, 1, 2, 255, 254])],
      ['control', Buffer.from('bell\u0007')],
      ['invalid-utf8', Buffer.from([0xc3, 0x28])],
      ['empty', Buffer.alloc(0)],
    ]);
    const text = editableDocument(WHERE, values);
    expect(text).toMatch(/^# kubeseal edit: the values of SealedSecret db in sealed\.yaml\.\n/);
    expect(text).toContain('\nkind: Secret\n');
    const back = await editedValues(Buffer.from(text));
    expect(new Map([...back].map(([k, v]) => [k, v.toString('hex')]))).toEqual(
      new Map([...values].map(([k, v]) => [k, v.toString('hex')])),
    );
    // Binary values go base64 under data; text under stringData.
    const data = text.slice(text.indexOf('\ndata:\n'));
    expect(data).toContain(`  binary: ${Buffer.from([0, 1, 2, 255, 254]).toString('base64')}`);
    expect(data).toContain('  invalid-utf8: ');
    expect(data).not.toContain('plain');
  });

  it('an edited file that is not one Secret is refused without quoting it', async () => {
    const cases = [
      'stringData:\n  password: "hunter2\n',
      // YAML errors whose `yaml` library message quotes the (decrypted, then edited) value.
      'stringData:\n  password: *hunter2\n',
      'stringData:\n  password: |hunter2\n',
      'stringData:\n  password: > hunter2\n',
      'stringData:\n  password: "\\Uhunter2"\n',
      'stringData:\n  password: !!hunter2!x y\n',
      'kind: Secret\nmetadata: {name: db}\ndata:\n  password: hunter2!!\n',
      'kind: ConfigMap\nmetadata: {name: db}\ndata:\n  password: hunter2\n',
      'kind: Secret\nmetadata: {name: db}\nstringData: {password: hunter2}\n---\nkind: Secret\nmetadata: {name: x}\n',
      '',
    ];
    for (const text of cases) {
      const error = await editedValues(Buffer.from(text)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, text).toBeInstanceOf(CliError);
      expect((error as Error).message).toMatch(/nothing was changed$/);
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('edit checks its command line: NAME, -f and --recovery-private-key', async () => {
    for (const [args, message] of [
      [['edit'], 'edit: takes NAME, got none'],
      [['edit', 'db', 'x', '-f', '/s.yaml'], 'edit: takes NAME, got "db" "x"'],
      [
        ['edit', 'db', '--recovery-private-key', '/k'],
        'edit: -f FILE (the SealedSecret file to edit) is required',
      ],
    ] as const) {
      const mem = memoryIo();
      expect(await run(args, mem.io, {})).toBe(2);
      expect(mem.stderr()).toBe(`${message}\n`);
    }
  });
});
