// The parts of the YAML library the bounded reader uses, behind a static re-export so that bundlers (esbuild for
// kubeseal) give a lazily imported chunk named exports rather than a CommonJS default.
export { Composer, CST, Lexer, Parser, visit } from 'yaml';
