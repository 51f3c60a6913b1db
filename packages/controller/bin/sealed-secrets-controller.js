#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { runController } from '../dist/main.js';

// The only place that touches process signals and exit codes.
const stop = new globalThis.AbortController();
process.once('SIGTERM', () => stop.abort());
// Upstream only handles SIGTERM; SIGINT is handled too so Ctrl-C stops an out-of-cluster run gracefully.
process.once('SIGINT', () => stop.abort());

// Like a `go install` build of upstream, which reports its module version (`v0.36.6`), and like our kubeseal.
const version =
  process.env['SEALED_SECRETS_VERSION_STAMP'] ||
  `v${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}`;

try {
  const code = await runController(process.argv.slice(2), process.env, {
    stdout: process.stdout,
    stderr: process.stderr,
    stopSignal: stop.signal,
    onKeyRequest: (listener) => process.on('SIGUSR1', listener),
    version,
  });
  process.exit(code);
} catch (error) {
  process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
