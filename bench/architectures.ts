/**
 * Real architectures against PyTorch (issue 13, deliverable 4): Keras-topology InceptionV3,
 * ResNet50 and MobileNetV2 with random weights (test/fixtures/architectures), saved as TF.js
 * Layers folders, against torchvision's same architectures (bench/torch_archs.py), in one run:
 *
 *   steady  threads matched: Printshot with N pool workers (one wasm thread each, a full batch
 *           each) vs PyTorch with N threads on one batch: fwd+bwd and BIM-k img/s (matched-child.ts)
 *   leak    BIM on InceptionV3 in its own process (batch 8 × 10 steps, 1 × 100 steps): peak RSS and
 *           tf.memory().numTensors at every step (asserted: the bench exits 1 on a leak)
 *   whole   the real CLI, `printshot attack --method bim --eps 8 --iterations 10`, on 5 and 32
 *           random PNGs, vs bench/torch_archs.py doing the same job, each timed from spawn to exit
 *
 *   npm run bench:archs [-- --quick] [-- --parts steady,leak,whole] [-- --json] …
 *
 * Every Printshot measurement runs before its PyTorch counterpart, never at the same time.
 * See bench/README.md ("Real architectures") and docs/BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ARCH_IDS, ARCH_SIZE, ARCH_TITLE, saveArch, type ArchId, type ArchModel } from './lib/arch-models';
import { renderLeak, renderSteady, renderWhole, type LeakRow, type SteadyRow, type WholeRow } from './lib/arch-report';
import { leakCheck, leakVerdict, printshotSteady, torchFormats, torchSteady, type SteadyConfig } from './lib/arch-steady';
import { makeImageFolder, printshotWhole, torchWhole } from './lib/arch-whole';
import { describeMachine, machineInfo } from './lib/machine';
import { ROOT } from './lib/node-bench';

const { values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    parts: { type: 'string', default: 'steady,leak,whole' },
    'steady-models': { type: 'string', default: 'inceptionv3,resnet50,mobilenetv2' },
    'whole-models': { type: 'string', default: 'inceptionv3,mobilenetv2' },
    images: { type: 'string', default: '5,32' },
    threads: { type: 'string', default: '2' },
    leak: { type: 'string' },
    'fresh-models': { type: 'boolean', default: false },
    'reuse-models': { type: 'boolean', default: false },
    'cli-batch': { type: 'string' },
    'no-torch': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opt.help) {
  process.stdout.write(
    [
      'npm run bench:archs -- [--quick] [--json] [--parts steady,leak,whole] [--threads 2] [--no-torch]',
      '   [--steady-models inceptionv3,resnet50,mobilenetv2] [--whole-models inceptionv3,mobilenetv2] [--images 5,32]',
      '   [--leak 8x10,1x100] [--cli-batch B] [--fresh-models]',
      '  --quick       small batches and step counts (a smoke run; figures are not comparable to the full run)',
      '  --leak LIST   InceptionV3 leak/RSS cells, BATCHxSTEPS each (default 8x10,1x100; --quick: 1x5)',
      '  --cli-batch   pass --batch B to printshot attack (default: the CLI default)',
      '  --fresh-models  rebuild the saved models instead of reusing the cached folders',
      '  --reuse-models  reuse the newest cached folder even if the fixture sources changed since',
      '',
    ].join('\n'),
  );
  process.exit(0);
}
const fail = (msg: string): never => {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
};
const ints = (s: string, what: string): number[] => s.split(',').filter(Boolean).map((v) => (Number.isInteger(Number(v)) && Number(v) >= 1 ? Number(v) : fail(`${what}: '${v}' is not a positive integer`)));
const archs = (s: string): ArchId[] => s.split(',').filter(Boolean).map((m) => (ARCH_IDS.includes(m as ArchId) ? (m as ArchId) : fail(`unknown model '${m}' (${ARCH_IDS.join(', ')})`)));
const say = (line: string): void => void process.stderr.write(`${line}\n`);

const parts = new Set(opt.parts.split(','));
const threads = ints(opt.threads, '--threads')[0];
const steadyModels = parts.has('steady') ? archs(opt['steady-models']) : [];
const wholeModels = parts.has('whole') ? archs(opt['whole-models']) : [];
const imageCounts = ints(opt.images, '--images');
const steadyCfg: SteadyConfig = opt.quick ? { batch: 2, warmup: 1, iters: 1, bimBatches: 1, bimSteps: 3 } : { batch: 4, warmup: 1, iters: 2, bimBatches: 1, bimSteps: 10 };
// Peak RSS at the job's batch size (8) over a BIM-10, and the tensor count over 100 steps on one
// image: BIM-100 at batch 8 is about 800 InceptionV3 input-gradient passes on one thread.
const leakCells = (opt.leak ?? (opt.quick ? '1x5' : '8x10,1x100')).split(',').filter(Boolean).map((c) => {
  const m = /^(\d+)x(\d+)$/.exec(c);
  return m && Number(m[1]) >= 1 && Number(m[2]) >= 1 ? { batch: Number(m[1]), steps: Number(m[2]) } : fail(`--leak: '${c}' is not BATCHxSTEPS`);
});
const ITERATIONS = 10;
const EPS = 8;

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${head} + uncommitted changes in the working tree` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const machine = machineInfo();
  const argv = process.argv.slice(2);
  const command = process.env.npm_lifecycle_event === 'bench:archs' ? `npm run bench:archs${argv.length ? ` -- ${argv.join(' ')}` : ''}` : `node --import tsx bench/architectures.ts ${argv.join(' ')}`.trim();
  const commit = gitCommit();
  say(`command: ${command}\nmachine: ${describeMachine(machine)}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} at start; ${machine.date}; git ${commit}`);
  const t0 = performance.now();
  const needed = [...new Set([...steadyModels, ...wholeModels, ...(parts.has('leak') ? (['inceptionv3'] as const) : [])])];
  const models = new Map<ArchId, ArchModel>();
  const buildErrors: string[] = [];
  for (const id of needed) {
    say(`building ${ARCH_TITLE[id]} …`);
    const m = await saveArch(id, 0, opt['fresh-models'] ? 'fresh' : opt['reuse-models'] ? 'any' : 'exact');
    if ('error' in m) buildErrors.push(`${ARCH_TITLE[id]}: ${m.error}`);
    else models.set(id, m);
    if ('error' in m) say(`  ${m.error}`);
    else say(`  ${m.params.toLocaleString('en')} parameters, ${m.layers} layers, ${(m.macs / 1e9).toFixed(2)} GMAC per image, from ${m.source}`);
  }
  const temp: string[] = [];
  const steady: SteadyRow[] = [];
  const leaks: LeakRow[] = [];
  const whole: WholeRow[] = [];
  const formats = new Map<ArchId, string>();
  let torchInfo = '';
  try {
    const ready = steadyModels.filter((id) => models.has(id));
    for (const id of ready) {
      say(`steady: ${ARCH_TITLE[id]}, Printshot ${threads} workers × batch ${steadyCfg.batch} …`);
      steady.push({ model: id, batch: steadyCfg.batch, bimSteps: steadyCfg.bimSteps, workers: threads, printshot: await printshotSteady(models.get(id)!.dir, threads, steadyCfg, opt.json) });
    }
    if (ready.length && !opt['no-torch']) {
      say(`steady: PyTorch ${threads} threads, ${ready.join(', ')} …`);
      const t = await torchSteady(ready, threads, steadyCfg, opt.json);
      for (const row of steady) row.torch = t.value?.results.find((r) => r.model === row.model) ?? { model: row.model, batch: steadyCfg.batch, error: t.error ?? 'no result' };
      for (const r of t.value?.results ?? []) if (r.memory_format) formats.set(r.model, r.memory_format);
      if (t.value) torchInfo = `torch ${t.value.torch}, torchvision ${t.value.torchvision}, BLAS ${t.value.blas.join('+')}; ${t.command}`;
    }
    for (const c of parts.has('leak') && models.has('inceptionv3') ? leakCells : []) {
      say(`leak: InceptionV3 BIM-${c.steps} at batch ${c.batch} …`);
      leaks.push({ model: 'inceptionv3', result: await leakCheck(models.get('inceptionv3')!.dir, c.batch, c.steps, opt.json) });
    }
    if (wholeModels.length) {
      say('whole: building the CLI bundle (scripts/build-cli.mjs) …');
      execFileSync(process.execPath, ['scripts/build-cli.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
    }
    const unprobed = wholeModels.filter((m) => models.has(m) && !formats.has(m));
    if (unprobed.length && !opt['no-torch']) {
      say(`whole: PyTorch memory-format probe for ${unprobed.join(', ')} (not timed) …`);
      const f = await torchFormats(unprobed, threads, steadyCfg.batch, opt.json);
      for (const [m, [fmt]] of Object.entries(f.value ?? {})) formats.set(m as ArchId, fmt);
      if (f.error) say(`  probe failed (${f.error}): channels_last`);
    }
    for (const id of wholeModels.filter((m) => models.has(m))) {
      for (const n of imageCounts) {
        const imageDir = mkdtempSync(join(os.tmpdir(), `printshot-bench-images-${id}-`));
        const outP = mkdtempSync(join(os.tmpdir(), 'printshot-bench-out-'));
        const outT = mkdtempSync(join(os.tmpdir(), 'printshot-bench-torch-out-'));
        temp.push(imageDir, outP, outT);
        await makeImageFolder(imageDir, n, ARCH_SIZE[id], 100 + n);
        const job = { modelDir: models.get(id)!.dir, imageDir, iterations: ITERATIONS, eps: EPS, threads, cliBatch: opt['cli-batch'] ? Number(opt['cli-batch']) : undefined, torchBatch: 32, torchModel: id, torchFormat: formats.get(id) ?? 'channels_last' };
        say(`whole: ${ARCH_TITLE[id]} × ${n} images, Printshot CLI …`);
        const row: WholeRow = { model: id, images: n, printshot: await printshotWhole(job, join(outP, 'exp'), 3600) };
        say(`  ${row.printshot.error ?? `${row.printshot.seconds.toFixed(1)} s`}`);
        if (!opt['no-torch']) {
          say(`whole: ${ARCH_TITLE[id]} × ${n} images, PyTorch …`);
          row.torch = await torchWhole(job, outT, 3600);
          say(`  ${row.torch.error ?? `${row.torch.seconds.toFixed(1)} s`}`);
        }
        whole.push(row);
      }
    }
  } finally {
    for (const d of temp) rmSync(d, { recursive: true, force: true });
  }
  const seconds = (performance.now() - t0) / 1000;
  const leaked = leaks.some((l) => !l.result.value || !leakVerdict(l.result.value).steady);
  if (opt.json) {
    process.stdout.write(`${JSON.stringify({ command, machine, commit, loadAvgAtEnd: os.loadavg(), models: [...models.values()], buildErrors, steadyConfig: steadyCfg, steady, leaks, whole: whole.map((w) => ({ ...w, printshot: { ...w.printshot, stdout: undefined } })), seconds }, null, 1)}\n`);
  } else {
    const L = ['', `Real architectures — ${machine.date}`, `command: ${command}`, `machine: ${describeMachine(machine)}; load average ${machine.loadAvg1.toFixed(2)} at start, ${os.loadavg()[0].toFixed(2)} at end`, `git:     ${commit}`];
    for (const m of models.values()) L.push(`model:   ${ARCH_TITLE[m.id]} ${ARCH_SIZE[m.id]}² — ${m.params.toLocaleString('en')} parameters, ${m.layers} layers, ${(m.macs / 1e9).toFixed(2)} GMAC/image (${m.source})`);
    for (const e of buildErrors) L.push(`not built: ${e}`);
    if (torchInfo) L.push(`PyTorch: ${torchInfo}`);
    if (steady.length) {
      L.push('', `STEADY STATE, threads matched: Printshot ${threads} pool workers (1 wasm thread each, batch ${steadyCfg.batch} each in flight) vs PyTorch ${threads} threads (batch ${steadyCfg.batch}); fwd+bwd: ${steadyCfg.warmup} warm-up + ${steadyCfg.iters} timed steps; BIM-${steadyCfg.bimSteps}: one job after a BIM-2 warm-up`, '');
      L.push(...renderSteady(steady, models));
      L.push(`cells: ${steady.map((s) => s.printshot.command).slice(-1)[0]}`);
    }
    if (leaks.length) L.push('', 'PEAK RSS AND TENSOR LEAKS', ...renderLeak(leaks), ...leaks.map((l) => `cell: ${l.result.command}`));
    if (whole.length) {
      L.push('', `WHOLE PROCESS, ${threads} threads: printshot attack --method bim --eps ${EPS} --iterations ${ITERATIONS} (the bundle, CLI defaults otherwise) vs bench/torch_archs.py whole (OMP/OPENBLAS/MKL_NUM_THREADS=${threads}), spawn to exit`, '');
      L.push(...renderWhole(whole));
      L.push(`PyTorch memory format (probed): ${[...new Set(whole.map((w) => w.model))].map((m) => `${ARCH_TITLE[m]} ${formats.get(m) ?? 'channels_last (not probed)'}`).join(', ')}`);
      const w = whole[whole.length - 1];
      L.push(`e.g.: ${w.printshot.command}`, ...(w.torch ? [`      ${w.torch.command}`] : []));
    }
    L.push('', `time: ${seconds.toFixed(0)} s`);
    process.stdout.write(`${L.join('\n')}\n`);
  }
  if (leaked) {
    say('bench: tensor leak (or failed leak check) in the leak part: see above');
    process.exitCode = 1;
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
