import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanMachine, offlineChecks } from './clean-machine.js';

const SEA = fileURLToPath(new URL('../../scripts/sea.mjs', import.meta.url));

// The linux-x64 single executable that scripts/sea.mjs builds (Node 24 with kubeseal's start-up snapshot), run
// with a PATH that holds nothing but an empty directory: no `node`, no repository.
describe('the single executable (scripts/sea.mjs)', () => {
  const machine = new CleanMachine();
  const executable = machine.path('bin', 'kubeseal');
  const emptyPath = machine.path('empty');

  beforeAll(() => {
    mkdirSync(emptyPath);
    // The first build on a machine fetches the Node 24 binary from the npm registry (~50 MB) into ~/.cache.
    execFileSync(process.execPath, [SEA, '--out', executable], { stdio: 'pipe' });
  }, 600_000);
  afterAll(() => machine.dispose());

  offlineChecks((args, input) => machine.run(executable, args, emptyPath, input));

  it('says why a kubeconfig that needs @kubernetes/client-node cannot be used', () => {
    const r = machine.run(executable, ['--fetch-cert', '--kubeconfig', machine.execKubeconfig], emptyPath);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^error: .*this command needs @kubernetes\/client-node, which the kubeseal single executable does not include; install the npm package/,
    );
  });
});
