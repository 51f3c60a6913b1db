// Builds one single executable for linux-x64 with Node's single-executable-application support: a SEA blob made
// by `node --experimental-sea-config` from `main` (with `useSnapshot`, main is run at build time and its heap taken
// as the start-up snapshot), injected with postject into a copy of the Node binary (stripped of its debug symbols
// first, if `strip` is installed: the official binaries carry ~18 MB). Used by sea.mjs (kubeseal) and by
// startup-floor/measure.mjs (the minimal executables it compares kubeseal with).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The sentinel that Node's binaries carry to tell an injected blob is present (the same in Node 20 and 24). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT_CLI = fileURLToPath(new URL('cli.js', import.meta.resolve('postject')));

/**
 * Writes the executable to `out` (a path in a directory of the caller's; the caller moves it into place).
 * `env` is the environment of the blob's build (the snapshot's warm-up); `execArgv` the Node options the
 * executable starts with. Throws with the tool's output when a step fails.
 */
export function buildSingleExecutable({
  node,
  main,
  out,
  useSnapshot = true,
  execArgv = [],
  env = {},
  strip = true,
}) {
  const work = mkdtempSync(join(tmpdir(), 'sea-build-'));
  try {
    const blob = join(work, 'sea-prep.blob');
    const config = join(work, 'sea-config.json');
    writeFileSync(
      config,
      JSON.stringify({
        main,
        output: blob,
        useSnapshot,
        disableExperimentalSEAWarning: true,
        ...(execArgv.length > 0 ? { execArgv } : {}),
      }),
    );
    const prep = spawnSync(node, ['--experimental-sea-config', config], {
      cwd: work,
      env: { ...process.env, ...env },
      encoding: 'utf8',
    });
    if (prep.status !== 0)
      throw new Error(`building the SEA blob of ${main} failed:\n${prep.stdout}${prep.stderr}`);
    copyFileSync(node, out);
    chmodSync(out, 0o755);
    if (strip && spawnSync('strip', ['--version']).status === 0) execFileSync('strip', [out]);
    // postject's CLI in a child process: its ELF library prints harmless section-name warnings on stderr, shown
    // only when the injection fails.
    const injected = spawnSync(
      process.execPath,
      [POSTJECT_CLI, out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE],
      { encoding: 'utf8' },
    );
    if (injected.status !== 0) throw new Error(`postject failed:\n${injected.stdout}${injected.stderr}`);
    return out;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
