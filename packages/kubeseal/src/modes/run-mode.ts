import type { RunContext } from '../context.js';
import type { Mode } from '../dispatch.js';
import { runCertShow } from './cert-show.js';
import { runSetItem, runUnsetItem } from './edit-item.js';
import { runFetchCert } from './fetch-cert.js';
import { runMergeInto } from './merge-into.js';
import { runRaw } from './raw.js';
import { runReEncrypt } from './re-encrypt.js';
import { runRecoveryUnseal } from './recovery-unseal.js';
import { runSeal } from './seal.js';
import { runValidate } from './validate.js';

// main.ts imports this module lazily, and it imports every mode statically: the modes are small, and in the bundle
// one chunk loads faster than a chain of small ones. What is large stays behind import(): `yaml`, the Go-template
// engine and the cluster client (src/cluster/, io/cert-fetch.ts).
export { RunContext } from '../context.js';

/** Runs the mode that dispatch chose (compat §6.3 order). */
export async function runMode(ctx: RunContext, mode: Mode): Promise<void> {
  switch (mode.kind) {
    case 'recovery-unseal':
      return runRecoveryUnseal(ctx, mode.keyFiles);
    case 'validate':
      return runValidate(ctx);
    case 're-encrypt':
      return runReEncrypt(ctx);
    case 'fetch-cert':
      return runFetchCert(ctx);
    case 'merge-into':
      return runMergeInto(ctx, mode.file);
    case 'raw':
      return runRaw(ctx);
    case 'seal':
      return runSeal(ctx);
    case 'cert-show':
      return runCertShow(ctx);
    case 'set':
      return runSetItem(ctx, mode);
    case 'unset':
      return runUnsetItem(ctx, mode);
    case 'keys':
    case 'reencrypt':
      // main.ts loads key-verbs.ts directly for these; here only for completeness.
      return (await import('./key-verbs.js')).runMode(ctx, mode);
    case 'check':
      return (await import('./check.js')).runCheck(ctx, mode.paths);
    case 'version':
    case 'help':
      return;
  }
}
