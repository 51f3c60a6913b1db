import { describe, expect, expectTypeOf, it } from 'vitest';
import { flag, type Options } from './flag.js';
import { FlagError, parseFlags, type EnvRules } from './parse.js';
import { flagUsages } from './usage.js';

const TABLE = {
  'key-size': flag.int('Size of encryption key.', { default: 4096 }),
  'key-renew-period': flag.duration('Renewal period.', { default: 720 * 3_600_000 }),
  'rotate-period': flag.duration('Deprecated alias.', {
    default: 720 * 3_600_000,
    alias: 'key-renew-period',
  }),
  'update-status': flag.bool('Update status.', { default: true }),
  scope: flag.oneOf(['strict', 'namespace-wide', 'cluster-wide'], 'must be one of: strict, …', 'Scope.', {
    default: 'strict',
    empty: 'strict',
  }),
  keys: flag.stringSlice('Key files.'),
  kubeconfig: flag.string('Kubeconfig.', { env: false }),
  v: flag.string('', { short: 'v', hidden: true }),
};

const LENIENT: EnvRules = { prefix: 'APP_', invalid: 'ignore', empty: 'value', order: 'name' };
const STRICT: EnvRules = { prefix: 'APP_', invalid: 'error', empty: 'unset', order: 'table' };

describe('typed options', () => {
  it('derives camelCase options typed from the table', () => {
    const { options } = parseFlags(TABLE, ['--key-size=2048', '--scope', 'cluster-wide']);
    expectTypeOf(options).toEqualTypeOf<Options<typeof TABLE>>();
    expectTypeOf(options.keySize).toEqualTypeOf<number>();
    expectTypeOf(options.updateStatus).toEqualTypeOf<boolean>();
    expectTypeOf(options.scope).toEqualTypeOf<'strict' | 'namespace-wide' | 'cluster-wide'>();
    expectTypeOf(options.keys).toEqualTypeOf<readonly string[]>();
    // @ts-expect-error a misspelt flag is a compile error
    void options.keySise;
    expect(options).toMatchObject({ keySize: 2048, scope: 'cluster-wide', updateStatus: true, keys: [] });
  });

  it('gives an empty text the value the type names for it', () => {
    expect(parseFlags(TABLE, ['--scope=']).options.scope).toBe('strict');
    expect(() => parseFlags(TABLE, ['--scope=global'])).toThrow(
      'invalid argument "global" for "--scope" flag: must be one of: strict, …',
    );
  });

  it('classifies errors by code, with the flag and its type', () => {
    try {
      parseFlags(TABLE, ['--key-size', 'x']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FlagError);
      expect(error).toMatchObject({ code: 'BAD_VALUE', flag: 'key-size', typeName: 'int' });
    }
    expect(() => parseFlags(TABLE, ['--nope'])).toThrow(expect.objectContaining({ code: 'UNKNOWN_FLAG' }));
    expect(() => parseFlags(TABLE, ['--key-size'])).toThrow(
      expect.objectContaining({ code: 'MISSING_ARGUMENT' }),
    );
  });
});

describe('environment defaults', () => {
  it('applies them under the command line, and records where each value came from', () => {
    const env = { APP_KEY_SIZE: '3072', APP_UPDATE_STATUS: 'false' };
    const fromEnv = parseFlags(TABLE, [], env, LENIENT);
    expect(fromEnv.options).toMatchObject({ keySize: 3072, updateStatus: false });
    expect(fromEnv.sources).toMatchObject({ 'key-size': 'environment', 'update-status': 'environment' });
    const both = parseFlags(TABLE, ['--key-size=2048'], env, LENIENT);
    expect(both.options.keySize).toBe(2048);
    expect(both.sources['key-size']).toBe('command-line');
    expect(both.sources.scope).toBe('default');
  });

  it('ignores or refuses a bad value, and an empty one, as the rules say', () => {
    expect(parseFlags(TABLE, [], { APP_KEY_SIZE: 'x' }, LENIENT).options.keySize).toBe(4096);
    expect(() => parseFlags(TABLE, [], { APP_KEY_SIZE: 'x' }, STRICT)).toThrow(
      'invalid argument "x" for "--key-size" flag: strconv.ParseInt: parsing "x": invalid syntax',
    );
    expect(parseFlags(TABLE, [], { APP_SCOPE: '' }, STRICT).sources.scope).toBe('default');
    expect(parseFlags(TABLE, [], { APP_SCOPE: '' }, LENIENT).sources.scope).toBe('environment');
  });

  it('skips flags marked env: false', () => {
    expect(parseFlags(TABLE, [], { APP_KUBECONFIG: '/x', APP_V: '9' }, LENIENT).options).toMatchObject({
      kubeconfig: '',
      v: '9',
    });
  });

  it('applies aliases in name order, so the later name wins; the command line beats both', () => {
    const env = { APP_KEY_RENEW_PERIOD: '1h', APP_ROTATE_PERIOD: '2h' };
    expect(parseFlags(TABLE, [], env, LENIENT).options.keyRenewPeriod).toBe(2 * 3_600_000);
    expect(parseFlags(TABLE, ['--key-renew-period=3h'], env, LENIENT).options.keyRenewPeriod).toBe(
      3 * 3_600_000,
    );
    expect(parseFlags(TABLE, ['--rotate-period=0'], {}, LENIENT).options.keyRenewPeriod).toBe(0);
  });

  it('lets a command-line list replace the environment list, and repeats add up', () => {
    const env = { APP_KEYS: 'a,b' };
    expect(parseFlags(TABLE, [], env, STRICT).options.keys).toEqual(['a', 'b']);
    expect(parseFlags(TABLE, ['--keys', 'c', '--keys=d,e'], env, STRICT).options.keys).toEqual([
      'c',
      'd',
      'e',
    ]);
  });
});

describe('usage', () => {
  it('hides hidden flags and shows non-zero defaults in Go syntax', () => {
    const usage = flagUsages(TABLE);
    expect(usage).not.toContain('-v,');
    expect(usage).toContain('      --key-renew-period duration   Renewal period. (default 720h0m0s)\n');
    expect(usage).toMatch(/^ {6}--scope string {16}Scope\. \(default "strict"\)$/m);
    expect(usage).toMatch(/^ {6}--keys strings {16}Key files\.$/m);
  });
});
