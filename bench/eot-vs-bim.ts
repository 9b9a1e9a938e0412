/**
 * EOT acceptance (issue 4, item 6): on the bundled model, EOT examples at eps 16 should survive
 * the simulated print → photograph → register channel better than BIM examples at eps 16, i.e.
 * have a LOWER photo destruction rate (Kurakin et al. Eq. 1).
 *
 *   node --import tsx bench/eot-vs-bim.ts [--images 200] [--eps 16] [--seed 0]
 *        [--frame 1920x1080] [--samples 8] [--iterations 40] [--out DIR] [--json]
 *
 * Steps: BIM and EOT ('print-camera' distribution) into one experiment; one sheet set per run
 * (runSheetJob); one simulated photo per sheet through the default channel (runSimulateJob);
 * registration (runRegisterJob); the paper's Table 3 for photos (evaluatePhotos). It also
 * reports accuracy under fresh samples of the EOT distribution (gotcha 13), for both runs.
 * Results are recorded in docs/eot.md.
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { eotAccuracy } from '../src/attacks';
import { EOT_PRESETS } from '../src/attacks/eot-distribution';
import { readImage8 } from '../src/images';
import { imagesToTensor } from '../src/inference';
import { createRng, type LabeledImage } from '../src/shared';
import { attackIntoExperiment } from '../src/services/attack-job';
import { runDemoPhotos } from '../src/services/demo-photos';
import { openImages, openModel } from '../src/services/sources';
import { resolveInExperiment } from '../src/workspace';
import { installNodeHost } from '../src/transforms/node/host';
import { describeMachine, machineInfo } from './lib/machine';

installNodeHost();

const { values: opt } = parseArgs({
  options: {
    images: { type: 'string', default: '200' },
    eps: { type: 'string', default: '16' },
    seed: { type: 'string', default: '0' },
    frame: { type: 'string', default: '1920x1080' },
    samples: { type: 'string', default: '8' },
    iterations: { type: 'string', default: '40' },
    'eval-samples': { type: 'string', default: '16' },
    out: { type: 'string', default: 'printshot-demo/eot-vs-bim' },
    json: { type: 'boolean', default: false },
  },
});

const say = (s: string) => process.stderr.write(`${s}\n`);
const eps = Number(opt.eps);
const seed = Number(opt.seed);
const [width, height] = opt.frame!.split('x').map(Number);
const started = Date.now();

const model = await openModel('default');
const all = (await openImages('samples', model)).items;
// Stratified: the first n/10 images of every class.
const perClass = Math.ceil(Number(opt.images) / 10);
const items: LabeledImage[] = [];
for (let c = 0; c < 10; c++) items.push(...all.filter((i) => i.label === c).slice(0, perClass));
await rm(opt.out!, { recursive: true, force: true });

const specs = [
  { method: 'bim', params: { eps } },
  { method: 'eot-pgd', params: { eps, iterations: Number(opt.iterations), samples: Number(opt.samples), distribution: 'print-camera' } },
];
const runs: { method: string; eps: number; dir: string; seconds: number }[] = [];
for (const s of specs) {
  const t0 = Date.now();
  say(`attack ${s.method} eps=${eps} on ${items.length} images…`);
  const job = await attackIntoExperiment(model, items, 'samples', { method: s.method, params: s.params, seed, out: opt.out! });
  runs.push({ method: s.method, eps, dir: job.run.dir, seconds: (Date.now() - t0) / 1000 });
  say(`  success ${(job.summary.successRate * 100).toFixed(1)}%, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

say('print → simulate → register → evaluate…');
const photos = await runDemoPhotos({ out: opt.out!, runs, model, seed, frame: { width, height }, onProgress: (st) => say(`  ${st}`) });

// Accuracy under fresh samples of the EOT distribution, on the saved 8-bit adversarial PNGs.
const fresh: Record<string, number> = {};
for (const r of runs) {
  const files = photos.tables.length ? items.map((it) => `${r.dir}/${it.relPath.replace(/\.(png|jpe?g)$/i, '')}.png`) : [];
  const imgs = await Promise.all(files.map((f) => readImage8(resolveInExperiment(opt.out!, f), { channels: 1 })));
  const x = imagesToTensor(imgs) as tf.Tensor4D;
  const acc = await eotAccuracy(model, x, Int32Array.from(items.map((i) => i.label)), EOT_PRESETS['print-camera'], Number(opt['eval-samples']), createRng(`${seed}:fresh`));
  x.dispose();
  fresh[r.method] = acc.mean;
}

const result = {
  images: items.length,
  eps,
  seed,
  frame: { width, height },
  eot: specs[1].params,
  runs: runs.map((r) => ({ ...r, photos: photos.runs.find((p) => p.run === r.dir), freshEotAccuracy: fresh[r.method] })),
  destruction: photos.destruction,
  captures: { accepted: photos.captures.accepted, rejected: photos.captures.rejected, discardRate: photos.captures.discardRate },
  table1: photos.tables.find((t) => t.id === 'table1-photo')?.rows.map((r) => ({ label: r.label, cells: r.cells })),
  photoStage: { seconds: photos.seconds, timings: photos.timings },
  seconds: (Date.now() - started) / 1000,
  machine: machineInfo(),
};
model.dispose();

if (opt.json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const cell = (c: { value: number | null; numerator?: number; denominator?: number; ci?: { low: number; high: number } | null } | null) =>
    c && c.value !== null ? `${(c.value * 100).toFixed(1)}% (${c.numerator}/${c.denominator}) [${((c.ci?.low ?? 0) * 100).toFixed(1)}–${((c.ci?.high ?? 0) * 100).toFixed(1)}]` : '—';
  const lines = [
    `EOT vs BIM at eps ${eps}: ${items.length} images, one simulated ${width}×${height} photo per sheet, seed ${seed}`,
    describeMachine(result.machine),
    '',
    '| method | photo destruction, average top-1 | average top-5 | prefiltered top-1 | prefiltered top-5 | accuracy on fresh EOT samples |',
    '|---|---|---|---|---|---|',
    ...photos.destruction.map((d) => `| ${d.label} | ${cell(d.avg1)} | ${cell(d.avg5)} | ${cell(d.pre1)} | ${cell(d.pre5)} | ${(fresh[runs.find((r) => r.dir === d.run)?.method ?? ''] * 100).toFixed(1)}% |`),
    '',
    ...(result.table1 ?? []).map((r) => `Table 1 ${r.label}: ${Object.entries(r.cells).map(([k, c]) => `${k} ${c?.value === null || !c ? '—' : (c.value * 100).toFixed(1)}`).join(', ')}`),
    `photos: ${photos.captures.accepted} accepted, ${photos.captures.rejected} discarded`,
    `attack seconds: ${runs.map((r) => `${r.method} ${r.seconds.toFixed(0)}`).join(', ')}; photo stage ${photos.seconds.toFixed(0)} s; total ${result.seconds.toFixed(0)} s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
