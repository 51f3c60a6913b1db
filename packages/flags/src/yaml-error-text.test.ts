import { describe, expect, it } from 'vitest';
import { yamlErrorText } from './yaml-error-text.js';

describe('yamlErrorText', () => {
  const source = 'a: 1\nb: "\\Uhunter22"\n';
  const at = source.indexOf('"');

  it('cuts the quoted input and gives the position instead', () => {
    expect(yamlErrorText({ message: 'Invalid escape sequence \\Uhunter22', pos: [at, at + 1] }, source)).toBe(
      'Invalid escape sequence at line 2, column 4',
    );
    expect(yamlErrorText({ message: 'The !hunter2! tag has no suffix', pos: [0, 1] }, source)).toBe(
      'A tag has no suffix at line 1, column 1',
    );
    expect(yamlErrorText({ message: 'Some future error: "hunter2"', pos: [0, 1] }, source)).toBe(
      'Some future error at line 1, column 1',
    );
  });

  it('keeps a message that quotes nothing as it is, with the position only when asked', () => {
    const error = { message: 'Map keys must be unique', pos: [5, 6] as const };
    expect(yamlErrorText(error, source)).toBe('Map keys must be unique');
    expect(yamlErrorText(error, source, { position: 'always' })).toBe(
      'Map keys must be unique at line 2, column 1',
    );
  });

  it('drops a prettified code frame (the line of the input) and its position suffix', () => {
    const message = 'Map keys must be unique at line 2, column 1:\n\nb: "\\Uhunter22"\n^\n';
    expect(yamlErrorText({ message, pos: [5, 6] }, source, { position: 'always' })).toBe(
      'Map keys must be unique at line 2, column 1',
    );
  });
});
