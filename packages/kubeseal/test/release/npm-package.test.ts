import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CleanMachine, offlineChecks } from './clean-machine.js';

const PACK = fileURLToPath(new URL('../../scripts/pack.mjs', import.meta.url));

// `npm install -g` of the tarball that scripts/pack.mjs makes, into an empty prefix, then the installed `kubeseal`
// run the way a user's shell would: found on PATH, from a directory outside the repository, with an empty HOME.
describe('the npm package (scripts/pack.mjs), installed with npm install -g', () => {
  const machine = new CleanMachine();
  const prefix = machine.path('prefix');
  // The installed bin and the `node` its shebang asks for; nothing of the repository.
  const userPath = `${join(prefix, 'bin')}:${dirname(process.execPath)}`;

  beforeAll(() => {
    const packed = execFileSync(process.execPath, [PACK, '--out', machine.path('release')], {
      encoding: 'utf8',
    });
    const tarball = packed.trim().split('\n').pop() ?? '';
    // --offline: once the optional client-node is omitted, the package has no registry dependency left to fetch.
    execFileSync(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        tarball,
        '--omit=optional',
        '--offline',
        '--no-audit',
        '--no-fund',
      ],
      { cwd: machine.cwd, env: { PATH: process.env.PATH, HOME: machine.home }, stdio: 'pipe' },
    );
  }, 180_000);
  afterAll(() => machine.dispose());

  it('declares no dependency but the optional @kubernetes/client-node', () => {
    const manifest = JSON.parse(
      readFileSync(join(prefix, 'lib', 'node_modules', '@ssts', 'kubeseal', 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(Object.keys(manifest.optionalDependencies as object)).toStrictEqual(['@kubernetes/client-node']);
    expect(manifest.bin).toStrictEqual({ kubeseal: './bin/kubeseal.js' });
  });

  offlineChecks((args, input) => machine.run('kubeseal', args, userPath, input));

  it('names the missing package when a kubeconfig needs the omitted @kubernetes/client-node', () => {
    const r = machine.run('kubeseal', ['--fetch-cert', '--kubeconfig', machine.execKubeconfig], userPath);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*Cannot find package '@kubernetes\/client-node'/);
  });
});
