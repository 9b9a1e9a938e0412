/**
 * A graph model saved as tfjs-converter writes it (uint8-quantized weights, Softmax → Identity
 * output, TF-Hub style signature) attacked through the real CLI: BIM at eps 8 runs through the
 * compiled graph plan, exits 0 and writes one adversarial image per input, each within eps of its
 * original.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphCnn } from '../../fixtures/graph/models';
import { saveGraphFixture } from '../../fixtures/graph/save';
import { ROOT, runCli } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-graph-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('printshot attack on a graph model', () => {
  it('attack --method bim --eps 8 on a uint8-quantized graph model exits 0', async () => {
    const card = JSON.parse(readFileSync(join(ROOT, 'assets/models/fashion-cnn/model-card.json'), 'utf8')) as Record<string, unknown>;
    const model = await saveGraphFixture(graphCnn({ quantize: 'uint8' }), join(tmp, 'model'), { schemaVersion: 1, name: 'graph-cnn', labels: card.labels, input: card.input, range: '0-1', outputs: 'probabilities' });
    const out = join(tmp, 'exp');
    const args = ['attack', '--model', model, '--images', 'samples', '--method', 'bim', '--eps', '8', '--iterations', '3', '--workers', '1', '--out', out, '--json'];
    const r = runCli(args, { env: { PRINTSHOT_LOG: 'debug' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/graph-cnn runs as 5 fused ops: conv 3×3×8\/1 same relu \+ max-pool 2×2\/2/);
    const { run } = JSON.parse(r.stdout) as { run: { manifest: string } };
    const manifest = JSON.parse(readFileSync(join(out, run.manifest), 'utf8')) as { images: { linf: number; steps: number }[] };
    const samples = readdirSync(join(ROOT, 'assets/samples')).reduce((n, cls) => n + readdirSync(join(ROOT, 'assets/samples', cls)).length, 0);
    expect(manifest.images).toHaveLength(samples);
    for (const im of manifest.images) expect(im.linf).toBeLessThanOrEqual(8);
    expect(manifest.images.some((im) => im.linf > 0)).toBe(true);
  });
});
