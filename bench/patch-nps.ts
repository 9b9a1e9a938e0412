/**
 * Printability (issue 19): the mean distance of the patch's pixels to the printable gamut,
 * NPS(P) = mean_p min_k ‖p − c_k‖₂ (Sharif et al., CCS 2016; src/patches/patch-loss.ts), for
 * patches trained with the same seed, data and draws, once without the NPS term and once with
 * it (and once with a 5× weight), with the targeted success each keeps on held-out test images
 * (bench/lib/patch-bench.ts). The gamut is the default palette (5 greys for this grey model):
 * no calibration photo is measured on this machine; `printshot patch --palette EXP` uses the
 * measured one.
 *
 *   npm run bench:patch-nps [-- --size 0.2] [-- --weights 0,0.1,0.5] [-- --steps 300] [-- --json]
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultPalette, nonPrintability } from '../src/patches';
import { installNodeHost } from '../src/transforms/node/host';
import { benchHeader, defaultChannel, disposeBench, evaluateBenchPatch, loadPatchBenchData, patchBenchArgs, progressLine, rateCell, trainBenchPatch, type TrainedPatch } from './lib/patch-bench';

installNodeHost();
const { args, extra } = patchBenchArgs({ size: { type: 'string', default: '0.2' }, weights: { type: 'string', default: '0,0.1,0.5' } });
const size = Number(extra.size);
const weights = String(extra.weights).split(',').map(Number);
const d = await loadPatchBenchData(args);
const channel = await defaultChannel();
const palette = defaultPalette(d.classifier.inputSpec.channels);
const trained: TrainedPatch[] = [];
const rows = [];
for (const w of weights) {
  progressLine(`NPS weight ${w}: training…`);
  const t = await trainBenchPatch(d, args, size, channel, { npsWeight: w });
  trained.push(t);
  const distance = tf.tidy(() => nonPrintability(t.state.patch, palette)).dataSync()[0];
  // Share of pixels within 0.05 (13 levels) of a printable colour.
  const near = tf.tidy(() => {
    const px = tf.reshape(t.state.patch, [-1, 1, palette[0].length]);
    const dist = tf.sqrt(tf.sum(tf.square(tf.sub(px, tf.tensor3d(palette.flat(), [1, palette.length, palette[0].length]))), 2));
    return tf.mean(tf.cast(tf.lessEqual(tf.min(dist, 1), 0.05), 'float32'));
  }).dataSync()[0];
  const ev = await evaluateBenchPatch(d, args, t, channel);
  progressLine(`NPS weight ${w}: distance ${distance.toFixed(4)}, success ${rateCell(ev.success)}`);
  rows.push({ npsWeight: w, meanDistance: distance, nearShare: near, pixels: t.state.patch.size, success: ev.success });
}
const header = [...benchHeader(`Printability: mean distance to the gamut with and without the NPS loss (patch area ${size * 100}%)`, d, args), `gamut: default palette, ${palette.length} colours (${palette.map((c) => c.join('/')).join(', ')})`];
disposeBench(d, trained);
const base = rows.find((r) => r.npsWeight === 0);
if (args.json) {
  process.stdout.write(`${JSON.stringify({ header, rows }, null, 2)}\n`);
} else {
  process.stdout.write(`${[
    ...header,
    '',
    '| NPS weight | mean distance to the gamut (0..1 levels) | pixels within 0.05 of a printable colour | targeted success (count/draws) [95% Wilson] |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.npsWeight} | ${r.meanDistance.toFixed(4)}${base && r !== base ? ` (${((r.meanDistance / base.meanDistance - 1) * 100).toFixed(0)}% vs none)` : ''} | ${(r.nearShare * 100).toFixed(1)}% of ${r.pixels} | ${rateCell(r.success)} |`),
  ].join('\n')}\n`);
}
