import { describe, expect, it } from 'vitest';
import { parseVerb } from '../verb-program.js';

const TERMINAL = { stdinIsTTY: false, stderrIsTTY: false };

function planOf(argv: string[]) {
  const call = parseVerb(argv, {}, TERMINAL);
  if (call.kind !== 'run') throw new Error(`not a run: ${JSON.stringify(call)}`);
  return call.plan.mode;
}

describe('kubeseal keys command line', () => {
  it('keys: table by default, -o json', () => {
    expect(planOf(['keys'])).toEqual({ kind: 'keys', output: 'table' });
    expect(planOf(['keys', '-o', 'json'])).toEqual({ kind: 'keys', output: 'json' });
    expect(parseVerb(['keys', '--output', 'yaml'], {}, TERMINAL).kind).toBe('usage-error');
  });
});
