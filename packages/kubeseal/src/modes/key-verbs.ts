// `kubeseal keys` and `kubeseal reencrypt` (issue 14): main.ts loads this module instead of run-mode.ts for them,
// so they do not load the sealing modes, and the sealing verbs do not load these.
import type { RunContext } from '../context.js';
import type { Mode } from '../dispatch.js';
import { CliError } from '../errors.js';
import type { OutputStream } from '../io/io.js';
import { fetchKeyInventory, renderKeyInventory } from '../keys/inventory.js';
import { reencryptCluster } from '../keys/reencrypt.js';
import type { DocumentReencryptor } from '../keys/reencrypt-files.js';

export { RunContext } from '../context.js';

export async function runMode(ctx: RunContext, mode: Mode): Promise<void> {
  if (mode.kind === 'keys') return runKeys(ctx, mode.output);
  if (mode.kind === 'reencrypt') return runReencrypt(ctx, mode);
  throw new Error(`key-verbs: unexpected mode ${mode.kind}`);
}

async function runKeys(ctx: RunContext, output: 'table' | 'json'): Promise<void> {
  const inventory = await fetchKeyInventory(await ctx.controller());
  ctx.output.write(renderKeyInventory(inventory, output === 'json' ? 'json' : 'text'));
}

/** Only printable ASCII of names that came from files or the API server. */
const printable = (text: string): string => text.replace(/[^\x20-\x7e]/g, '?');

const BAR_WIDTH = 30;
const LABEL_WIDTH = 40;

/**
 * A progress bar on stderr, redrawn in place (`\r`), only when stderr is a terminal: a log or a pipe gets no
 * control characters. `end()` moves past the bar.
 */
export function progressBar(stderr: OutputStream): {
  update(done: number, total: number, label: string): void;
  end(): void;
} {
  let drawn = false;
  return {
    update(done, total, label) {
      if (!stderr.isTTY) return;
      const filled = total === 0 ? BAR_WIDTH : Math.round((done / total) * BAR_WIDTH);
      const shown = printable(label);
      const cut = shown.length > LABEL_WIDTH ? `…${shown.slice(-(LABEL_WIDTH - 1))}` : shown;
      stderr.write(
        `\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${done}/${total} ${cut}`,
      );
      drawn = true;
    },
    end() {
      if (drawn) stderr.write('\n');
      drawn = false;
    },
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

type ReencryptMode = Extract<Mode, { kind: 'reencrypt' }>;

/** A dry run's line for one SealedSecret: where it is, and from which key to which. */
const changeLine = (where: string, object: string, from: readonly string[], to: string, items?: number) =>
  `${printable(where)}${printable(object)}${items === undefined ? '' : ` (${plural(items, 'item')})`}: ` +
  `${from.map(printable).join(', ')} -> ${printable(to)}\n`;

async function runReencrypt(ctx: RunContext, mode: ReencryptMode): Promise<void> {
  const bar = progressBar(ctx.io.stderr);
  const { paths, namespace, dryRun } = mode;
  let failures: readonly { readonly name: string; readonly error: string }[];
  if (paths.length === 0) {
    const controller = await ctx.controller();
    const { apiClient } = await import('../cluster/connect.js');
    const api = await apiClient(ctx.io.fs, ctx.options, ctx.env);
    const result = await reencryptCluster(api, controller, {
      ...(namespace !== undefined && { namespace }),
      dryRun,
      all: mode.all,
      onProgress: (p) => bar.update(p.done, p.total, p.object),
    }).finally(() => bar.end());
    failures = result.failed.map((f) => ({ name: f.object, error: f.error }));
    if (dryRun) {
      result.reencrypted.forEach((object, i) =>
        ctx.output.write(changeLine('', object, result.from[i] ?? [], result.sealing ?? 'the newest key')),
      );
      ctx.output.write(
        `Would re-encrypt ${plural(result.reencrypted.length, 'SealedSecret')}, ` +
          `${result.current.length} already on the sealing key; nothing was changed.\n`,
      );
    } else {
      ctx.output.write(
        `Re-encrypted ${plural(result.reencrypted.length, 'SealedSecret')}, ` +
          `${result.current.length} already on the sealing key, ${result.failed.length} failed.\n`,
      );
      ctx.output.write(
        result.inventory === undefined
          ? 'The controller does not serve /v1/keys (the Go controller): it cannot say which old keys are free.\n'
          : `\n${renderKeyInventory(result.inventory, 'text')}`,
      );
    }
  } else {
    const { reencryptFiles } = await import('../keys/reencrypt-files.js');
    const files = await manifestFiles(paths);
    const reencryptor = await documentReencryptor(ctx, mode);
    const result = await reencryptFiles(ctx.io.fs, files, reencryptor, {
      dryRun,
      sealHints: ctx.options.sealHints,
      onProgress: (p) => bar.update(p.done, p.total, p.file),
    }).finally(() => bar.end());
    failures = result.failed.map((f) => ({ name: f.file, error: f.error }));
    const sealedSecrets = result.changes.length;
    if (dryRun) {
      for (const c of result.changes)
        ctx.output.write(changeLine(`${c.file}: document ${c.document}: `, c.object, c.from, c.to, c.items));
      ctx.output.write(
        `Would re-encrypt ${plural(sealedSecrets, 'SealedSecret')} in ${plural(result.reencrypted.length, 'file')}, ` +
          `${result.current} already on the newest key, ${result.failed.length} failed; nothing was written.\n`,
      );
    } else {
      ctx.output.write(
        `Re-encrypted ${plural(sealedSecrets, 'SealedSecret')} in ${plural(result.reencrypted.length, 'file')}, ` +
          `${result.current} already on the newest key, ` +
          `${plural(result.untouched.length, 'file')} without SealedSecrets, ${result.failed.length} failed.\n` +
          (mode.recoveryKeys.length > 0
            ? ''
            : "Once they are applied, 'kubeseal keys' says which old keys no SealedSecret needs any more.\n"),
      );
    }
  }
  for (const failure of failures)
    ctx.io.stderr.write(`failed: ${printable(failure.name)}: ${printable(failure.error)}\n`);
  if (failures.length > 0) {
    const what = plural(failures.length, paths.length === 0 ? 'SealedSecret' : 'file');
    throw new CliError(
      'CLUSTER',
      dryRun ? `${what} could not be checked` : `${what} could not be re-encrypted (run again to retry them)`,
    );
  }
}

/**
 * Online: the controller (/v1/rotate), its current certificate naming the target key. Offline: the backed-up
 * private keys and --cert.
 */
async function documentReencryptor(ctx: RunContext, mode: ReencryptMode): Promise<DocumentReencryptor> {
  const cert = await ctx.certificate();
  if (mode.recoveryKeys.length === 0) {
    const { publicKeyFingerprint } = await import('@ssts/core');
    const { onlineReencryptor } = await import('../keys/reencrypt-online.js');
    return onlineReencryptor(await ctx.controller(), publicKeyFingerprint(cert.publicKey), {
      all: mode.all,
    });
  }
  const { readRecoveryKeys } = await import('./recovery-keys.js');
  const { offlineReencryptor } = await import('../keys/reencrypt-offline.js');
  return offlineReencryptor(await readRecoveryKeys(ctx.io.fs, mode.recoveryKeys), cert.publicKey);
}

/** Most files one reencrypt run looks at. */
const MAX_REENCRYPT_FILES = 10_000;

/**
 * Each path: a directory's manifest files or the file itself, each file once: the same walk as `kubeseal check`
 * (io/manifest-files.ts), so both look at the same files. A writer stops at the first path it cannot search.
 */
async function manifestFiles(paths: readonly string[]): Promise<readonly string[]> {
  const { listManifestTree } = await import('../io/manifest-files.js');
  const { files, problems } = await listManifestTree(paths, { maxFiles: MAX_REENCRYPT_FILES });
  const problem = problems[0];
  if (problem === undefined) return files;
  // A path named on the command line in Go's words (`stat PATH: no such file or directory`); one found in a tree
  // names what stopped the walk there.
  const what = paths.includes(problem.path) ? 'stat' : 'cannot re-encrypt under';
  throw new CliError('INPUT', `${what} ${problem.path}: ${problem.reason}`);
}
