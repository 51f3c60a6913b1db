import { nodeIo } from '../io/node-io.js';
import { run } from '../main.js';

/** Runs the CLI on the real file system with stdout and stderr captured; `root/` is cut from what they print. */
export async function runCaptured(
  args: readonly string[],
  root?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    ...nodeIo(),
    stdout: { isTTY: false, write: (c: string | Uint8Array) => void (stdout += String(c)) },
    stderr: { isTTY: false, write: (c: string | Uint8Array) => void (stderr += String(c)) },
  };
  const code = await run(args, io, {});
  const scrub = (text: string) => (root === undefined ? text : text.replaceAll(`${root}/`, ''));
  return { code, stdout: scrub(stdout), stderr: scrub(stderr) };
}
