/**
 * `npm run bench:whole [-- options]`: one attack job as whole processes, from spawn to exit:
 * the real CLI (`node bin/printshot.mjs attack --method bim …`, bundle, default --workers) against
 * bench/torch_whole.py doing the same job in PyTorch (start Python, load the same TF.js weights,
 * read the PNGs, BIM with 8-bit rounding per step, predict clean and adversarial, write the PNGs
 * atomically with their sha256 in a manifest) with `--threads` threads. Prints both wall times,
 * the ratio (PyTorch ÷ Printshot: ≥ 1 means Printshot is as fast), and the command lines.
 *
 * Defaults: the bundled Fashion-MNIST CNN, BIM-20 at eps 16 on 400 images (the 200 bundled samples,
 * each twice), 2 threads, best of 3. Options: --model DIR (a TF.js Layers folder scripts/import_tfjs.py
 * reads) --images DIR (class folders) --count N --method M --iterations N --eps N --threads N
 * --repeat N --batch N --workers N --json. Interleaves the two sides so load changes hit both.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { timedProcess, type ProcessRun } from './lib/arch-whole';
import { describeMachine, machineInfo } from './lib/machine';
import { ROOT } from './lib/node-bench';
import { PYTHON } from './lib/torch';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const cfg = {
  model: option('model', path.join(ROOT, 'assets/models/fashion-cnn')),
  images: option('images', ''),
  count: Number(option('count', '400')),
  method: option('method', 'bim'),
  iterations: Number(option('iterations', '20')),
  eps: Number(option('eps', '16')),
  threads: Number(option('threads', '2')),
  repeat: Number(option('repeat', '3')),
  batch: Number(option('batch', '32')),
  workers: option('workers', ''),
  json: process.argv.includes('--json'),
};

/** `count` PNGs from `src` (class folders), cycling through them, named so that copies differ. */
function imageFolder(src: string, count: number, dest: string): void {
  const files = readdirSync(src, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(path.join(src, d.name)).filter((f) => f.toLowerCase().endsWith('.png')).map((f) => [d.name, f] as const))
    .sort();
  if (files.length === 0) throw new Error(`${src}: no PNGs in class folders`);
  for (let i = 0; i < count; i++) {
    const [cls, f] = files[i % files.length];
    mkdirSync(path.join(dest, cls), { recursive: true });
    copyFileSync(path.join(src, cls, f), path.join(dest, cls, `${Math.floor(i / files.length)}-${f}`));
  }
}

const say = (line: string): boolean => process.stderr.write(`${line}\n`);

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'printshot-whole-'));
  const build = spawnSync(process.execPath, ['scripts/build-cli.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('scripts/build-cli.mjs failed');
  const images = path.join(work, 'images');
  imageFolder(cfg.images || path.join(ROOT, 'assets/samples'), cfg.count, images);
  const n = String(cfg.threads);
  const cliArgs = (out: string) => {
    const a = ['bin/printshot.mjs', 'attack', '--model', cfg.model, '--images', images, '--method', cfg.method, '--eps', String(cfg.eps), '--iterations', String(cfg.iterations), '--batch', String(cfg.batch), '--out', out, '--json'];
    if (cfg.workers) a.push('--workers', cfg.workers);
    return a;
  };
  const torchArgs = (out: string) => ['bench/torch_whole.py', '--model', cfg.model, '--images', images, '--out', out, '--eps', String(cfg.eps), '--iterations', String(cfg.iterations), '--batch', String(cfg.batch), '--threads', n];
  const printshot: ProcessRun[] = [];
  const torch: ProcessRun[] = [];
  try {
    for (let r = 0; r < cfg.repeat; r++) {
      const p = await timedProcess(process.execPath, cliArgs(path.join(work, `p${r}`)), { PRINTSHOT_BUNDLE: 'on', PRINTSHOT_LOG: 'info' }, path.join(work, `p${r}`), 900);
      say(`printshot ${r + 1}/${cfg.repeat}: ${p.seconds.toFixed(2)} s${p.error ? ` (${p.error})` : ''}; ${p.stderrTail.split('\n').find((l) => /workers|in-process/.test(l)) ?? ''}`);
      printshot.push(p);
      const t = await timedProcess(PYTHON, torchArgs(path.join(work, `t${r}`)), { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n }, path.join(work, `t${r}`), 900);
      say(`pytorch   ${r + 1}/${cfg.repeat}: ${t.seconds.toFixed(2)} s${t.error ? ` (${t.error})` : ''}`);
      torch.push(t);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const best = (rs: ProcessRun[]) => rs.filter((r) => !r.error).sort((a, b) => a.seconds - b.seconds)[0];
  const bp = best(printshot);
  const bt = best(torch);
  const ratio = bp && bt ? bt.seconds / bp.seconds : undefined;
  const result = {
    machine: describeMachine(machineInfo()),
    loadAvgAtEnd: os.loadavg()[0],
    job: { ...cfg, images: cfg.images || 'assets/samples (cycled)' },
    printshot: printshot.map((r) => ({ seconds: r.seconds, cpuSeconds: r.cpuSeconds, maxRssMiB: r.maxRssMiB, background: r.background, pngs: r.pngsWritten, error: r.error })),
    pytorch: torch.map((r) => ({ seconds: r.seconds, cpuSeconds: r.cpuSeconds, maxRssMiB: r.maxRssMiB, background: r.background, pngs: r.pngsWritten, error: r.error, phases: r.stdout.trim().split('\n').pop() })),
    ratio,
    commands: { printshot: printshot[0]?.command, pytorch: torch[0]?.command },
  };
  if (cfg.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const fmt = (r: ProcessRun | undefined) =>
    r ? `${r.seconds.toFixed(2)} s wall, ${r.cpuSeconds?.toFixed(2) ?? '—'} s CPU, peak RSS ${r.maxRssMiB?.toFixed(0) ?? '—'} MiB, background ${r.background?.toFixed(2) ?? '—'} cores, ${r.pngsWritten} PNGs` : 'failed';
  console.log(result.machine);
  console.log(`${cfg.method.toUpperCase()}-${cfg.iterations}, eps ${cfg.eps}, ${cfg.count} images, batch ${cfg.batch}, ${cfg.threads} threads, best of ${cfg.repeat}`);
  console.log(`Printshot: ${fmt(bp)}`);
  console.log(`PyTorch:   ${fmt(bt)}${bt ? `  phases ${bt.stdout.trim().split('\n').pop()}` : ''}`);
  console.log(`ratio (PyTorch s / Printshot s): ${ratio?.toFixed(2) ?? '—'} (target ≥ 1.0); load average now ${os.loadavg()[0].toFixed(2)}`);
  console.log(`commands (in a temporary folder):\n  ${result.commands.printshot}\n  ${result.commands.pytorch}`);
  console.log(`produced by: npm run bench:whole -- ${process.argv.slice(2).join(' ')}`.trimEnd());
}

await main();
