/**
 * What the EOT channel does to CLEAN images: top-1 accuracy of the model on held-out test images,
 * digitally and through `--draws` draws of a channel distribution (default 'print-camera', the
 * preset fitted to src/simulate's printer and camera, docs/eot.md), and the share of predictions
 * per class in both. A channel that sends many clean images to one class lifts every targeted
 * figure toward that class (the patch benches' Bag floor, docs/patches.md) and lowers every
 * physical accuracy, whatever the attack does.
 *
 *   npm run bench:channel-clean [-- --test 1000] [-- --draws 4] [-- --channel print-camera|photometric|FILE]
 *                               [-- --model DIR|default] [-- --seed 0] [-- --json]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { resolveDistribution, sampleTransform } from '../src/attacks/eot-distribution';
import { applyEotSample } from '../src/attacks/eot-ops';
import { rateOf, type Rate } from '../src/metrics/attack-summary';
import { createRng } from '../src/shared';
import { installNodeHost } from '../src/transforms/node/host';
import { benchCommand, disposeBench, loadPatchBenchData, pct, progressLine, rateCell } from './lib/patch-bench';
import { describeMachine, machineInfo } from './lib/machine';

installNodeHost();
const { values: v } = parseArgs({
  options: {
    test: { type: 'string', default: '1000' }, draws: { type: 'string', default: '4' }, channel: { type: 'string', default: 'print-camera' },
    model: { type: 'string', default: 'default' }, seed: { type: 'string', default: '0' }, json: { type: 'boolean', default: false },
  },
});
const draws = Number(v.draws);
const started = new Date();
// The patch benches' loader gives the same seeded held-out TEST images (its train sample is unused here).
const d = await loadPatchBenchData({ target: 'Bag', train: 1, test: Number(v.test), steps: 0, batch: 1, lr: 0, draws, seed: Number(v.seed), json: false }, v.model);
const channel = await resolveDistribution(v.channel!);
const { labels } = d.test;
const n = labels.length;
const k = d.classifier.labels.length;
const batch = 50;

async function predict(x: tf.Tensor4D): Promise<Int32Array> {
  const top = tf.tidy(() => tf.argMax(d.classifier.logits(x), 1));
  const out = Int32Array.from(await top.data());
  top.dispose();
  return out;
}

/** Predictions of one batch (or one channel draw of it) beside the batch's true labels. */
interface Batch {
  preds: Int32Array;
  truth: Int32Array;
}

function tally(batches: Batch[]): { accuracy: Rate; share: Rate[] } {
  let correct = 0;
  let total = 0;
  const per = new Array<number>(k).fill(0);
  for (const { preds, truth } of batches) {
    preds.forEach((c, i) => {
      total++;
      per[c]++;
      if (c === truth[i]) correct++;
    });
  }
  return { accuracy: rateOf(correct, total), share: per.map((c) => rateOf(c, total)) };
}

const digitalPreds: Batch[] = [];
const channelPreds: Batch[] = [];
const rng = createRng(`${v.seed}:channel-clean`);
for (let i = 0; i < n; i += batch) {
  const size = Math.min(batch, n - i);
  const x = d.test.images.slice([i, 0, 0, 0], [size, -1, -1, -1]);
  const truth = labels.slice(i, i + size);
  digitalPreds.push({ preds: await predict(x), truth });
  for (let r = 0; r < draws; r++) {
    // One channel draw per image, as the patch evaluation draws them.
    const rows = await Promise.all(Array.from({ length: size }, (_, j) => {
      const s = sampleTransform(channel, rng, x.shape[1], x.shape[2], x.shape[3]);
      const one = tf.tidy(() => applyEotSample(x.slice([j, 0, 0, 0], [1, -1, -1, -1]), s));
      return predict(one).finally(() => one.dispose());
    }));
    channelPreds.push({ preds: Int32Array.from(rows.map((p) => p[0])), truth });
  }
  x.dispose();
  progressLine(`${Math.min(i + batch, n)}/${n} images`);
}
const digital = tally(digitalPreds);
const through = tally(channelPreds);
const header = [
  `# Clean accuracy digitally and through the '${v.channel}' channel`,
  `command: ${benchCommand()}`,
  `model: ${d.classifier.card.name}; data: ${d.source.replace(/: 1 train-split images \(seeded sample\) to train,/, ':')}`,
  `channel: ${v.channel}, ${draws} draws per image (one transform draw each), seed ${v.seed}`,
  `machine: ${describeMachine(machineInfo())}; Node ${process.version}; started ${started.toISOString()}`,
];
if (v.json) {
  process.stdout.write(`${JSON.stringify({ header, digital: { accuracy: digital.accuracy, share: digital.share }, channel: { accuracy: through.accuracy, share: through.share } }, null, 2)}\n`);
} else {
  process.stdout.write(`${[
    ...header,
    '',
    `top-1 accuracy, digital: ${rateCell(digital.accuracy)}`,
    `top-1 accuracy, through the channel: ${rateCell(through.accuracy)}`,
    '',
    '| predicted class | share of predictions, digital | share through the channel |',
    '|---|---|---|',
    ...d.classifier.labels.map((l, c) => `| ${l} | ${pct(digital.share[c].rate)} | ${rateCell(through.share[c])} |`),
  ].join('\n')}\n`);
}
disposeBench(d, []);
