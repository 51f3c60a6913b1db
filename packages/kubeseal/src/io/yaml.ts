// The entry points of `yaml` that kubeseal uses. Callers load this module with `import()`, never `yaml` itself:
// `yaml` is CommonJS for Node, and the bundle (scripts/bundle.mjs) keeps the named exports of a lazily loaded
// CommonJS package only behind an ES module of our own (esbuild would expose them on `default` only).
export { isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument } from 'yaml';
