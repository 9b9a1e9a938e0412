/**
 * EOT against no EOT (issue 19): two patches of the same area, seed and data, one trained with
 * the default EOT distribution (random location, scale ±10 %, rotation ±20°, brightness ±20
 * levels, contrast ±15 %, and a 'print-camera' channel draw every step), one without it (one
 * placement: the image centre at the nominal size, no photometric jitter, no channel), and, as an
 * intermediate, one with random location only. Both are evaluated the same way,
 * THROUGH the simulated print → camera channel ('print-camera', the default channel, fitted to
 * src/simulate's printer and camera: docs/eot.md) on held-out test images at random placements,
 * and digitally (no channel) for reference, beside the untrained starting patch (uniform noise in
 * [0.25, 0.75]): the channel alone already pushes some images toward the target. Target: the EOT patch keeps ≥ 2× the targeted
 * success of the other through the channel.
 *
 *   npm run bench:patch-eot [-- --size 0.2] [-- --steps 300] [-- --draws 4] [-- --json]
 */
import { initialPatch } from '../src/patches';
import { createRng } from '../src/shared';
import { installNodeHost } from '../src/transforms/node/host';
import { benchHeader, defaultChannel, disposeBench, evaluateBenchPatch, loadPatchBenchData, patchBenchArgs, pct, progressLine, rateCell, trainBenchPatch, type TrainedPatch } from './lib/patch-bench';

installNodeHost();
const { args, extra } = patchBenchArgs({ size: { type: 'string', default: '0.2' } });
const size = Number(extra.size);
const d = await loadPatchBenchData(args);
const channel = await defaultChannel();
progressLine('with EOT: training…');
const eot = await trainBenchPatch(d, args, size, channel);
progressLine('without EOT: training…');
const fixed = await trainBenchPatch(d, args, size, undefined, { location: 'centre', scaleJitter: 0, rotationDeg: 0, brightness: 0, contrast: 0 });
progressLine('random location only: training…');
const plain = await trainBenchPatch(d, args, size, undefined, { scaleJitter: 0, rotationDeg: 0, brightness: 0, contrast: 0 });
const untrained: TrainedPatch = { ...eot, state: initialPatch(eot.state.patch.shape[1], eot.state.patch.shape[3], createRng(`${args.seed}:untrained`)), seconds: 0 };
const rows = [];
for (const [name, t] of [['EOT (location, scale, rotation, photometric, print-camera channel)', eot], ['no EOT (one placement: the centre, no jitter, no channel)', fixed], ['random location only (no other EOT)', plain], ['untrained (the initial noise patch), for reference', untrained]] as const) {
  const through = await evaluateBenchPatch(d, args, t, channel, d.classifier, 'eval');
  const digital = await evaluateBenchPatch(d, args, t, undefined, d.classifier, 'eval-digital');
  rows.push({ name, through: through.success, digital: digital.success, trainSeconds: t.seconds });
}
const header = benchHeader(`EOT against no EOT, evaluated through the default print-camera channel (patch area ${size * 100}%)`, d, args);
disposeBench(d, [eot, fixed, plain, untrained]);
const ratio = (rows[0].through.rate ?? 0) / Math.max(rows[1].through.rate ?? 0, 1e-9);
if (args.json) {
  process.stdout.write(`${JSON.stringify({ header, rows, ratio }, null, 2)}\n`);
} else {
  process.stdout.write(`${[
    ...header,
    '',
    '| patch trained with | targeted success through the channel [95% Wilson] | digital, no channel [95% Wilson] | train s |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${rateCell(r.through)} | ${rateCell(r.digital)} | ${r.trainSeconds.toFixed(0)} |`),
    '',
    `through the channel, EOT keeps ${ratio.toFixed(2)}× the no-EOT patch's targeted success (${pct(rows[0].through.rate)} vs ${pct(rows[1].through.rate)}; target ≥ 2×: ${ratio >= 2 ? 'met' : 'NOT met'})`,
    `against the random-location-only patch: ${((rows[0].through.rate ?? 0) / Math.max(rows[2].through.rate ?? 0, 1e-9)).toFixed(2)}× (${pct(rows[2].through.rate)})`,
  ].join('\n')}\n`);
}
