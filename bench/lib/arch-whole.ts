/**
 * Whole-process runs for bench/architectures.ts: the real CLI (`node bin/printshot.mjs attack
 * --method bim …`) and bench/torch_archs.py's `whole` mode doing the same job (start, build the
 * model, read the PNGs, BIM with 8-bit rounding, write the PNGs), each timed from spawn to exit
 * under /usr/bin/time, which also gives the process' peak RSS (Node: main thread + workers).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writePng } from '../../src/images/encode';
import { createRng } from '../../src/shared';
import { firstLine } from './config';
import { machineBusySeconds } from './machine';
import { ROOT } from './node-bench';
import { PYTHON } from './torch';

export interface ProcessRun {
  command: string;
  code: number | null;
  /** Wall seconds from spawn to exit. */
  seconds: number;
  /** Peak RSS of the process (GNU time's %M), MiB. */
  maxRssMiB?: number;
  /** CPU seconds (user + system) of the process and its threads. */
  cpuSeconds?: number;
  /** Cores other processes kept busy meanwhile (0 on an idle machine). */
  background?: number;
  stdout: string;
  stderrTail: string;
  /** The CLI's log lines that mention workers or the execution path (its scheduling choice). */
  planLines: string[];
  /** PNG files found under the output folder afterwards. */
  pngsWritten: number;
  error?: string;
}

/** `n` random 8-bit RGB PNGs of size×size, in class folders 'class_K' (K < 10), seeded. */
export async function makeImageFolder(dir: string, n: number, size: number, seed: number): Promise<void> {
  const rng = createRng(seed);
  for (let i = 0; i < n; i++) {
    const label = rng.int(10);
    const data = new Uint8Array(size * size * 3);
    for (let j = 0; j < data.length; j++) data[j] = rng.int(256);
    mkdirSync(join(dir, `class_${label}`), { recursive: true });
    await writePng(join(dir, `class_${label}`, `img_${String(i).padStart(3, '0')}.png`), { width: size, height: size, channels: 3, data });
  }
}

function countPngs(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.toLowerCase().endsWith('.png')).length;
  } catch {
    return 0;
  }
}

const TIME_MARK = '__bench_time__';
const quote = (s: string): string => (/^[\w./,=:@+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** Runs `file args` under /usr/bin/time with `env` added; `outDir` is where it writes PNGs. */
export function timedProcess(file: string, args: readonly string[], env: Record<string, string>, outDir: string, timeoutS: number): Promise<ProcessRun> {
  const command = [...Object.entries(env).map(([k, v]) => `${k}=${v}`), file, ...args].map(quote).join(' ');
  return new Promise((resolve) => {
    const b0 = machineBusySeconds();
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', `${TIME_MARK} %M %U %S`, file, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    const done = (code: number | null, error?: string): void => {
      clearTimeout(timer);
      const seconds = (performance.now() - t0) / 1000;
      const b1 = machineBusySeconds();
      const mark = stderr.split('\n').find((l) => l.startsWith(TIME_MARK));
      const [rssKiB, user, sys] = mark ? mark.split(/\s+/).slice(1).map(Number) : [];
      const cpuSeconds = mark ? user + sys : undefined;
      const background = b0 !== undefined && b1 !== undefined && cpuSeconds !== undefined ? Math.max(0, (b1 - b0 - cpuSeconds) / seconds) : undefined;
      // GNU time adds 'Command exited with non-zero status N': keep the process' own last lines.
      const stderrTail = stderr.split('\n').filter((l) => l && !l.startsWith(TIME_MARK) && !l.startsWith('Command exited with')).slice(-5).join('\n');
      const planLines = stderr.split('\n').filter((l) => /worker|in-process|compiled|fallback/i.test(l)).slice(0, 4);
      resolve({ command, code, seconds, maxRssMiB: rssKiB ? rssKiB / 1024 : undefined, cpuSeconds, background, stdout, stderrTail, planLines, pngsWritten: countPngs(outDir), error: error ?? (code === 0 ? undefined : `exit ${code}: ${stderrTail.split('\n').pop() ?? ''}`) });
    };
    child.on('error', (e) => done(null, firstLine(e)));
    child.on('close', (code) => done(code));
  });
}

export interface WholeJob {
  modelDir: string;
  imageDir: string;
  iterations: number;
  eps: number;
  threads: number;
  /** Printshot's --batch (undefined: the CLI's default) and PyTorch's batch. */
  cliBatch?: number;
  torchBatch: number;
  torchModel: string;
  torchFormat: string;
}

export function printshotWhole(job: WholeJob, outDir: string, timeoutS: number): Promise<ProcessRun> {
  const args = ['bin/printshot.mjs', 'attack', '--model', job.modelDir, '--images', job.imageDir, '--method', 'bim', '--eps', String(job.eps), '--iterations', String(job.iterations), '--out', outDir];
  if (job.cliBatch) args.push('--batch', String(job.cliBatch));
  args.push('--json');
  // The bundle (what an installed printshot runs; the caller builds it first), with the info log
  // lines that say how the job was scheduled.
  return timedProcess(process.execPath, args, { PRINTSHOT_BUNDLE: 'on', PRINTSHOT_LOG: 'info' }, outDir, timeoutS);
}

export function torchWhole(job: WholeJob, outDir: string, timeoutS: number): Promise<ProcessRun> {
  const n = String(job.threads);
  const args = [join('bench', 'torch_archs.py'), 'whole', '--models', job.torchModel, '--threads', n, '--images', job.imageDir, '--out', outDir, '--eps', String(job.eps), '--iterations', String(job.iterations), '--batch', String(job.torchBatch), '--memory-format', job.torchFormat];
  return timedProcess(PYTHON, args, { OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n }, outDir, timeoutS);
}
