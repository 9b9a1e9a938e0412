/**
 * A graph model saved as tfjs-converter writes it (uint8-quantized weights, Softmax → Identity
 * output, TF-Hub style signature) attacked through the real CLI: FGSM and BIM at eps 8 run
 * through the compiled graph plan and exit 0, every adversarial image stays within eps, and BIM
 * fools the model on at least 90% of the images it classified correctly. A graph with an op the
 * plan does not compile attacks through model.execute and says why in one line.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphCnn } from '../../fixtures/graph/models';
import { saveGraphFixture } from '../../fixtures/graph/save';
import { ROOT, runCli } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-graph-cli-'));
const model = join(tmp, 'model');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  const card = JSON.parse(readFileSync(join(ROOT, 'assets/models/fashion-cnn/model-card.json'), 'utf8')) as Record<string, unknown>;
  await saveGraphFixture(graphCnn({ quantize: 'uint8' }), model, { schemaVersion: 1, name: 'graph-cnn', labels: card.labels, input: card.input, range: '0-1', outputs: 'probabilities' });
});

interface ManifestImage {
  label: number;
  cleanTop5: { label: number }[];
  success: boolean;
  linf: number;
}

function attack(method: string, dir = model, extra: string[] = [], log: RegExp = /graph-cnn runs as 5 fused ops: conv 3×3×8\/1 same relu \+ max-pool 2×2\/2/): ManifestImage[] {
  const out = join(tmp, `exp-${method}-${extra.length}`);
  const r = runCli(['attack', '--model', dir, '--images', 'samples', '--method', method, '--eps', '8', '--workers', '1', '--out', out, '--json', ...extra], { env: { PRINTSHOT_LOG: 'debug' } });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(log);
  const { run } = JSON.parse(r.stdout) as { run: { manifest: string } };
  const images = (JSON.parse(readFileSync(join(out, run.manifest), 'utf8')) as { images: ManifestImage[] }).images;
  const samples = readdirSync(join(ROOT, 'assets/samples')).reduce((n, cls) => n + readdirSync(join(ROOT, 'assets/samples', cls)).length, 0);
  expect(images).toHaveLength(samples);
  for (const im of images) expect(im.linf).toBeLessThanOrEqual(8);
  return images;
}

describe('printshot attack on a uint8-quantized graph model', () => {
  it('attack --method fgsm --eps 8 exits 0', () => {
    expect(attack('fgsm').some((im) => im.linf === 8)).toBe(true);
  });

  it('attack --method bim --eps 8 exits 0 and fools the model on ≥ 90% of the correctly classified images', () => {
    const correct = attack('bim').filter((im) => im.cleanTop5[0].label === im.label);
    expect(correct.length).toBeGreaterThanOrEqual(10);
    expect(correct.filter((im) => im.success).length / correct.length).toBeGreaterThanOrEqual(0.9);
  });

  it('a graph with an op the plan does not compile (Erf) attacks through model.execute, and the log says why in one line', async () => {
    const dir = await saveGraphFixture(graphCnn({ uncompiledOp: 'Erf' }), join(tmp, 'erf'), JSON.parse(readFileSync(join(model, 'model-card.json'), 'utf8')) as object);
    const images = attack('bim', dir, ['--iterations', '2'], /^.*not compiled: node StatefulPartitionedCall\/sequential\/conv2d_1\/Relu \(Erf\): op Erf is not compiled\)$/m);
    expect(images.some((im) => im.linf > 0)).toBe(true);
  });
});
