import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it, onTestFinished } from 'vitest';
import { guardOutputStreams, type ClosedStream } from './log-streams.js';

/** The write end of a real pipe whose reader closed it: the next write fails with EPIPE. */
async function pipeWithoutReader(): Promise<NodeJS.WritableStream & { destroyed: boolean }> {
  // The child closes its end of stdin and stays alive (Node destroys a child's stdin once the child exits).
  const child = spawn(
    process.execPath,
    ['-e', 'require("node:fs").closeSync(0); console.log("closed"); setTimeout(() => {}, 60_000)'],
    { stdio: ['pipe', 'pipe', 'ignore'] },
  );
  onTestFinished(() => void child.kill('SIGKILL'));
  const { stdin, stdout } = child;
  if (stdin === null || stdout === null) throw new Error('no pipes to the child');
  const [line] = (await once(stdout, 'data')) as [Buffer];
  expect(line.toString()).toBe('closed\n');
  return stdin;
}

describe('guardOutputStreams', () => {
  it('drops a stream whose reader went away, reports it once, and keeps the other one', async () => {
    const pipe = await pipeWithoutReader();
    const written: string[] = [];
    const streams = guardOutputStreams(pipe, { write: (text: string) => written.push(text) });
    const closed: ClosedStream[] = [];
    const reported = new Promise<void>((resolve) =>
      streams.onClosed((c) => {
        closed.push(c);
        resolve();
      }),
    );
    // Unguarded, this EPIPE is an unhandled 'error' event and fails the test run.
    streams.stdout.write('first line\n');
    await reported;
    expect(streams.stdout.write('dropped\n')).toBe(false);
    streams.stdout.write('dropped too\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toEqual([{ stream: 'stdout', code: 'EPIPE' }]);
    expect(pipe.destroyed).toBe(true);
    streams.stderr.write('still here\n');
    expect(written).toEqual(['still here\n']);
  });

  it('passes streams without events through as they are', () => {
    const stdout = { write: (_text: string) => true };
    const stderr = { write: (_text: string) => true };
    const streams = guardOutputStreams(stdout, stderr);
    expect(streams.stdout).toBe(stdout);
    expect(streams.stderr).toBe(stderr);
  });
});
