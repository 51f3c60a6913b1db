// The start-up of the minimal single executables that measure.mjs builds: with a snapshot, the command runs once at
// build time (so its modules and functions are in the heap, compiled) and again at run time as the snapshot's main
// function; without one, it runs right away. Least work a correct command does: argv, one file, stdin, stdout.
import { Buffer } from 'node:buffer';
import { readFileSync, writeSync } from 'node:fs';
import { startupSnapshot } from 'node:v8';

/** `command(args, stdin)` returns what to write on stdout; `warmUp` is [args, stdin] for the snapshot's build. */
export function start(command, warmUp) {
  const main = () => {
    const out = command(process.argv.slice(2), () => readFileSync(0));
    if (out !== '') writeSync(1, out);
  };
  if (!startupSnapshot.isBuildingSnapshot()) return main();
  const [args, stdin] = warmUp;
  command(args, () => Buffer.from(stdin));
  startupSnapshot.setDeserializeMainFunction(main);
}

/** The value of `--<name>` in args. */
export function flag(args, name) {
  const i = args.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= args.length) throw new Error(`--${name} is required`);
  return args[i + 1];
}

/** The certificate the snapshot's warm-up seals with (measure.mjs sets it for the build only). */
export const WARM_UP_CERT = () => process.env.FLOOR_WARM_UP_CERT ?? '';
