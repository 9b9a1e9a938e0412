/**
 * Sampling n images of a class-sorted dataset: stratified gives equal per-class counts (±1),
 * random and stratified are fixed by the seed and change with it, first is the old prefix, and
 * the record says what was done.
 */
import { describe, expect, it } from 'vitest';
import { parseSampleMode, sampleIndices, sampleItems } from '../../../src/images/sample';

/** Like the bundled samples: sorted by class, 10 classes × `per` images. */
const sorted = (classes: number, per: number) => Array.from({ length: classes * per }, (_, i) => ({ relPath: `c${Math.floor(i / per)}/${i % per}.png`, label: Math.floor(i / per) }));

function perClass(items: readonly { label: number }[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const it of items) m.set(it.label, (m.get(it.label) ?? 0) + 1);
  return m;
}

describe('sampleItems', () => {
  it('first: the dataset prefix (eight images of class 0 when N = 8)', () => {
    const { items } = sampleItems(sorted(10, 20), 8, 'first', 0);
    expect(items.map((i) => i.label)).toEqual(Array(8).fill(0));
  });

  it('stratified: N = 8 of 10 classes is 8 distinct classes; N = 25 is 2 or 3 per class', () => {
    const eight = sampleItems(sorted(10, 20), 8, 'stratified', 0).items;
    expect(perClass(eight).size).toBe(8);
    expect([...perClass(eight).values()].every((c) => c === 1)).toBe(true);
    const counts = [...perClass(sampleItems(sorted(10, 20), 25, 'stratified', 3).items).values()];
    expect(counts).toHaveLength(10);
    expect(Math.min(...counts)).toBe(2);
    expect(Math.max(...counts)).toBe(3);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(25);
  });

  it('stratified: a class with too few images drops out and the others fill the quota', () => {
    const items = [...sorted(3, 10), { relPath: 'c9/0.png', label: 9 }];
    const got = sampleItems(items, 10, 'stratified', 1).items;
    const counts = perClass(got);
    expect(counts.get(9)).toBe(1);
    expect(got).toHaveLength(10);
    expect([counts.get(0), counts.get(1), counts.get(2)].sort()).toEqual([3, 3, 3]);
  });

  it('same seed ⇒ same images; another seed ⇒ other images; no duplicates; dataset order kept', () => {
    const data = sorted(10, 50);
    for (const mode of ['stratified', 'random'] as const) {
      const a = sampleIndices(data.map((d) => d.label), 16, mode, 7);
      expect(sampleIndices(data.map((d) => d.label), 16, mode, 7)).toEqual(a);
      expect(sampleIndices(data.map((d) => d.label), 16, mode, 8)).not.toEqual(a);
      expect(new Set(a).size).toBe(16);
      expect([...a].sort((x, y) => x - y)).toEqual(a);
    }
  });

  it('random: over many seeds every image is drawn (not a fixed subset)', () => {
    const labels = sorted(4, 5).map((d) => d.label);
    const seen = new Set<number>();
    for (let s = 0; s < 50; s++) for (const i of sampleIndices(labels, 3, 'random', s)) seen.add(i);
    expect(seen.size).toBe(20);
  });

  it('n absent or ≥ the dataset: every image, whatever the mode; the record says so', () => {
    const data = sorted(3, 2);
    const r = sampleItems(data, undefined, 'stratified', 5);
    expect(r.items).toEqual(data);
    expect(r.sampling).toEqual({ mode: 'stratified', n: null, seed: 5, of: 6 });
    expect(sampleItems(data, 99, 'random', 5).items).toEqual(data);
    expect(sampleItems(data, 2, 'random', 's').sampling).toEqual({ mode: 'random', n: 2, seed: 's', of: 6 });
  });

  it('rejects an unknown mode and a non-positive n with a fix', () => {
    expect(() => parseSampleMode('evenly')).toThrow(/unknown sampling mode 'evenly'/);
    expect(parseSampleMode('random')).toBe('random');
    expect(() => sampleIndices([0, 1, 2], 0, 'random', 0)).toThrow(/whole number ≥ 1/);
  });
});
