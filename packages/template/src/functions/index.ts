import { BUILTINS } from './builtins.js';
import { DATES } from './dates.js';
import { DEFAULTS } from './defaults.js';
import { DICTS } from './dicts.js';
import { ENCODING, HASHES } from './encoding.js';
import { LIST_FUNCTIONS } from './lists.js';
import { MATH } from './math.js';
import { PATHS } from './paths.js';
import { RANDOM } from './random.js';
import { REFLECTION } from './reflection.js';
import { REGEX } from './regex.js';
import { SEMVER } from './semver.js';
import { REMOVED_BY_UPSTREAM, SPRIG_GENERIC_NAMES } from './sprig-names.js';
import { STRINGS } from './strings.js';
import { URLS } from './urls.js';
import type { FuncDef } from './types.js';

export {
  PARAM_TYPE_NAMES,
  type CallContext,
  type Environment,
  type FuncDef,
  type ParamType,
} from './types.js';

/** sprig's functions by category (the modules of this directory); later ones do not override earlier ones. */
const SPRIG: readonly Readonly<Record<string, FuncDef>>[] = [
  STRINGS,
  DEFAULTS,
  ENCODING,
  HASHES,
  LIST_FUNCTIONS,
  DICTS,
  MATH,
  REFLECTION,
  REGEX,
  RANDOM,
  SEMVER,
  DATES,
  PATHS,
  URLS,
];

/** Every function a template may call: text/template's builtins, then sprig's (whose `slice` replaces Go's). */
export const FUNCTIONS: ReadonlyMap<string, FuncDef> = new Map([
  ...Object.entries(BUILTINS),
  ...SPRIG.flatMap((table) => Object.entries(table)),
]);

export const BUILTIN_NAMES: ReadonlySet<string> = new Set(Object.keys(BUILTINS));

/** sprig functions the Go controller has and this engine does not (README.md, "Functions"). */
export const UNSUPPORTED_SPRIG: ReadonlySet<string> = new Set(
  SPRIG_GENERIC_NAMES.filter((name) => !FUNCTIONS.has(name) && !REMOVED_BY_UPSTREAM.has(name)),
);

/** The suffix for `function "x" not defined`, explaining a gap relative to the Go controller. */
export function undefinedFunctionHint(name: string): string {
  if (UNSUPPORTED_SPRIG.has(name)) return ' (sprig function not supported by this controller)';
  if (name === 'call') return ' (not supported by this controller)';
  return '';
}
