/**
 * Simulation against capture on the demo's runs (issue 17 acceptance): does a simulation through
 * the fitted channel profile predict the photographed destruction rate within 5 points?
 *
 *   npm run bench:channel -- --experiment DIR     # an experiment written by `npm run demo`
 *   npm run bench:channel                         # runs the demo first (all 200 images, ~10 min)
 *   npm run bench:channel -- --limit 40           # the demo on 40 images (a quick look, wide intervals)
 *   options: --fit-photos N (photos the fit uses, default 6), --seed S, --json
 *
 * The demo's photos are drawn through a known non-default channel (src/services/demo-channel.ts).
 * The bench fits the channel from N of them (`channel fit`), prints how close the fit is to the
 * truth, then compares every photographed run (`channel compare`): photographed, fitted profile
 * and default channel, each with count and 95 % Wilson interval, the gaps in points, and whether
 * |gap| ≤ 5 per run and pooled. Timings are wall clock; the load average is printed beside them.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { channelProfileText } from '../src/calibration';
import { installBackend } from '../src/model/backend';
import { channelCompareText } from '../src/reports/channel-compare';
import { runChannelCompare } from '../src/services/channel-compare';
import { runChannelFit } from '../src/services/channel-fit';
import { runDemo } from '../src/services/demo';
import { DEMO_CHANNEL } from '../src/services/demo-channel';
import { installNodeHost } from '../src/transforms/node/host';
import { describeMachine, machineInfo } from './lib/machine';

installNodeHost();
const { values: opt } = parseArgs({
  options: {
    experiment: { type: 'string' },
    limit: { type: 'string' },
    'fit-photos': { type: 'string', default: '6' },
    seed: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const say = (s: string) => process.stderr.write(`${s}\n`);
const load = () => os.loadavg()[0].toFixed(1);

await installBackend();
let experiment = opt.experiment;
let demoSeconds: number | null = null;
if (!experiment) {
  experiment = join(await mkdtemp(join(os.tmpdir(), 'bench-channel-')), 'demo');
  say(`running the demo into ${experiment}${opt.limit ? ` (${opt.limit} images)` : ''}…`);
  const demo = await runDemo({ out: experiment, limit: opt.limit ? Number(opt.limit) : undefined, onProgress: (stage) => say(`  ${stage}`) });
  demoSeconds = demo.seconds;
}
const t0 = Date.now();
const fit = await runChannelFit({ experiment, maxPhotos: Number(opt['fit-photos']) });
const fitSeconds = (Date.now() - t0) / 1000;
const loadFit = load();
const t1 = Date.now();
const { comparison } = await runChannelCompare({ experiment, seed: opt.seed, onProgress: (d, t) => d % 10 === 0 && say(`  compare ${d}/${t} photos`) });
const compareSeconds = (Date.now() - t1) / 1000;
const p = fit.profile;
const matrixMaxError = Math.max(...p.matrix.flatMap((row, r) => row.map((v, c) => Math.abs(v - DEMO_CHANNEL.matrix[r][c]))));
const sigmaRelativeError = p.blurSigma / DEMO_CHANNEL.blurSigma - 1;
const within = (g: number | null) => g !== null && Math.abs(g) <= 5;
const verdict = {
  runs: comparison.rows.filter((r) => r.gapProfile !== null).length,
  undefinedRuns: comparison.rows.filter((r) => r.gapProfile === null).length,
  runsWithin5: comparison.rows.filter((r) => within(r.gapProfile)).length,
  pooledGapProfile: comparison.total.gapProfile,
  pooledGapDefault: comparison.total.gapDefault,
  pooledWithin5: within(comparison.total.gapProfile),
};
const command = `npm run bench:channel -- --experiment ${experiment} --fit-photos ${opt['fit-photos']} --seed ${opt.seed}`;
if (opt.json) {
  process.stdout.write(`${JSON.stringify({ experiment, command, machine: machineInfo(), demoSeconds, fitSeconds, compareSeconds, recovery: { matrixMaxError, sigmaRelativeError }, profile: p, comparison, verdict }, null, 2)}\n`);
} else {
  process.stdout.write(
    [
      `bench:channel — ${describeMachine(machineInfo())}`,
      `experiment ${experiment}${demoSeconds !== null ? ` (demo ${demoSeconds.toFixed(0)} s)` : ''}`,
      '',
      `Fitted from ${p.provenance.photos.length} photos in ${fitSeconds.toFixed(1)} s (load ${loadFit}):`,
      ...channelProfileText(p).map((l) => `  ${l}`),
      `  true: gamma ${DEMO_CHANNEL.tone.gamma.join(' ')}, blur sigma ${DEMO_CHANNEL.blurSigma}; colour matrix max error ${matrixMaxError.toFixed(3)}, PSF sigma error ${(sigmaRelativeError * 100).toFixed(1)}%`,
      '',
      ...channelCompareText(comparison),
      '',
      `profile within 5 points: ${verdict.runsWithin5} of ${verdict.runs} runs with a defined rate` +
        `${verdict.undefinedRuns ? ` (${verdict.undefinedRuns} with no pair whose clean image is right and adversarial wrong)` : ''}; ` +
        `pooled gap ${verdict.pooledGapProfile ?? '—'} points (default channel ${verdict.pooledGapDefault ?? '—'})`,
      `compare: ${comparison.total.photos} photos in ${compareSeconds.toFixed(0)} s (load ${load()})`,
      `command: ${command}`,
    ].join('\n') + '\n',
  );
}
