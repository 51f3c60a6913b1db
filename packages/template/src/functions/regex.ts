import { FuncError } from '../engine/errors.js';
import { LIMITS } from '../engine/limits.js';
import * as regexp from '../go/regexp.js';
import { checkSize, str, stringList, type CallContext, type FuncDef, type FuncTable } from './types.js';

/**
 * sprig's regular expressions, with Go's RE2 semantics and linear-time matching (go/regexp.ts on re2js). The
 * plain functions panic on a bad pattern (`regexp: Compile(…): …`), the must variants return the error; both
 * withhold the pattern, which may come from a secret (README.md, "Errors").
 */

function compile(pattern: string, ctx: CallContext, must: boolean): regexp.Regexp {
  try {
    return regexp.compile(pattern, (units) => ctx.charge(units));
  } catch (e) {
    if (e instanceof regexp.RegexpLimitError) throw new FuncError(e.message);
    if (!(e instanceof regexp.RegexpError)) throw e;
    throw new FuncError(
      must ? `${e.message} (pattern withheld)` : `regexp: Compile(<pattern withheld>): ${e.message}`,
    );
  }
}

const charge =
  (ctx: CallContext) =>
  (units: number): void =>
    ctx.charge(units);

function pair(plain: FuncDef, mustCall: FuncDef['call']): [FuncDef, FuncDef] {
  return [plain, { ...plain, call: mustCall }];
}

type Body = (
  re: regexp.Regexp,
  args: string[],
  n: bigint | undefined,
  ctx: CallContext,
) => ReturnType<FuncDef['call']>;

/** A function over (pattern, …strings, [n]) whose must variant only differs in the compile error text. */
function regexFunction(params: FuncDef['params'], body: Body): [FuncDef, FuncDef] {
  const call =
    (must: boolean): FuncDef['call'] =>
    (args, ctx) => {
      const [pattern, ...rest] = args;
      const re = compile(str(pattern), ctx, must);
      const strings = rest.filter((a): a is string => typeof a === 'string');
      const n = rest.find((a): a is bigint => typeof a === 'bigint');
      return body(re, strings, n, ctx);
    };
  return pair({ params, cost: 'self', call: call(false) }, call(true));
}

const [regexMatchPanicking, mustRegexMatch] = regexFunction(['string', 'string'], (re, [s = ''], _n, ctx) => {
  ctx.charge(s.length);
  return regexp.find(re, s, charge(ctx)) !== undefined;
});

/** regexMatch ignores the compile error: a bad pattern matches nothing (sprig's `match, _ := …`). */
const regexMatch: FuncDef = {
  ...regexMatchPanicking,
  call: (args, ctx) => {
    try {
      return regexMatchPanicking.call(args, ctx);
    } catch (e) {
      if (e instanceof FuncError && e.message.startsWith('regexp: Compile(')) return false;
      throw e;
    }
  },
};

const [regexFind, mustRegexFind] = regexFunction(['string', 'string'], (re, [s = ''], _n, ctx) => {
  ctx.charge(s.length);
  const m = regexp.find(re, s, charge(ctx));
  return m === undefined ? '' : s.slice(m[0], m[1]);
});

const [regexFindAll, mustRegexFindAll] = regexFunction(
  ['string', 'string', 'int'],
  (re, [s = ''], n, ctx) => {
    ctx.charge(s.length);
    const count = Number(n ?? -1n);
    const limit = count < 0 || count > LIMITS.maxListItems ? LIMITS.maxListItems + 1 : count;
    const matches = regexp.findAll(re, s, count < 0 ? limit : Math.min(count, limit), charge(ctx));
    const found = matches.map(([start = 0, end = 0]) => s.slice(start, end));
    checkSize(found.reduce((size, f) => size + f.length, 0));
    return stringList(found);
  },
);

const replace =
  (literal: boolean): Body =>
  (re, [s = '', repl = ''], _n, ctx) => {
    ctx.charge(s.length + repl.length);
    try {
      return regexp.replaceAll(
        re,
        s,
        (m) => {
          ctx.charge(repl.length);
          return literal ? repl : regexp.expand(re, repl, s, m);
        },
        charge(ctx),
        LIMITS.maxValueBytes,
      );
    } catch (e) {
      if (e instanceof regexp.RegexpLimitError) throw new FuncError(e.message);
      throw e;
    }
  };

const [regexReplaceAll, mustRegexReplaceAll] = regexFunction(['string', 'string', 'string'], replace(false));
const [regexReplaceAllLiteral, mustRegexReplaceAllLiteral] = regexFunction(
  ['string', 'string', 'string'],
  replace(true),
);

const [regexSplit, mustRegexSplit] = regexFunction(['string', 'string', 'int'], (re, [s = ''], n, ctx) => {
  ctx.charge(s.length);
  const count = Number(n ?? -1n);
  const parts = regexp.split(
    re,
    re.re.pattern(),
    s,
    count > LIMITS.maxListItems ? LIMITS.maxListItems + 1 : count,
    charge(ctx),
  );
  return stringList(parts);
});

export const REGEX: FuncTable = {
  regexMatch,
  mustRegexMatch,
  regexFind,
  mustRegexFind,
  regexFindAll,
  mustRegexFindAll,
  regexReplaceAll,
  mustRegexReplaceAll,
  regexReplaceAllLiteral,
  mustRegexReplaceAllLiteral,
  regexSplit,
  mustRegexSplit,
  regexQuoteMeta: { params: ['string'], call: ([s]) => regexp.quoteMeta(str(s)) },
};
