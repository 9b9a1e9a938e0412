/**
 * `node --import tsx bench/shard-merge.ts [--shards N] [--method M] [--iterations K] [--images DIR]
 * [--limit N]`: what cutting
 * an attack job into shards costs, for sizing a campaign (docs/scale.md). Runs, as real CLI
 * processes one after another (so each has the machine to itself, as on its own node):
 *
 *   1. the whole job: `printshot attack --method bim --eps 8 --iterations 20 --images samples`;
 *   2. its N shards (`--shard k/N`), each into its own folder;
 *   3. `printshot experiments merge` of the shards, and `experiments digest` of both results.
 *
 * Prints wall and CPU seconds per process, the shards' CPU against the whole job's (the fixed cost
 * each shard pays again: process start, model load, decoding every image of the job), the merge's
 * files/s, whether the merged digest equals the whole run's, the load average and the commands.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { timedProcess, type ProcessRun } from './lib/arch-whole';
import { describeMachine, machineInfo } from './lib/machine';
import { ROOT } from './lib/node-bench';

const option = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
};
const shards = Number(option('shards', '4'));
const method = option('method', 'bim');
const images = option('images', 'samples');
const limit = option('limit', '');
const job = ['attack', '--method', method, '--eps', '8', ...(method === 'fgsm' ? [] : ['--iterations', option('iterations', '20')]), '--images', images, ...(limit ? ['--limit', limit] : []), '--workers', '1', '--json'];
const bin = path.join(ROOT, 'bin/printshot.mjs');
const work = mkdtempSync(path.join(os.tmpdir(), 'printshot-bench-shards-'));
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');

async function cli(args: string[]): Promise<ProcessRun> {
  const r = await timedProcess(process.execPath, [bin, ...args], { PRINTSHOT_LOG: 'warn' }, work, 3600);
  if (r.error) throw new Error(`${r.command}: ${r.error}`);
  return r;
}
const row = (what: string, r: ProcessRun) => `| ${what} | ${r.seconds.toFixed(1)} | ${(r.cpuSeconds ?? NaN).toFixed(1)} | ${(r.maxRssMiB ?? NaN).toFixed(0)} |`;

try {
  const loadBefore = load();
  const whole = await cli([...job, '--out', path.join(work, 'whole')]);
  const parts: ProcessRun[] = [];
  for (let k = 1; k <= shards; k++) parts.push(await cli([...job, '--shard', `${k}/${shards}`, '--out', path.join(work, `shard-${k}`)]));
  const merge = await cli(['experiments', 'merge', ...parts.map((_, k) => path.join(work, `shard-${k + 1}`)), '--out', path.join(work, 'merged'), '--json']);
  const merged = JSON.parse(merge.stdout) as { filesVerified: number };
  const digest = async (d: string) => (JSON.parse((await cli(['experiments', 'digest', path.join(work, d), '--json'])).stdout) as { sha256: string }).sha256;
  const same = (await digest('whole')) === (await digest('merged'));
  const cpu = (rs: ProcessRun[]) => rs.reduce((s, r) => s + (r.cpuSeconds ?? NaN), 0);
  const extra = (cpu(parts) - cpu([whole])) / (shards - 1);
  console.log(`date: ${new Date().toISOString()}; machine: ${describeMachine(machineInfo())}; Node ${process.version}; load average (1, 5, 15 min) ${loadBefore} before, ${load()} after`);
  console.log(`command: node --import tsx bench/shard-merge.ts ${process.argv.slice(2).join(' ')}`.trim());
  console.log(`job: ${whole.command.replace(/--out \S+/, '--out W')}\n`);
  console.log('| process | wall s | CPU s | peak RSS MiB |\n|---|--:|--:|--:|');
  console.log(row('whole job', whole));
  parts.forEach((r, k) => console.log(row(`shard ${k + 1}/${shards}`, r)));
  console.log(row(`merge (${merged.filesVerified} files verified)`, merge));
  console.log(`\nshards together: ${cpu(parts).toFixed(1)} CPU s against ${cpu([whole]).toFixed(1)} for the whole job: ${extra.toFixed(1)} CPU s more per extra shard (its fixed cost)`);
  console.log(`merge: ${(merged.filesVerified / merge.seconds).toFixed(0)} files/s read, sha256-checked and written, process start included`);
  console.log(`merged digest equals the whole run's: ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
