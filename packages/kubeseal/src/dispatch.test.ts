import { describe, expect, it } from 'vitest';
import { dispatch, runsOffline, TTY_NOTICE_RESOURCE, type Plan } from './dispatch.js';
import { parseCommandLine } from './program.js';

function plan(argv: string[], terminal = { stdinIsTTY: false, stderrIsTTY: false }): Plan {
  const parsed = parseCommandLine(argv, {});
  if (parsed.kind !== 'ok') throw new Error(parsed.message);
  return dispatch(parsed.options, terminal);
}

describe('dispatch (compat §6.3 order)', () => {
  it.each([
    [['--version', '--help', '--recovery-unseal'], 'version'],
    [['--help', '--validate'], 'help'],
    [['--recovery-unseal', '--validate', '--re-encrypt', '--fetch-cert'], 'recovery-unseal'],
    [['--validate', '--re-encrypt', '--fetch-cert'], 'validate'],
    [['--re-encrypt', '--fetch-cert', '--raw'], 're-encrypt'],
    [['--fetch-cert', '--merge-into', 'x', '--raw'], 'fetch-cert'],
    [['--merge-into', 'x', '--raw'], 'merge-into'],
    [['--raw'], 'raw'],
    [[], 'seal'],
  ])('%j → %s', (argv, kind) => {
    expect(plan(argv).mode.kind).toBe(kind);
  });

  it('rejects --from-file without --raw, even before other modes', () => {
    expect(() => plan(['--from-file', 'a', '--validate'])).toThrow('--from-file requires --raw');
    expect(plan(['--from-file', 'a', '--raw']).mode.kind).toBe('raw');
  });

  it('re-encrypts in place when -f is given without -w', () => {
    expect(plan(['--re-encrypt', '-f', 'ss.yaml']).output).toEqual({ kind: 'file', path: 'ss.yaml' });
    expect(plan(['--re-encrypt', '-f', 'ss.yaml', '-w', 'o.yaml']).output).toEqual({
      kind: 'file',
      path: 'o.yaml',
    });
    expect(plan(['-f', 'in.yaml']).output).toEqual({ kind: 'stdout' });
  });

  it('prints the tty notice only for stdin input outside --raw/--fetch-cert', () => {
    const tty = { stdinIsTTY: true, stderrIsTTY: false };
    expect(plan([], tty).notices).toEqual([TTY_NOTICE_RESOURCE]);
    expect(plan(['--validate'], tty).notices).toEqual([TTY_NOTICE_RESOURCE]);
    expect(plan(['-f', 'x'], tty).notices).toEqual([]);
    expect(plan(['--raw'], tty).notices).toEqual([]);
    expect(plan(['--fetch-cert'], tty).notices).toEqual([]);
    expect(plan([]).notices).toEqual([]);
  });

  it('warns about --recovery-private-key without --recovery-unseal only on a terminal', () => {
    expect(
      plan(['--recovery-private-key', 'k'], { stdinIsTTY: false, stderrIsTTY: true }).notices,
    ).toHaveLength(1);
    expect(plan(['--recovery-private-key', 'k']).notices).toHaveLength(0);
  });
});

describe('runsOffline', () => {
  const offline = (argv: string[]): boolean => {
    const parsed = parseCommandLine(argv, {});
    if (parsed.kind !== 'ok') throw new Error(parsed.message);
    return runsOffline(dispatch(parsed.options, { stdinIsTTY: false, stderrIsTTY: false }), parsed.options);
  };
  it.each([
    [['--cert', 'c.pem'], true],
    [['--raw', '--cert', 'c.pem', '--scope', 'cluster-wide'], true],
    [['--merge-into', 'x.yaml', '--cert', 'file:///c.pem'], true],
    [['--recovery-unseal', '--recovery-private-key', 'k.pem'], true],
    [['--cert', 'https://example.com/v1/cert.pem'], false],
    [['--raw', '--cert', 'HTTP://example.com/c.pem', '--scope', 'cluster-wide'], false],
    [[], false],
    [['--raw', '--scope', 'cluster-wide'], false],
    [['--fetch-cert', '--cert', 'c.pem'], false],
    [['--validate'], false],
    [['--re-encrypt', '--cert', 'c.pem'], false],
    [['--version'], false],
  ])('%j → %s', (argv, expected) => {
    expect(offline(argv)).toBe(expected);
  });
});
