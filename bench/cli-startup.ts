/**
 * `npm run bench:startup [-- --runs N] [--no-sources]`: how long `printshot` takes as a whole
 * process for `--help`, `--version`, `doctor` and a one-image `classify`, from the esbuild bundle
 * (what `npm install` builds) and, for comparison, from src/ through tsx. Best and median of N
 * runs, wall and CPU seconds, and the cores other processes kept busy meanwhile (a loaded machine
 * inflates wall time; CPU time is the steadier figure). Target (issue 13): `--help` ≤ 0.3 s.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { timedProcess, type ProcessRun } from './lib/arch-whole';
import { describeMachine, machineInfo } from './lib/machine';
import { ROOT } from './lib/node-bench';

const argv = process.argv.slice(2);
const runs = Number(argv[argv.indexOf('--runs') + 1] || 7);
const withSources = !argv.includes('--no-sources');

function oneImageFolder(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'printshot-startup-'));
  const cls = 'Bag';
  const file = readdirSync(path.join(ROOT, 'assets/samples', cls)).find((f) => f.endsWith('.png'))!;
  mkdirSync(path.join(dir, cls));
  copyFileSync(path.join(ROOT, 'assets/samples', cls, file), path.join(dir, cls, file));
  return dir;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (x: number | undefined): string => (x === undefined ? '—' : x.toFixed(3));

async function series(args: string[], env: Record<string, string>): Promise<ProcessRun[]> {
  const out: ProcessRun[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await timedProcess(process.execPath, ['bin/printshot.mjs', ...args], { PRINTSHOT_LOG: 'warn', ...env }, os.tmpdir(), 300);
    if (r.code !== 0) throw new Error(`${r.command}: ${r.error}`);
    out.push(r);
  }
  return out;
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build-cli.mjs', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('scripts/build-cli.mjs failed');
  const images = oneImageFolder();
  const commands: [string, string[]][] = [
    ['--help', ['--help']],
    ['--version', ['--version']],
    ['doctor', ['doctor']],
    ['classify (1 image)', ['classify', '--images', images]],
  ];
  const modes: [string, Record<string, string>][] = [['bundle', { PRINTSHOT_BUNDLE: 'on' }]];
  if (withSources) modes.push(['src via tsx', { PRINTSHOT_BUNDLE: 'off' }]);
  console.log(describeMachine(machineInfo()));
  console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; ${runs} runs each\n`);
  const rows: string[][] = [];
  try {
    for (const [label, args] of commands) {
      for (const [mode, env] of modes) {
        const rs = await series(args, env);
        const wall = rs.map((r) => r.seconds);
        const cpu = rs.map((r) => r.cpuSeconds ?? NaN);
        const bg = rs.map((r) => r.background ?? 0);
        rows.push([label, mode, fmt(Math.min(...wall)), fmt(median(wall)), fmt(Math.min(...cpu)), fmt(median(cpu)), median(bg).toFixed(2), rs[0].command]);
        process.stderr.write(`${label} (${mode}): best ${fmt(Math.min(...wall))} s\n`);
      }
    }
  } finally {
    rmSync(images, { recursive: true, force: true });
  }
  const head = ['command', 'from', 'best wall s', 'median wall s', 'best cpu s', 'median cpu s', 'bg cores', 'command line'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log([line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  const help = rows.find((r) => r[0] === '--help' && r[1] === 'bundle')!;
  console.log(`\n--help from the bundle: best ${help[2]} s (target ≤ 0.3 s)`);
  console.log(`produced by: npm run bench:startup -- --runs ${runs}${withSources ? '' : ' --no-sources'}`);
}

await main();
