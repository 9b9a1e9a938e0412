/**
 * The robustness suite's throughput: `runRobustnessSuite` (standard: apgd-ce, apgd-t, square,
 * per-image worst case, FGSM and the masking checks beside it) on one model at one eps over N
 * images, and the time that projects to the 10,000-image Fashion-MNIST test set (issue 18's
 * budget: under 30 minutes on this machine).
 *
 *   npm run bench:suite [-- --images DIR|samples] [-- --limit 500] [-- --eps 8] [-- --model default] [-- --suite standard]
 *
 * Images: the Fashion-MNIST IDX folder (DEFAULT_DATA_DIR: $PRINTSHOT_DATASETS_DIR/fashion-mnist,
 * default /usr/share/datasets/fashion-mnist) when present, else the bundled
 * samples (200 images). The suite's cost depends on how many images survive the cheap attacks
 * (Square spends its whole query budget on each robust image), so the projection holds for the
 * same model and eps only. The machine is shared: the load average is printed beside the figure.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installBackend } from '../src/model/backend';
import { runRobustnessSuite, type SuiteName } from '../src/services/robustness-suite';
import { DEFAULT_DATA_DIR } from '../src/shared/node/paths';

const { values: opt } = parseArgs({
  options: {
    images: { type: 'string' },
    limit: { type: 'string', default: '500' },
    eps: { type: 'string', default: '8' },
    model: { type: 'string', default: 'default' },
    suite: { type: 'string', default: 'standard' },
  },
});

const images = opt.images ?? (existsSync(DEFAULT_DATA_DIR) ? DEFAULT_DATA_DIR : 'samples');
const limit = Number(opt.limit);
const eps = Number(opt.eps);
const backend = await installBackend();
const out = await mkdtemp(join(os.tmpdir(), 'bench-suite-'));
const load0 = os.loadavg()[0];
const t0 = performance.now();
const r = await runRobustnessSuite({ out, models: [opt.model], images, limit, suite: opt.suite as SuiteName, eps: [eps] });
const seconds = (performance.now() - t0) / 1000;
const n = r.images.count;
const [p] = r.models[0].suite.points;
const perAttack = p.attacks.map((a) => `${a.method} ${a.attacked} img ${a.seconds.toFixed(1)} s${a.queries !== null ? ` ${a.queries} queries` : ''}`).join(', ');
process.stdout.write(
  [
    `command: npm run bench:suite -- --images ${images} --limit ${limit} --eps ${eps} --model ${opt.model} --suite ${opt.suite}`,
    `${opt.suite} suite, ${r.models[0].name}, eps ${eps}, ${n} images from ${r.images.source}, backend ${backend.name}, ${os.cpus().length} cores`,
    `robust accuracy ${p.robust.count}/${n}, FGSM accuracy ${p.fgsm.count}/${n}, clean ${p.clean.count}/${n}`,
    `per attack: ${perAttack}`,
    `total ${seconds.toFixed(1)} s (masking checks and FGSM included) = ${(n / seconds).toFixed(2)} img/s; projected for 10,000 images: ${((10_000 / n) * seconds / 60).toFixed(1)} min`,
    `load average (1 min) at start ${load0.toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)}`,
  ].join('\n') + '\n',
);
