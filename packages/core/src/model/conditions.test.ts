import { describe, expect, it } from 'vitest';
import { formatKubeTime, updateSyncedCondition } from './conditions.js';
import type { SealedSecretStatus } from './types.js';

const t1 = new Date('2026-04-22T10:00:00.789Z');
const t2 = new Date('2026-04-22T11:30:00.001Z');

describe('updateSyncedCondition', () => {
  it('writes an empty status on success with both times set to now', () => {
    const { status, changed } = updateSyncedCondition(undefined, { ok: true, generation: 1, now: t1 });
    expect(changed).toBe(true);
    expect(status).toStrictEqual({
      conditions: [
        {
          type: 'Synced',
          status: 'True',
          lastUpdateTime: '2026-04-22T10:00:00Z',
          lastTransitionTime: '2026-04-22T10:00:00Z',
        },
      ],
      observedGeneration: 1,
    });
  });

  it('False → True writes and moves both times', () => {
    const before: SealedSecretStatus = {
      observedGeneration: 1,
      conditions: [
        { type: 'Synced', status: 'False', message: 'x', lastUpdateTime: 'a', lastTransitionTime: 'a' },
      ],
    };
    const { status, changed } = updateSyncedCondition(before, { ok: true, generation: 1, now: t2 });
    expect(changed).toBe(true);
    expect(status.conditions?.[0]).toStrictEqual({
      type: 'Synced',
      status: 'True',
      lastUpdateTime: '2026-04-22T11:30:00Z',
      lastTransitionTime: '2026-04-22T11:30:00Z',
    });
    expect(before.conditions?.[0]?.status).toBe('False');
  });

  it('False + another error at the same generation does not write (upstream quirk)', () => {
    const before: SealedSecretStatus = {
      observedGeneration: 3,
      conditions: [
        { type: 'Synced', status: 'False', message: 'old', lastTransitionTime: 'a', lastUpdateTime: 'a' },
      ],
    };
    const { status, changed } = updateSyncedCondition(before, {
      ok: false,
      message: 'new',
      generation: 3,
      now: t2,
    });
    expect(changed).toBe(false);
    expect(status.conditions?.[0]?.message).toBe('new');
    expect(status.conditions?.[0]?.lastTransitionTime).toBe('a');
  });

  it('True + error writes with the message', () => {
    const before: SealedSecretStatus = {
      observedGeneration: 1,
      conditions: [{ type: 'Synced', status: 'True', lastTransitionTime: 'a', lastUpdateTime: 'a' }],
    };
    const { status, changed } = updateSyncedCondition(before, {
      ok: false,
      message: 'no key could decrypt secret (foo)',
      generation: 1,
      now: t1,
    });
    expect(changed).toBe(true);
    expect(status.conditions?.[0]).toStrictEqual({
      type: 'Synced',
      status: 'False',
      lastUpdateTime: '2026-04-22T10:00:00Z',
      lastTransitionTime: '2026-04-22T10:00:00Z',
      message: 'no key could decrypt secret (foo)',
    });
  });

  it('a lagging observedGeneration writes without touching lastTransitionTime', () => {
    const before: SealedSecretStatus = {
      observedGeneration: 1,
      conditions: [{ type: 'Synced', status: 'True', lastTransitionTime: 'a', lastUpdateTime: 'a' }],
    };
    const { status, changed } = updateSyncedCondition(before, { ok: true, generation: 2, now: t2 });
    expect(changed).toBe(true);
    expect(status.observedGeneration).toBe(2);
    expect(status.conditions?.[0]?.lastTransitionTime).toBe('a');
    expect(status.conditions?.[0]?.lastUpdateTime).toBe('2026-04-22T11:30:00Z');
  });

  it('keeps other conditions and their order', () => {
    const before: SealedSecretStatus = {
      observedGeneration: 1,
      conditions: [
        { type: 'Other', status: 'True' },
        { type: 'Synced', status: 'True' },
      ],
    };
    const { status, changed } = updateSyncedCondition(before, { ok: true, generation: 1, now: t1 });
    expect(changed).toBe(false);
    expect(status.conditions?.map((c) => c.type)).toStrictEqual(['Other', 'Synced']);
  });
});

describe('formatKubeTime', () => {
  it('drops milliseconds', () => {
    expect(formatKubeTime(t1)).toBe('2026-04-22T10:00:00Z');
  });
});
