import { describe, expect, it } from 'vitest';
import { runController, type ProcessIo } from './main.js';

function io(version: string | undefined) {
  let stdout = '';
  let stderr = '';
  const value: ProcessIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stopSignal: new AbortController().signal,
    onKeyRequest: () => undefined,
    version,
  };
  return { value, out: () => stdout, err: () => stderr };
}

describe('runController without a cluster', () => {
  it('--version prints "controller version: UNKNOWN" when nothing is stamped (compat §9.2 #11)', async () => {
    const unstamped = io(undefined);
    expect(await runController(['--version'], {}, unstamped.value)).toBe(0);
    expect(unstamped.out()).toBe('controller version: UNKNOWN\n');
    const stamped = io('v0.36.6');
    expect(await runController(['--version'], {}, stamped.value)).toBe(0);
    expect(stamped.out()).toBe('controller version: v0.36.6\n');
  });

  it('a bad flag is a usage error: exit 2 and one line on stderr', async () => {
    const bad = io(undefined);
    expect(await runController(['--no-such-flag'], {}, bad.value)).toBe(2);
    expect(bad.err()).toMatch(/^error: .+\n$/);
    expect(bad.out()).toBe('');
  });
});
