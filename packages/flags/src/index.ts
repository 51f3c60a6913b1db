export {
  camelCase,
  flag,
  type CamelCase,
  type Completion,
  type FlagDef,
  type FlagName,
  type FlagOptions,
  type FlagTable,
  type Options,
  type ValueType,
} from './flag.js';
export { readCsvRecord } from './go-csv.js';
export {
  formatGoDuration,
  formatGoDurationNs,
  parseGoDuration,
  parseGoDurationNs,
  parseGoDurationOrThrow,
} from './go-duration.js';
export {
  GoSyntaxError,
  goQuote,
  goQuoteRune,
  parseGoBool,
  parseGoFloat32,
  parseGoInt,
  underscoresAllowed,
} from './go-strconv.js';
export {
  FlagError,
  envVariable,
  parseFlags,
  type Env,
  type EnvRules,
  type FlagErrorCode,
  type ParseResult,
  type Source,
} from './parse.js';
export { flagUsages } from './usage.js';
export {
  commandHelp,
  resolveCommand,
  type ArgDef,
  type CommandDef,
  type ResolvedCommand,
} from './command.js';
export { SHELLS, completionScript, type Shell } from './completion.js';
export { yamlErrorText, type YamlErrorLike } from './yaml-error-text.js';
