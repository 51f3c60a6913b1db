// `kubeseal keys` (issue 14): main.ts loads this module instead of run-mode.ts for it, so it does not load the
// sealing modes, and the sealing verbs do not load it.
import type { RunContext } from '../context.js';
import type { Mode } from '../dispatch.js';
import { fetchKeyInventory, renderKeyInventory } from '../keys/inventory.js';

export { RunContext } from '../context.js';

export async function runMode(ctx: RunContext, mode: Mode): Promise<void> {
  if (mode.kind === 'keys') return runKeys(ctx, mode.output);
  throw new Error(`key-verbs: unexpected mode ${mode.kind}`);
}

async function runKeys(ctx: RunContext, output: 'table' | 'json'): Promise<void> {
  const inventory = await fetchKeyInventory(await ctx.controller());
  ctx.output.write(renderKeyInventory(inventory, output === 'json' ? 'json' : 'text'));
}
