import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { flag } from './flag.js';
import { readCsvRecord } from './go-csv.js';
import { formatGoDuration, parseGoDurationOrThrow } from './go-duration.js';
import { goQuote, parseGoBoolOrThrow, parseGoFloat32, parseGoInt } from './go-strconv.js';
import { FlagError, parseFlags } from './parse.js';
import { flagUsages } from './usage.js';

// Expectations generated once by Go itself (testdata/generate.mjs: strconv, time, encoding/csv, spf13/pflag
// v1.0.10); never by this code.

interface Result {
  value?: unknown;
  error?: string;
}
interface Parsed {
  error?: string;
  help?: boolean;
  values?: Record<string, unknown>;
  changed?: string[];
  args: string[];
  argsLenAtDash: number;
}
const { cases, go } = JSON.parse(
  readFileSync(new URL('../testdata/go-expected.json', import.meta.url), 'utf8'),
) as {
  cases: Record<'bool' | 'int' | 'float32' | 'duration' | 'quote' | 'csv', string[]> & {
    durationString: number[];
    parse: string[][];
  };
  go: Record<'bool' | 'int' | 'float32' | 'duration' | 'csv', Result[]> & {
    durationString: string[];
    quote: string[];
    parse: Parsed[];
    usage: string;
  };
};

function outcome(parse: () => unknown): Result {
  try {
    return { value: parse() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const pairs = <T, U>(inputs: T[], outputs: U[]): [T, U][] =>
  inputs.map((input, i) => [input, outputs[i] as U]);

describe('Go value syntax, against Go', () => {
  it.each(pairs(cases.bool, go.bool))('ParseBool(%j)', (text, expected) => {
    expect(outcome(() => parseGoBoolOrThrow(text))).toEqual(expected);
  });

  it.each(pairs(cases.int, go.int))('ParseInt(%j, 0, 64)', (text, expected) => {
    const ours = outcome(() => parseGoInt(text));
    if (typeof expected.value === 'number' && !Number.isSafeInteger(expected.value)) {
      // Deliberate: integers beyond 2^53 cannot be held exactly, so they are out of range here.
      expect(ours.error).toBe(`strconv.ParseInt: parsing ${goQuote(text)}: value out of range`);
    } else {
      expect(ours).toEqual(expected);
    }
  });

  it.each(pairs(cases.float32, go.float32))('ParseFloat(%j, 32)', (text, expected) => {
    const ours = outcome(() => parseGoFloat32(text));
    const shown = (v: unknown) =>
      typeof v === 'number' && !Number.isFinite(v) ? (Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf') : v;
    expect({ ...ours, ...(ours.value !== undefined && { value: shown(ours.value) }) }).toEqual(expected);
  });

  it.each(pairs(cases.duration, go.duration))('ParseDuration(%j)', (text, expected) => {
    const ours = outcome(() => parseGoDurationOrThrow(text));
    if (expected.error !== undefined) return expect(ours).toEqual(expected);
    expect(ours.error).toBeUndefined();
    const nanoseconds = (ours.value as number) * 1e6;
    expect(Math.abs(nanoseconds - (expected.value as number))).toBeLessThanOrEqual(
      Math.abs(expected.value as number) * 1e-12 + 1e-6,
    );
  });

  it.each(pairs(cases.durationString, go.durationString))('Duration(%d ns).String()', (ns, expected) => {
    expect(formatGoDuration(ns / 1e6)).toBe(expected);
  });

  it.each(pairs(cases.quote, go.quote))('Quote(%j)', (text, expected) => {
    expect(goQuote(text)).toBe(expected);
  });

  it.each(pairs(cases.csv, go.csv))('csv Read(%j)', (text, expected) => {
    expect(outcome(() => readCsvRecord(text))).toEqual(expected);
  });
});

/** The flag set of go-oracle/main.go, in our table form. */
const TABLE = {
  raw: flag.bool('Encrypt one value'),
  all: flag.bool('All of them', { short: 'a' }),
  brief: flag.bool('Briefly', { short: 'b' }),
  're-encrypt': flag.bool('Re-encrypt'),
  rotate: flag.bool('Deprecated alias of --re-encrypt', { alias: 're-encrypt' }),
  format: flag.string('Output format', { short: 'o', default: 'json' }),
  cert: flag.string('Certificate `path` or URL'),
  size: flag.int('Key size', { short: 's', default: 4096 }),
  qps: flag.float32('Queries per second\n(negative: unlimited)', { default: 5 }),
  period: flag.duration('Renewal period', { default: 720 * 3_600_000 }),
  'from-file': flag.stringSlice('Files'),
  'as-group': flag.stringArray('Groups'),
};

describe('pflag, against pflag', () => {
  it.each(pairs(cases.parse, go.parse))('parse %j', (argv, expected) => {
    let result;
    try {
      result = parseFlags(TABLE, argv);
    } catch (error) {
      expect(error).toBeInstanceOf(FlagError);
      return expect((error as Error).message).toBe(expected.error);
    }
    expect(expected.error).toBeUndefined();
    expect(result.helpRequested).toBe(expected.help === true);
    if (expected.help === true) return;
    const args = [...result.args, ...result.afterDash];
    expect(args).toEqual(expected.args);
    expect(expected.argsLenAtDash).toBe(argv.includes('--') ? result.args.length : -1);
    const o = result.options;
    expect({
      raw: o.raw,
      all: o.all,
      brief: o.brief,
      're-encrypt': o.reEncrypt,
      format: o.format,
      cert: o.cert,
      size: o.size,
      qps: o.qps,
      period: Math.round(o.period * 1e6),
      'from-file': o.fromFile,
      'as-group': o.asGroup,
    }).toEqual({
      ...expected.values,
      'from-file': expected.values?.['from-file'] ?? [],
      'as-group': expected.values?.['as-group'] ?? [],
    });
    const changed = Object.entries(result.sources)
      .filter(([, source]) => source === 'command-line')
      .map(([name]) => name)
      .sort();
    expect(changed).toEqual(expected.changed ?? []);
  });

  it('lays the usage out as FlagUsages does', () => {
    expect(flagUsages(TABLE)).toBe(go.usage);
  });
});
