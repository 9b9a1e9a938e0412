/**
 * The tfjs-node path behind a capability check: @tensorflow/tfjs-node is an optional dependency
 * whose install downloads libtensorflow, which fails offline (as in CI here), so these tests
 * skip unless it is installed. Where it is, the same engine API must run on it, in-process and in
 * a worker, with identical bytes. See docs/tfjs-node.md.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { getAttack } from '../../../src/attacks';
import { encodePng } from '../../../src/images';
import { loadClassifier, selectBackend } from '../../../src/model/node';
import { attackImagesParallel, attackImagesPartitioned } from '../../../src/parallel';
import { openImages } from '../../../src/services/sources';

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!tfjsNodeInstalled())('tfjs-node backend (optional dependency installed)', () => {
  it('is selected and runs the engine in-process and in a worker with the same bytes', async () => {
    const info = await selectBackend({ prefer: 'tensorflow' });
    expect(info.name).toBe('tensorflow');
    const model = await loadClassifier('default');
    const items = (await openImages('samples', model)).items.slice(0, 8);
    const params = { eps: 8, iterations: 5 };
    const opts = { seed: 3, batchSize: 4 };
    const local = await attackImagesPartitioned(getAttack('pgd'), params, items, { ...opts, classifier: model });
    const remote = await attackImagesParallel('pgd', params, items, { ...opts, modelDir: 'default', workers: 1, backend: 'tensorflow' });
    const bytes = (rs: typeof local): Promise<Buffer[]> => Promise.all(rs.map((r) => encodePng(r.adversarial)));
    expect(await bytes(remote)).toEqual(await bytes(local));
    model.dispose();
  });
});

describe('tfjs-node capability check', () => {
  it('falls back to wasm, with the reason, when tfjs-node is absent', async () => {
    if (tfjsNodeInstalled()) return;
    const info = await selectBackend();
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/tfjs-node not installed/);
  });
});
