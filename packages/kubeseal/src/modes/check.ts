// `kubeseal check [PATH...]`: a guard against plain Secrets in a repository (issue 15). Every finding is a
// `file:line: reason` line on stdout (the format of compilers and linters, which editors and CI annotate); a file
// that cannot be read is a `file: not checked: reason` line on stderr. Either makes the exit code 1: a guard that
// quietly passes a file it could not read would let a Secret through.
import { checkText, type FileReport } from '../check/check-file.js';
import { printableName } from '../check/plain-secrets.js';
import type { RunContext } from '../context.js';
import { CliError } from '../errors.js';
import { MAX_INPUT_BYTES } from '../io/limits.js';
import { listManifestTree, reasonOf } from '../io/manifest-files.js';

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** A path as printed: control characters (a newline in a file name) cannot forge another line. */
const shown = (path: string): string => printableName(path, 4096);

async function checkFile(ctx: RunContext, path: string): Promise<FileReport> {
  let bytes;
  try {
    bytes = await ctx.io.fs.readFile(path, MAX_INPUT_BYTES);
  } catch (error) {
    return { kind: 'not-checked', reason: reasonOf(error) };
  }
  return checkText(bytes);
}

export async function runCheck(ctx: RunContext, paths: readonly string[]): Promise<void> {
  const { io } = ctx;
  const tree = await listManifestTree(paths.length === 0 ? ['.'] : paths);
  let notChecked = tree.problems.length;
  for (const { path, reason } of tree.problems) io.stderr.write(`${shown(path)}: not checked: ${reason}\n`);
  let secrets = 0;
  const kinds = new Set<string>();
  let filesWithSecrets = 0;
  for (const path of tree.files) {
    const report = await checkFile(ctx, path);
    if (report.kind === 'not-checked') {
      notChecked++;
      io.stderr.write(`${shown(path)}: not checked: ${report.reason}\n`);
      continue;
    }
    if (report.findings.length > 0) filesWithSecrets++;
    for (const { kind, line, reason } of report.findings) {
      secrets++;
      kinds.add(kind);
      io.stdout.write(`${shown(path)}:${line}: ${reason}\n`);
    }
  }
  const checked = tree.files.length - (notChecked - tree.problems.length);
  if (secrets === 0 && notChecked === 0) {
    io.stderr.write(`checked ${count(checked, 'file')}: no plain Secret\n`);
    return;
  }
  const parts = [
    ...(secrets > 0
      ? [`${count(secrets, 'plain Secret')} in ${filesWithSecrets} of ${count(checked, 'file')} checked`]
      : []),
    ...(notChecked > 0 ? [`${count(notChecked, 'path')} not checked`] : []),
  ];
  const hints = [
    ...(kinds.has('secret')
      ? [
          'hint: seal each Secret (kubeseal seal -f secret.yaml -w sealed.yaml) and commit only the SealedSecret',
        ]
      : []),
    ...(kinds.has('generator')
      ? ['hint: seal what a secretGenerator makes, and list the SealedSecret under resources instead']
      : []),
    ...(notChecked > 0
      ? ['hint: a file that cannot be read as YAML or JSON may hide a Secret: fix or exclude it']
      : []),
  ];
  throw new CliError('CHECK', parts.join('; '), { hints });
}
