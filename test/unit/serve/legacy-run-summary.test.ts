/**
 * A run whose manifest was written before the honest rates existed (issue 14) still reaches the
 * workbench with them: experimentDto recomputes success among originally correct images from the
 * manifest's per-image rows.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { experimentDto } from '../../../src/engine/runtime/experiment-handlers';
import { summarizeAttack } from '../../../src/metrics';
import { attackIntoExperiment } from '../../../src/services/attack-job';
import { openImages, openModel } from '../../../src/services/sources';

let root = '';
afterAll(() => (root ? rm(root, { recursive: true, force: true }) : undefined));

describe('experimentDto and old run summaries', () => {
  it('fills in attackSuccess and the other rates from the manifest rows', async () => {
    root = await mkdtemp(join(tmpdir(), 'printshot-legacy-summary-'));
    const out = join(root, 'exp');
    const model = await openModel('default');
    try {
      const set = await openImages('samples', model);
      const { manifest } = await attackIntoExperiment(model, set.items.slice(0, 6), set.root, { method: 'fgsm', params: { eps: 8 }, seed: 0, out });
      expect(manifest.summary).toHaveProperty('attackSuccess');
    } finally {
      model.dispose();
    }
    const dto = await experimentDto(out);
    const file = join(out, 'runs', (await readdir(join(out, 'runs')))[0]!);
    const json = JSON.parse(await readFile(file, 'utf8')) as { summary: Record<string, unknown>; images: Parameters<typeof summarizeAttack>[0] };
    const { images, successes, successRate, cleanTop1Correct, advTop1Correct, meanLinf, meanL2 } = json.summary;
    await writeFile(file, JSON.stringify({ ...json, summary: { images, successes, successRate, cleanTop1Correct, advTop1Correct, meanLinf, meanL2 } }));
    const legacy = await experimentDto(out);
    const expected = summarizeAttack(json.images);
    expect(legacy.runs[0]!.summary!.attackSuccess).toEqual(expected.attackSuccess);
    expect(legacy.runs[0]!.summary!.adversarialAccuracy).toEqual(expected.adversarialAccuracy);
    expect(legacy.runs[0]!.summary!.attackSuccess).toEqual(dto.runs[0]!.summary!.attackSuccess);
  }, 120_000);
});
