import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../src/io/map-limit.js';

describe('mapLimit', () => {
  it('keeps order, never runs more than the limit at once, and runs everything', async () => {
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const p = mapLimit([5, 1, 4, 2, 3], 2, async (x, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise<void>((r) => gates.push(r));
      running--;
      return x * 10 + i;
    });
    // release the jobs one by one, in the order they started
    while (gates.length || running) {
      await Promise.resolve();
      gates.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await p).toEqual([50, 11, 42, 23, 34]);
    expect(peak).toBe(2);
  });

  it('starts nothing new after a failure and rejects with the first error', async () => {
    const started: number[] = [];
    await expect(
      mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
        started.push(x);
        if (x === 1) throw new Error('boom 1');
        await new Promise((r) => setImmediate(r));
        return x;
      }),
    ).rejects.toThrow('boom 1');
    expect(started.length).toBeLessThan(6);
  });

  it('handles no items', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
