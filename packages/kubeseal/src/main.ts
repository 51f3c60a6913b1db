import type { Env } from '@ssts/kube/kubeconfig';
import { dispatch, runsOffline, type Plan } from './dispatch.js';
import { CliError } from './errors.js';
import { formatUsage } from './flags.js';
import type { Io } from './io/io.js';
import { MAX_INPUT_BYTES } from './io/limits.js';
import { parseCommandLine, type CliOptions } from './program.js';
import { isVerb } from './verbs.js';
import { VERSION } from './version.js';

export type { Io } from './io/io.js';

const PROGRAM = 'kubeseal';

function reportError(io: Io, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  // Upstream prints multi-line errors (one line per distinct unseal failure); we prefix every line.
  for (const line of message.split('\n')) io.stderr.write(`error: ${line}\n`);
  if (error instanceof CliError) for (const hint of error.hints) io.stderr.write(`${hint}\n`);
}

/** What the launcher may do at points of the run (the single executable's start-up tuning). */
export interface RunHooks {
  /** Called once the command line is known to run offline (`runsOffline`), before the mode is loaded. */
  readonly beforeOfflineRun?: () => void;
}

/**
 * Runs kubeseal with `argv` (without the program name) and returns the exit code: 0 success, 1 error (printed as
 * `error: …` on stderr), 2 bad command line (usage on stdout). Never calls process.exit.
 */
export async function run(argv: readonly string[], io: Io, env: Env, hooks: RunHooks = {}): Promise<number> {
  const terminal = { stdinIsTTY: io.stdin.isTTY, stderrIsTTY: io.stderr.isTTY };
  // Only a first word that is a verb leaves upstream's command line (anything else runs exactly as before).
  if (isVerb(argv[0])) {
    const { parseVerb } = await import('./verb-program.js');
    let call;
    try {
      call = parseVerb(argv, env, terminal);
    } catch (error) {
      reportError(io, error);
      return 1;
    }
    switch (call.kind) {
      case 'usage-error':
        io.stdout.write(call.help);
        io.stderr.write(`${call.message}\n`);
        return 2;
      case 'print':
        io.stdout.write(call.text);
        return 0;
      case 'run':
        return execute(call.options, () => call.plan, io, env, hooks);
    }
  }
  const parsed = parseCommandLine(argv, env);
  if (parsed.kind === 'usage-error') {
    io.stdout.write(formatUsage(PROGRAM));
    io.stderr.write(`${parsed.message}\n`);
    return 2;
  }
  return execute(parsed.options, () => dispatch(parsed.options, terminal), io, env, hooks);
}

async function execute(
  options: CliOptions,
  planOf: () => Plan,
  io: Io,
  env: Env,
  hooks: RunHooks,
): Promise<number> {
  try {
    const plan = planOf();
    if (plan.mode.kind === 'version') {
      io.stdout.write(`${PROGRAM} version: ${VERSION}\n`);
      return 0;
    }
    if (plan.mode.kind === 'help') {
      io.stdout.write(formatUsage(PROGRAM));
      return 0;
    }
    if (hooks.beforeOfflineRun !== undefined && runsOffline(plan, options)) hooks.beforeOfflineRun();
    let fileInput: Buffer | undefined;
    if (plan.input.kind === 'file') {
      try {
        fileInput = await io.fs.readFile(plan.input.path, MAX_INPUT_BYTES);
      } catch (error) {
        throw new CliError('INPUT', 'Could not read file specified with --secret-file', { cause: error });
      }
    }
    for (const notice of plan.notices) io.stderr.write(`${notice}\n`);
    // Loaded here, not at start-up, so --version/--help/usage errors do not load the modes and the core.
    // The key verbs have a module of their own: `kubeseal keys` does not load the sealing modes, nor they it.
    const { RunContext, runMode } =
      plan.mode.kind === 'keys' || plan.mode.kind === 'reencrypt'
        ? await import('./modes/key-verbs.js')
        : await import('./modes/run-mode.js');
    const ctx = new RunContext({ options, plan, io, env, fileInput });
    await runMode(ctx, plan.mode);
    await ctx.output.commit();
    return 0;
  } catch (error) {
    // CliError and the core's SealedSecretsError carry user-facing one-line messages; anything else is a bug or a
    // foreign error, still reported as `error: <message>` like upstream does.
    reportError(io, error);
    return 1;
  }
}
