import { describe, expect, it } from 'vitest';
import { mapBounded } from './kube-client.js';

describe('mapBounded', () => {
  it('keeps the order of results and never exceeds the concurrency', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (value, index) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, value));
      inFlight--;
      return `${index}:${value}`;
    });
    expect(results).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3', '5:0']);
    expect(maxInFlight).toBe(2);
  });

  it('rejects with the first failure', async () => {
    await expect(
      mapBounded([1, 2, 3], 3, async (v) => {
        if (v === 2) throw new Error('boom');
        return v;
      }),
    ).rejects.toThrow('boom');
  });
});
