/**
 * Transfer (issue 19): a patch trained against the bundled model, measured the same way on the
 * other bundled models (assets/models/fashion-cnn-hardened, fashion-cnn-distilled) with
 * evaluatePatchTransfer (src/patches/patch-eval.ts; `printshot patch --transfer`): held-out test
 * images at random placements through the 'print-camera' channel, with counts and intervals.
 *
 *   npm run bench:patch-transfer [-- --size 0.2] [-- --models assets/models/fashion-cnn-hardened,assets/models/fashion-cnn-distilled] [-- --json]
 */
import { evaluatePatchTransfer, PATCH_DEFAULTS } from '../src/patches';
import { openModel } from '../src/services/sources';
import { createRng } from '../src/shared';
import { installNodeHost } from '../src/transforms/node/host';
import { benchHeader, defaultChannel, disposeBench, evaluateBenchPatch, loadPatchBenchData, patchBenchArgs, progressLine, rateCell, trainBenchPatch } from './lib/patch-bench';

installNodeHost();
const { args, extra } = patchBenchArgs({ size: { type: 'string', default: '0.2' }, models: { type: 'string', default: 'assets/models/fashion-cnn-hardened,assets/models/fashion-cnn-distilled' } });
const size = Number(extra.size);
const d = await loadPatchBenchData(args);
const channel = await defaultChannel();
const others = [];
for (const m of String(extra.models).split(',')) others.push(await openModel(m));
progressLine('training against the source model…');
const t = await trainBenchPatch(d, args, size, channel);
const own = await evaluateBenchPatch(d, args, t, channel);
const moved = await evaluatePatchTransfer({
  models: others, data: d.test, patch: t.state.patch, params: { ...PATCH_DEFAULTS, target: d.target, size }, draws: args.draws, channel,
  rngFor: () => createRng(`${args.seed}:eval:${size}`),
});
const header = benchHeader(`Transfer of a patch (area ${size * 100}%) trained on ${d.classifier.card.name} to the other bundled models, through the print-camera channel`, d, args);
const rows = [{ model: `${d.classifier.card.name} (source)`, success: own.success, clean: own.cleanAccuracy }, ...moved.map((m) => ({ model: m.model, success: m.evaluation.success, clean: m.evaluation.cleanAccuracy }))];
others.forEach((m) => m.dispose());
disposeBench(d, [t]);
if (args.json) {
  process.stdout.write(`${JSON.stringify({ header, rows }, null, 2)}\n`);
} else {
  process.stdout.write(`${[
    ...header,
    '(every model gets the same placement and channel draws)',
    '',
    '| model | targeted success (count/draws) [95% Wilson] | clean accuracy on these test images |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.model} | ${rateCell(r.success)} | ${rateCell(r.clean)} |`),
  ].join('\n')}\n`);
}
