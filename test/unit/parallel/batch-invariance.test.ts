/**
 * isBatchInvariant (src/parallel/plan.ts) lets attack jobs cut small jobs into smaller batches so
 * every thread gets work. That is only sound if those attacks give the same bytes for any batch
 * partition: checked here on the bundled model (wasm), and PGD, which is not invariant (its random
 * start comes from each batch's RNG stream), shows the check can fail.
 */
import { beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { getAttack } from '../../../src/attacks';
import { encodePng } from '../../../src/images';
import { loadClassifier, selectBackend, type LoadedClassifier } from '../../../src/model/node';
import { attackImagesPartitioned } from '../../../src/parallel';
import { isBatchInvariant, splitBatchSize } from '../../../src/parallel/plan';
import { openImages } from '../../../src/services/sources';
import type { LabeledImage } from '../../../src/shared';

vi.setConfig({ testTimeout: 240_000 });

let model: LoadedClassifier;
let items: LabeledImage[];

beforeAll(async () => {
  await selectBackend();
  model = await loadClassifier('default');
  const all = (await openImages('samples', model)).items;
  items = Array.from({ length: 12 }, (_, i) => all[(i * 17) % all.length]);
});
afterAll(() => model?.dispose());

async function pngs(id: string, params: Record<string, unknown>, batchSize: number): Promise<string[]> {
  const results = await attackImagesPartitioned(getAttack(id), params, items, { classifier: model, seed: 3, batchSize });
  return Promise.all(results.map(async (r) => (await encodePng(r.adversarial)).toString('base64')));
}

describe('batch-invariant attacks', () => {
  it.each([
    ['fgsm', { eps: 8 }],
    ['bim', { eps: 8, iterations: 10 }],
    ['illc', { eps: 8, iterations: 10 }],
    ['mifgsm', { eps: 8, iterations: 10 }],
    ['bim', { eps: 8, iterations: 10, target: 'least-likely' }],
  ])('%s %j gives the same bytes in batches of 12, 5 and 1', async (id, params) => {
    expect(isBatchInvariant(id, params)).toBe(true);
    const whole = await pngs(id, params, 12);
    expect(await pngs(id, params, 5)).toEqual(whole);
    expect(await pngs(id, params, 1)).toEqual(whole);
  });

  it('excludes attacks that draw from the batch RNG stream, whose bytes do depend on the partition', async () => {
    expect(isBatchInvariant('pgd', { eps: 8 })).toBe(false);
    expect(isBatchInvariant('bim', { eps: 8, target: 'random' })).toBe(false);
    expect(isBatchInvariant('cw-l2', {})).toBe(false);
    expect(await pngs('pgd', { eps: 8, iterations: 3 }, 5)).not.toEqual(await pngs('pgd', { eps: 8, iterations: 3 }, 12));
  });
});

describe('splitBatchSize', () => {
  it('cuts a job with fewer batches than threads so that every thread gets one, never above the size asked', () => {
    expect(splitBatchSize(5, 32, 2)).toBe(3);
    expect(splitBatchSize(32, 32, 2)).toBe(16);
    expect(splitBatchSize(3, 32, 4)).toBe(1);
    expect(splitBatchSize(400, 32, 2)).toBe(32);
    expect(splitBatchSize(64, 32, 2)).toBe(32);
    expect(splitBatchSize(5, 32, 1)).toBe(32);
  });
});
