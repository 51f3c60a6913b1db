import { parseScope, sealRawValue } from '@ssts/core';
import type { RunContext } from '../context.js';
import { TTY_NOTICE_RAW } from '../dispatch.js';
import { CliError, describeFsError } from '../errors.js';
import { MAX_INPUT_BYTES, MAX_INPUT_TEXT } from '../io/limits.js';

const NEWLINE_WARNING =
  'warning: the value ends with a newline; use printf or --from-file without a trailing newline if that is not intended';

async function readValue(ctx: RunContext): Promise<Buffer> {
  const [source] = ctx.options.fromFile;
  if (source === undefined) {
    if (ctx.io.stdin.isTTY) ctx.io.stderr.write(`${TTY_NOTICE_RAW}\n`);
    return ctx.io.stdin.readAll(MAX_INPUT_BYTES);
  }
  // kubectl's `[key=]path` syntax; the key is meaningless for a single raw value.
  const eq = source.indexOf('=');
  const path = eq === -1 ? source : source.slice(eq + 1);
  try {
    return await ctx.io.fs.readFile(path, MAX_INPUT_BYTES);
  } catch (error) {
    throw new CliError('INPUT', describeFsError('open', path, error), { cause: error });
  }
}

/** Compat §6.6: encrypt one value and print only its base64 ciphertext, without a trailing newline. */
export async function runRaw(ctx: RunContext): Promise<void> {
  const cert = await ctx.certificate();
  const scope = parseScope(ctx.options.scope);
  let namespace = '';
  if (scope !== 'cluster-wide') {
    namespace = (await ctx.namespace()).namespace;
    if (namespace === '') {
      throw new CliError(
        'INVALID_ARGUMENT',
        `must provide the --namespace flag with --raw and --scope ${scope}`,
      );
    }
    if (scope === 'strict' && ctx.options.name === '') {
      throw new CliError('INVALID_ARGUMENT', 'must provide the --name flag with --raw and --scope strict');
    }
  }
  if (ctx.options.fromFile.length > 1) {
    throw new CliError(
      'INVALID_ARGUMENT',
      'must provide only one --from-file when encrypting a single item with --raw',
    );
  }
  const value = await readValue(ctx);
  if (value.length > MAX_INPUT_BYTES)
    throw new CliError('INPUT', `the value is larger than ${MAX_INPUT_TEXT}`);
  if (value.at(-1) === 0x0a) ctx.io.stderr.write(`${NEWLINE_WARNING}\n`);
  ctx.output.write(sealRawValue(cert.publicKey, value, { namespace, name: ctx.options.name, scope }));
}
