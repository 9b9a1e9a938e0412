import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../src/images/limit';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('mapLimit', () => {
  it('keeps input order with at most `limit` calls in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      most = Math.max(most, ++inFlight);
      await tick(x);
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('after a failure starts no new item and rejects with the first error only once the started items have finished', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const run = mapLimit([0, 1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
      started.push(x);
      if (x === 1) {
        await tick(1);
        throw new Error('item 1 failed');
      }
      if (x === 2) {
        await tick(5);
        throw new Error('item 2 failed later');
      }
      await tick(20);
      finished.push(x);
      return x;
    });
    await expect(run).rejects.toThrow('item 1 failed');
    // Items 0 and 2 were in flight when item 1 failed: both had settled before the rejection.
    expect(started).toEqual([0, 1, 2]);
    expect(finished).toEqual([0]);
  });
});
