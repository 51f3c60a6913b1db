import type { RunContext } from '../context.js';

/** Compat §6.3 step 10: the certificate bytes exactly as fetched. */
export async function runFetchCert(ctx: RunContext): Promise<void> {
  ctx.output.write(await ctx.certificateBytes());
}
