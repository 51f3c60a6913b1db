#!/usr/bin/env node
// `pnpm bench [--node <binary>] [bench flags]`: runs bench/dist/run.js on the Node the controller image ships
// (docker/controller.Dockerfile's node:24 base; the pinned tools/node/NODE24_VERSION), so the controller, the crypto
// ceiling it is judged against and the npm bin of kubeseal are measured on the runtime users get from the image.
// Node 24's OpenSSL 3.5 decrypts RSA-4096 about 2.4x faster than Node 20's OpenSSL 3.0 on a CPU with AVX-512 IFMA
// (bench/README.md), so the runtime is part of every number. `--node <binary>` measures another one (e.g.
// `--node "$(command -v node)"` for the Node 20 an npm install may run on). Exits with the bench's status.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { node24Binary } from '../tools/node/node24.mjs';

const runner = fileURLToPath(new URL('../bench/dist/run.js', import.meta.url));

/** Splits `--node <binary>` / `--node=<binary>` off the arguments; the rest go to the bench unchanged. */
export function splitNodeFlag(argv) {
  const rest = [];
  let node;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--node') {
      node = argv[++i];
      if (node === undefined || node.startsWith('--')) throw new Error('--node needs a Node binary');
    } else if (arg.startsWith('--node=')) node = arg.slice('--node='.length);
    else rest.push(arg);
  }
  return { node, rest };
}

function main(argv) {
  let parsed;
  let node;
  try {
    parsed = splitNodeFlag(argv);
    node = parsed.node === undefined ? node24Binary() : resolve(parsed.node);
  } catch (error) {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    return 2;
  }
  const result = spawnSync(node, [runner, ...parsed.rest], { stdio: 'inherit' });
  if (result.error) {
    console.error(`bench: cannot run ${node}: ${result.error.message}`);
    return 1;
  }
  return result.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main(process.argv.slice(2));
}
