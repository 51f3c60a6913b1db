// The entry points of `yaml` that kubeseal uses. Callers load this module with `import()`, never `yaml` itself:
// `yaml` is CommonJS for Node, and the bundle (scripts/bundle.mjs) keeps the named exports of a lazily loaded
// CommonJS package only behind an ES module of our own (esbuild would expose them on `default` only).
import {
  parseAllDocuments as parseAllDocumentsOf,
  parseDocument as parseDocumentOf,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';

export { isAlias, isMap, isPair, isScalar, isSeq, stringify } from 'yaml';

type Options = ParseOptions & DocumentOptions & SchemaOptions;

/**
 * What every parse of kubeseal's sets (a caller's options come on top): no code frame in error messages and no
 * process warnings, as both quote the input, which may be a plain Secret (yamlErrorText of @ssts/flags gives the
 * position instead).
 */
const QUIET = { prettyErrors: false, logLevel: 'error' } as const;

export const parseAllDocuments = (source: string, options: Options = {}) =>
  parseAllDocumentsOf(source, { ...QUIET, ...options });

export const parseDocument = (source: string, options: Options = {}) =>
  parseDocumentOf(source, { ...QUIET, ...options });
