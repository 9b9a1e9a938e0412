/**
 * An attack on n of the bundled samples (sorted by class: "first 8" is eight ankle boots) with
 * --sample stratified takes one image of eight different classes, the same ones for the same
 * seed, and the run manifest records how they were chosen.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runAttackJob } from '../../../src/services/attack-job';
import { openExperiment, readRunManifest, type RunManifest } from '../../../src/workspace';
import { removeTempDirs, tempDir } from '../model/model-fixtures';

afterAll(removeTempDirs);

async function attack(sample: 'first' | 'stratified' | 'random', seed: number): Promise<RunManifest> {
  const out = await tempDir();
  await runAttackJob({ model: 'default', images: 'samples', method: 'fgsm', params: { eps: 8 }, seed, limit: 8, sample, out });
  const exp = await openExperiment(out);
  return readRunManifest(out, exp.runs[0]);
}

const classes = (m: RunManifest) => new Set(m.images.map((im) => im.label));

describe('attack sampling', () => {
  it('stratified: eight classes, recorded, the same images for the same seed; first: one class', async () => {
    const a = await attack('stratified', 3);
    expect(a.images).toHaveLength(8);
    expect(classes(a).size).toBe(8);
    expect(a.sampling).toEqual({ mode: 'stratified', n: 8, seed: 3, of: 200 });
    const again = await attack('stratified', 3);
    expect(again.inputs).toEqual(a.inputs);
    const other = await attack('stratified', 4);
    expect(other.inputs).not.toEqual(a.inputs);
    const first = await attack('first', 3);
    expect(classes(first).size).toBe(1);
    expect(first.sampling?.mode).toBe('first');
  }, 120_000);
});
