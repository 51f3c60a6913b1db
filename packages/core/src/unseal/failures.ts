import type { ItemFailure } from '../errors.js';

/**
 * Compat §2.6 step 5: identical messages grouped as `<message> (<key>, <key>)`, distinct groups joined with `\n`,
 * in the order of the failures (the caller puts encryptedData failures, by sorted key, before template ones).
 */
export function groupFailures(failures: readonly ItemFailure[]): string {
  const groups = new Map<string, { message: string; keys: string[] }>();
  for (const failure of failures) {
    const id = `${failure.source}\u0000${failure.message}`;
    const group = groups.get(id) ?? { message: failure.message, keys: [] };
    group.keys.push(failure.key);
    groups.set(id, group);
  }
  return [...groups.values()].map(({ message, keys }) => `${message} (${keys.join(', ')})`).join('\n');
}
