/**
 * Which n images of a dataset a job takes. Datasets come sorted by class folder, so the first n
 * of Fashion-MNIST's samples are all one class: "first" is kept for old runs and scripts, while
 * "stratified" (the workbench default) and "random" give a fair picture with the same n.
 *
 *   first       the first n in dataset order
 *   stratified  round-robin over the classes in a seeded order, each class's images in a seeded
 *               order, so per-class counts differ by at most one (a class with too few images
 *               drops out and the others fill in)
 *   random      a seeded uniform choice of n
 *
 * The chosen images keep their dataset order, so the run's image order (and its batches) depend
 * only on which images were chosen. Pure and deterministic: same items, n, mode and seed give the
 * same images on every machine (src/shared/rng.ts).
 */
import { createRng, PrintshotError, type Rng } from '../shared';

export const SAMPLE_MODES = ['first', 'stratified', 'random'] as const;
export type SampleMode = (typeof SAMPLE_MODES)[number];

/** What a run records about how its images were chosen (run manifest, robustness report). */
export interface SamplingRecord {
  mode: SampleMode;
  /** Images asked for (null: all). */
  n: number | null;
  seed: number | string;
  /** Images in the dataset the sample was drawn from. */
  of: number;
}

export function parseSampleMode(s: string): SampleMode {
  if ((SAMPLE_MODES as readonly string[]).includes(s)) return s as SampleMode;
  throw new PrintshotError('bad-argument', `unknown sampling mode '${s}'`, `use one of ${SAMPLE_MODES.join(', ')}`);
}

/** The indices (ascending) of the n images `mode` chooses out of items with these labels. */
export function sampleIndices(labels: readonly number[], n: number | undefined, mode: SampleMode, seed: number | string): number[] {
  const all = labels.map((_, i) => i);
  if (n === undefined || n >= labels.length) return all;
  if (!Number.isInteger(n) || n < 1) throw new PrintshotError('bad-argument', `the number of images must be a whole number ≥ 1 (got ${n})`);
  if (mode === 'first') return all.slice(0, n);
  // A stream of its own, so that sampling never shifts an attack's random draws for the same seed.
  const rng = createRng(`sample:${mode}:${seed}`);
  if (mode === 'random') return shuffle(all, rng).slice(0, n).sort((a, b) => a - b);
  const byClass = new Map<number, number[]>();
  for (const i of all) {
    const list = byClass.get(labels[i]);
    if (list) list.push(i);
    else byClass.set(labels[i], [i]);
  }
  const classes = shuffle([...byClass.keys()].sort((a, b) => a - b), rng);
  const queues = classes.map((c) => shuffle(byClass.get(c)!, rng));
  const chosen: number[] = [];
  for (let round = 0; chosen.length < n; round++) {
    for (const q of queues) {
      if (round < q.length) chosen.push(q[round]);
      if (chosen.length === n) break;
    }
  }
  return chosen.sort((a, b) => a - b);
}

/** The images `mode` chooses, in dataset order, and the record a run keeps of the choice. */
export function sampleItems<T extends { label: number }>(
  items: readonly T[],
  n: number | undefined,
  mode: SampleMode,
  seed: number | string,
): { items: T[]; sampling: SamplingRecord } {
  const idx = sampleIndices(items.map((it) => it.label), n, mode, seed);
  return { items: idx.map((i) => items[i]), sampling: { mode, n: n ?? null, seed, of: items.length } };
}

/** Fisher-Yates on a copy. */
function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
