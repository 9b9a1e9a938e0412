/**
 * Progress without a terminal: one line per whole-percent change, and a heartbeat whenever 10 s
 * pass without a line, even when the job reports nothing (a slow C&W step, a model loading).
 * Driven by vitest's fake timers and clock: no test waits for real time.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createProgress, formatDuration, HEARTBEAT_MS } from '../../../src/cli/output';

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

function lines(title = 'cw-l2 eps=255') {
  const out: string[] = [];
  return { out, progress: createProgress(title, { mode: 'lines', write: (l) => out.push(l) }) };
}

describe('progress lines (stderr not a terminal)', () => {
  it('prints once per whole-percent change, with elapsed time and an ETA', () => {
    const { out, progress } = lines();
    progress.update(0, 400, '0/4 images');
    progress.update(1, 400, '0/4 images'); // 0.25%: same whole percent
    vi.advanceTimersByTime(2_000);
    progress.update(4, 400, '0/4 images'); // 1%
    progress.update(5, 400, '0/4 images');
    vi.advanceTimersByTime(2_000);
    progress.update(200, 400, '2/4 images');
    progress.stop();
    expect(out).toEqual([
      'cw-l2 eps=255: 0% 0/4 images (0s elapsed)',
      'cw-l2 eps=255: 1% 0/4 images (2s elapsed, ETA 3m18s)',
      'cw-l2 eps=255: 50% 2/4 images (4s elapsed, ETA 4s)',
    ]);
  });

  it('a heartbeat at most every 10 s when no progress event comes, with the last position', () => {
    const { out, progress } = lines('attack');
    vi.advanceTimersByTime(HEARTBEAT_MS - 1);
    expect(out).toEqual([]);
    vi.advanceTimersByTime(1); // model still loading: no event at all yet
    expect(out).toEqual(['attack: … still running, starting, 10s elapsed']);
    progress.update(42, 400, '42/400 images');
    vi.advanceTimersByTime(60_000);
    expect(out.slice(1)).toEqual([
      'attack: 10% 42/400 images (10s elapsed, ETA 1m25s)',
      'attack: … still running, 42/400 images, 20s elapsed',
      'attack: … still running, 42/400 images, 30s elapsed',
      'attack: … still running, 42/400 images, 40s elapsed',
      'attack: … still running, 42/400 images, 50s elapsed',
      'attack: … still running, 42/400 images, 1m00s elapsed',
      'attack: … still running, 42/400 images, 1m10s elapsed',
    ]);
    progress.stop();
    vi.advanceTimersByTime(60_000);
    expect(out).toHaveLength(8);
  });

  it('a percent line resets the heartbeat: never two lines within a quiet period, never a gap over 10 s', () => {
    const { out, progress } = lines('evaluate');
    const at: number[] = [];
    const rec = () => at.push(Date.now());
    for (let t = 0; t <= 120_000; t += 1_000) {
      // Progress arrives in bursts: a step every second for 15 s, then 25 s of nothing.
      if (t % 40_000 < 15_000) progress.update(t / 1_000, 120, `step ${t / 1_000}`);
      while (at.length < out.length) rec();
      vi.advanceTimersByTime(1_000);
    }
    progress.stop();
    const gaps = at.slice(1).map((t, i) => t - at[i]);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(HEARTBEAT_MS);
    expect(out.filter((l) => l.includes('still running')).length).toBeGreaterThanOrEqual(4);
  });

  it('off prints nothing; a label-less job shows done/total', () => {
    const out: string[] = [];
    const off = createProgress('x', { mode: 'off', write: (l) => out.push(l) });
    off.update(1, 2);
    vi.advanceTimersByTime(60_000);
    expect(out).toEqual([]);
    const { out: o2, progress } = lines('register');
    progress.update(3, 7);
    vi.advanceTimersByTime(HEARTBEAT_MS);
    progress.stop();
    expect(o2).toEqual(['register: 42% (0s elapsed, ETA 0s)', 'register: … still running, 3/7, 10s elapsed']);
  });

  it('formats durations', () => {
    expect([0, 999, 59_400, 75_000, 3_725_000].map(formatDuration)).toEqual(['0s', '1s', '59s', '1m15s', '1h02m']);
  });
});
