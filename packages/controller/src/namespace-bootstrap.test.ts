import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { KubeError } from '@ssts/kube';
import type { Logger } from './log.js';
import { BOOTSTRAP_CONCURRENCY, bootstrapAdditionalNamespaces } from './namespace-bootstrap.js';

function recordingLog() {
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) }) as Logger;
  return { log, lines };
}

/** Namespace look-ups that stay pending until the test releases them, counting how many are in flight. */
function gatedLookups(existing: ReadonlySet<string>, failing: ReadonlySet<string> = new Set()) {
  let inFlight = 0;
  let maxInFlight = 0;
  const waiting: (() => void)[] = [];
  const exists = async (namespace: string): Promise<boolean> => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise<void>((resolve) => waiting.push(resolve));
    inFlight--;
    if (failing.has(namespace))
      throw new KubeError('Forbidden', `namespaces "${namespace}" is forbidden`, { status: 403 });
    return existing.has(namespace);
  };
  const releaseAll = async (): Promise<void> => {
    while (waiting.length > 0 || inFlight > 0) {
      for (const resolve of waiting.splice(0)) resolve();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { exists, releaseAll, inFlight: () => inFlight, maxInFlight: () => maxInFlight };
}

describe('bootstrapAdditionalNamespaces (addendum §3.1)', () => {
  it(`looks up at most ${BOOTSTRAP_CONCURRENCY} namespaces at once, watches those that exist, skips missing and own`, async () => {
    const names = Array.from({ length: 40 }, (_, i) => `ns-${i}`);
    const lookups = gatedLookups(new Set(names.filter((_, i) => i % 4 !== 0)));
    const watched: string[] = [];
    const { log, lines } = recordingLog();
    const done = bootstrapAdditionalNamespaces({
      namespaces: ['own', ...names],
      ownNamespace: 'own',
      exists: lookups.exists,
      watch: (namespace) => watched.push(namespace),
      log,
    });
    await new Promise((r) => setImmediate(r));
    expect(lookups.inFlight()).toBe(BOOTSTRAP_CONCURRENCY);
    await lookups.releaseAll();
    const result = await done;
    expect(lookups.maxInFlight()).toBe(BOOTSTRAP_CONCURRENCY);
    expect(result.sort()).toEqual(watched.sort());
    expect(watched).toHaveLength(30);
    expect(watched).not.toContain('own');
    expect(lines.filter((l) => l.includes("namespace doesn't exist"))).toHaveLength(10);
  });

  it('remembers the first other error, lets the other look-ups finish, then fails', async () => {
    const lookups = gatedLookups(new Set(['a', 'c', 'd']), new Set(['b']));
    const watched: string[] = [];
    const done = bootstrapAdditionalNamespaces({
      namespaces: ['a', 'b', 'c', 'd'],
      ownNamespace: 'own',
      exists: lookups.exists,
      watch: (namespace) => watched.push(namespace),
      log: recordingLog().log,
      concurrency: 2,
    });
    const outcome = expect(done).rejects.toThrow('namespaces "b" is forbidden');
    await lookups.releaseAll();
    await outcome;
    expect(watched.sort()).toEqual(['a', 'c', 'd']);
  });
});
