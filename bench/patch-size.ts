/**
 * Issue 19's size curve (Brown et al., "Adversarial Patch", Fig. 2): targeted success of a
 * universal patch against its area, 5 %–25 % of the image, on held-out Fashion-MNIST TEST images
 * at random placements, averaged over EOT draws (placement, photometric and the 'print-camera'
 * channel), with counts and 95 % Wilson intervals. Each size gets its own patch, trained on
 * TRAIN-split images with the default EOT distribution (bench/lib/patch-bench.ts).
 *
 *   npm run bench:patch [-- --sizes 0.05,0.1,0.15,0.2,0.25] [-- --target Bag] [-- --train 2000]
 *                       [-- --test 1000] [-- --steps 300] [-- --batch 32] [-- --draws 4] [-- --json]
 *
 * Recorded in docs/patches.md and docs/BENCHMARKS.md.
 */
import { benchHeader, defaultChannel, disposeBench, evaluateBenchPatch, loadPatchBenchData, patchBenchArgs, progressLine, rateCell, trainBenchPatch, type TrainedPatch } from './lib/patch-bench';
import { installNodeHost } from '../src/transforms/node/host';

installNodeHost();
const { args, extra } = patchBenchArgs({ sizes: { type: 'string', default: '0.05,0.1,0.15,0.2,0.25' } });
const sizes = String(extra.sizes).split(',').map(Number);
const started = Date.now();
const d = await loadPatchBenchData(args);
const channel = await defaultChannel();
const trained: TrainedPatch[] = [];
const rows = [];
for (const size of sizes) {
  progressLine(`size ${size}: training…`);
  const t = await trainBenchPatch(d, args, size, channel);
  trained.push(t);
  const ev = await evaluateBenchPatch(d, args, t, channel);
  progressLine(`size ${size}: ${rateCell(ev.success)}`);
  rows.push({ size, patchPx: t.state.patch.shape[1], success: ev.success, images: ev.images, draws: ev.draws, trainSeconds: t.seconds, finalBatchHits: t.state.history.slice(-25).reduce((a, h) => a + h.success, 0) / Math.min(25, t.state.history.length) });
}
const header = benchHeader('Patch success against size (targeted, held-out test images, random placements, EOT draws)', d, args);
const clean = (await evaluateBenchPatch(d, args, trained[0], channel)).cleanAccuracy;
disposeBench(d, trained);
const seconds = (Date.now() - started) / 1000;
if (args.json) {
  process.stdout.write(`${JSON.stringify({ header, rows, cleanAccuracy: clean, seconds }, null, 2)}\n`);
} else {
  process.stdout.write(`${[
    ...header,
    `clean accuracy of the test images (no patch, no channel): ${rateCell(clean)}`,
    '',
    '| patch area | patch px | targeted success (count/draws) [95% Wilson] | test images × draws | train s |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${(r.size * 100).toFixed(0)}% | ${r.patchPx}×${r.patchPx} | ${rateCell(r.success)} | ${r.images} × ${r.draws} | ${r.trainSeconds.toFixed(0)} |`),
    '',
    `total ${seconds.toFixed(0)} s`,
  ].join('\n')}\n`);
}
