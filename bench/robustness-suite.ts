/**
 * The robustness suite's throughput: `runRobustnessSuite` (standard: apgd-ce, apgd-t, fab-t,
 * square, per-image worst case, FGSM and the masking checks beside it) on one model at one eps,
 * and the time that projects to the 10,000-image Fashion-MNIST test set (issue 18's budget: under
 * 30 minutes on this machine).
 *
 *   npm run bench:suite [-- --images DIR|samples|proxy] [-- --limit N] [-- --eps 8] [-- --model default]
 *                       [-- --suite standard] [-- --lanes N]
 *
 * Images: --images DIR (e.g. the Fashion-MNIST IDX folder); by default DEFAULT_DATA_DIR
 * ($PRINTSHOT_DATASETS_DIR/fashion-mnist, default /usr/share/datasets/fashion-mnist) when
 * present, else the PROXY: the 200 bundled samples repeated 50× (10,000 images), each copy with
 * its own seeded noise of ±2 levels per pixel so that no two images are identical. The proxy has
 * the samples' difficulty, not the test set's: every figure from it is labelled "proxy".
 * The suite's cost depends on how many images survive the cheap attacks (every attack spends its
 * whole budget on a robust image), so a projection holds for the same model and eps only. The
 * machine is shared: CPU seconds (all threads) and the load average are printed beside the wall
 * time; on an otherwise idle machine the wall time is about CPU seconds / lanes. While it runs it
 * prints each attack as it finishes and the images done once a minute, so a run cut short still
 * leaves its record (docs/BENCHMARKS.md, "Robustness suite on the full 10,000-image test set").
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { installBackend } from '../src/model/backend';
import type { Rate } from '../src/metrics/attack-summary';
import { runRobustnessSuite, type SuiteName } from '../src/services/robustness-suite';
import { openImages, openModel } from '../src/services/sources';
import { createRng, type LabeledImage } from '../src/shared';
import { DEFAULT_DATA_DIR } from '../src/shared/node/paths';

const { values: opt } = parseArgs({
  options: {
    images: { type: 'string' },
    limit: { type: 'string', default: '10000' },
    eps: { type: 'string', default: '8' },
    model: { type: 'string', default: 'default' },
    suite: { type: 'string', default: 'standard' },
    lanes: { type: 'string' },
  },
});

/** The 10,000-image proxy: 50 noisy copies of the bundled samples (±2 levels, seeded per copy). */
async function proxySet(): Promise<{ root: string; items: LabeledImage[] }> {
  const model = await openModel(opt.model);
  const samples = await openImages('samples', model);
  model.dispose();
  const items = Array.from({ length: 50 }, (_, c) => {
    const rng = createRng(`proxy:${c}`);
    return samples.items.map((it) => ({
      ...it,
      relPath: `proxy-${c}/${it.relPath}`,
      image: { ...it.image, data: it.image.data.map((v) => Math.min(255, Math.max(0, v + rng.int(5) - 2))) },
    }));
  }).flat();
  return { root: `proxy: ${samples.root} × 50, ±2 levels of seeded noise`, items };
}

const source = opt.images ?? (existsSync(DEFAULT_DATA_DIR) ? DEFAULT_DATA_DIR : 'proxy');
const limit = Number(opt.limit);
const eps = Number(opt.eps);
const backend = await installBackend();
const images = source === 'proxy' ? await proxySet() : source;
const out = await mkdtemp(join(os.tmpdir(), 'bench-suite-'));
const load0 = os.loadavg()[0];
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const lanes = opt.lanes ? Number(opt.lanes) : undefined;
// Progress lines as the run goes (a 10,000-image run on a loaded machine can outlast a session):
// each attack when it finishes, and the images done at most once a minute.
const cpuSoFar = () => {
  const c = process.cpuUsage(cpu0);
  return `${((c.user + c.system) / 1e6).toFixed(0)} CPU s`;
};
const stamp = () => `[${new Date().toISOString().slice(11, 19)} UTC, ${((performance.now() - t0) / 1000).toFixed(0)} s, ${cpuSoFar()}, load ${os.loadavg()[0].toFixed(1)}]`;
let lastLine = 0;
const r = await runRobustnessSuite({
  out, models: [opt.model], images, limit, suite: opt.suite as SuiteName, eps: [eps], lanes,
  onAttack: (_m, e, a) => process.stdout.write(`${stamp()} eps ${e} ${a.method} done: ${a.attacked} images attacked, ${a.broken} broken, ${a.seconds.toFixed(1)} s\n`),
  onImages: (method, done, total) => {
    if (performance.now() - lastLine < 60_000) return;
    lastLine = performance.now();
    process.stdout.write(`${stamp()} ${method}: ${done}/${total} images\n`);
  },
});
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const n = r.images.count;
const [p] = r.models[0].suite.points;
const perAttack = p.attacks.map((a) => `${a.method} ${a.attacked} img ${a.broken} broken ${a.seconds.toFixed(1)} s${a.queries !== null ? ` ${a.queries} queries` : ''}`).join(', ');
const pct = (r: Rate) => `${((r.rate ?? 0) * 100).toFixed(2)} % (${r.count}/${r.total}) [${((r.ci?.low ?? 0) * 100).toFixed(2)}, ${((r.ci?.high ?? 0) * 100).toFixed(2)}]`;
const proxy = source === 'proxy' ? ' (PROXY set)' : '';
process.stdout.write(
  [
    `command: npm run bench:suite -- --images ${source} --limit ${limit} --eps ${eps} --model ${opt.model} --suite ${opt.suite}${lanes ? ` --lanes ${lanes}` : ''}`,
    `${opt.suite} suite, ${r.models[0].name}, eps ${eps}, ${n} images from ${r.images.source}${proxy}, backend ${backend.name}, ${os.cpus().length} cores, ${new Date().toISOString()}`,
    `robust accuracy ${pct(p.robust)}, FGSM accuracy ${pct(p.fgsm)}, clean ${pct(p.clean)} (count/images, 95 % Wilson interval)`,
    `broken by: ${Object.entries(p.brokenBy).map(([k, v]) => `${k} ${v}`).join(', ')}; robust ${p.robust.count}`,
    `per attack: ${perAttack}`,
    `total ${seconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU s (all threads; masking checks and FGSM included) = ${(n / seconds).toFixed(2)} img/s; projected for 10,000 images${proxy}: ${((10_000 / n) * seconds / 60).toFixed(1)} min wall, ${((10_000 / n) * cpuSeconds / 60).toFixed(1)} CPU min`,
    `load average (1 min) at start ${load0.toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)}`,
  ].join('\n') + '\n',
);
