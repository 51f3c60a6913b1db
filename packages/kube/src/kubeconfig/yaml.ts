// Loaded with import() only when a kubeconfig file is read, so programs that never read one (kubeseal offline)
// do not pay for `yaml`. Kept behind a module of our own for the kubeseal bundle (named exports of a lazily
// loaded CommonJS package survive bundling only this way).
export { parse } from 'yaml';
