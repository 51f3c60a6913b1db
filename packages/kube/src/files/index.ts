// `@ssts/kube/files`: writing a file whole (temporary file and rename), importable without the loader or the HTTP
// client. Every program of the repository that replaces a file uses it: kubeseal's `-w` and the files it rewrites,
// the controller's worker bundle under vitest, the e2e harness's state file, the bench report, the single executable.
export { replaceFileSync, writeFileAtomicSync, type AtomicWriteOptions } from './atomic-write.js';
