/**
 * Benchmark: the workbench's responsiveness during a BIM job (browser workbench, headless Debian
 * Chromium, bundled model, eps 16, 40 iterations, every sample image).
 *
 * Targets (docs/BENCHMARKS.md, "UI responsiveness"): no main-thread task over 50 ms while the user
 * switches views during the job, and Cancel shown within 1 s. Each round starts the job, visits
 * Images, Model and Attack while progress arrives, then cancels. A task's wall-clock time counts
 * the time its thread waited for a core, so each round also records the CPU our own processes and
 * everyone else's used; rounds where other processes used more than PRINTSHOT_FOREIGN_LOAD_MAX
 * cores (0.5) are reported as not judged.
 *
 *   npm run bench:ui                       (5 rounds; PRINTSHOT_UI_ROUNDS=n for more)
 *   PRINTSHOT_TRACE=1 npm run bench:ui     (also a Chromium trace per round, for attribution)
 *
 * Prints one line per round and a summary; writes test-results/bench/ui-responsiveness.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { cpuLoad, cpuSnapshot, loadTooHigh } from '../../test/e2e/support/cpu-load';
import { installResponsivenessProbe, measureCancel, readLongFrames, readLongTasks } from '../../test/e2e/support/responsiveness';
import { freshWorkbench, openView, prepareLongBim, ROOT, shot } from '../../test/e2e/support/workbench';

const ROUNDS = Number(process.env.PRINTSHOT_UI_ROUNDS ?? 5);
const COMMAND = 'npm run bench:ui';

interface Round {
  round: number;
  windowMs: number;
  longTasks: number;
  longestTaskMs: number;
  cancelLatencyMs: number;
  duringScreenshot: number;
  foreignCores: number;
  ownCores: number;
  loadavg1: number;
  judged: string;
  meetsTargets: boolean;
}

async function oneRound(page: Page, round: number, outDir: string): Promise<Round> {
  await prepareLongBim(page);
  const now = () => page.evaluate(() => performance.now());
  const tracing = process.env.PRINTSHOT_TRACE === '1';
  if (tracing) await page.context().browser()!.startTracing(page, { path: path.join(outDir, `trace-${round}.json`), categories: (process.env.PRINTSHOT_TRACE_CATS ?? 'toplevel,devtools.timeline,blink.user_timing').split(',') });
  const cpu0 = cpuSnapshot();
  const t0 = await now();
  await page.getByTestId('attack-start').click();
  const progress = page.getByTestId('job-progress');
  await expect(progress).toHaveAttribute('data-state', 'running');
  await page.waitForTimeout(1500);
  await openView(page, 'images');
  await openView(page, 'model');
  await openView(page, 'attack');
  await page.waitForTimeout(1500);
  await expect(progress).toHaveAttribute('data-state', 'running');
  // The screenshot is the harness's work, not the app's: its span is left out of the count.
  const shotFrom = await now();
  await shot(page, test.info(), `attack-running-${round}`);
  const shotTo = await now();
  const cancel = await measureCancel(page, progress.getByRole('button', { name: 'Cancel' }), 'attack-cancelled');
  const t1 = await now();
  const load = cpuLoad(cpu0, cpuSnapshot());
  if (tracing) await page.context().browser()!.stopTracing();

  const seen = await readLongTasks(page, t0, t1);
  const duringShot = (t: { start: number; duration: number }) => t.start < shotTo && t.start + t.duration > shotFrom;
  const longTasks = seen.filter((t) => !duringShot(t));
  const frames = (await readLongFrames(page, t0, t1)).map((f) => ({ ...f, start: Math.round(f.start - t0) }));
  const overloaded = loadTooHigh(load);
  const result: Round = {
    round,
    windowMs: Math.round(t1 - t0),
    longTasks: longTasks.length,
    longestTaskMs: Math.round(longTasks.reduce((m, t) => Math.max(m, t.duration), 0)),
    cancelLatencyMs: Math.round(cancel),
    duringScreenshot: seen.filter(duringShot).length,
    foreignCores: load.foreignCores,
    ownCores: load.ownCores,
    loadavg1: Number(loadavg()[0].toFixed(2)),
    judged: overloaded ? `not judged: ${overloaded}` : 'judged',
    meetsTargets: longTasks.length === 0 && cancel <= 1000,
  };
  await writeFile(path.join(outDir, `round-${round}.json`), JSON.stringify({ ...result, load, tasks: seen.map((t) => ({ ...t, start: Math.round(t.start - t0) })), frames }, null, 2));
  return result;
}

test('UI responsiveness during a BIM job (benchmark)', async ({ page }) => {
  test.setTimeout(60_000 + ROUNDS * 30_000);
  const outDir = path.join(ROOT, 'test-results', 'bench', 'ui-responsiveness');
  await mkdir(outDir, { recursive: true });
  await installResponsivenessProbe(page);
  await freshWorkbench(page);
  const rounds: Round[] = [];
  for (let i = 1; i <= ROUNDS; i++) {
    const r = await oneRound(page, i, outDir);
    rounds.push(r);
    console.log(`round ${i}/${ROUNDS}: long tasks ${r.longTasks} (longest ${r.longestTaskMs || '—'} ms), cancel ${r.cancelLatencyMs} ms, own ${r.ownCores} cores, other ${r.foreignCores} cores, ${r.judged}`);
  }
  const judged = rounds.filter((r) => r.judged === 'judged');
  const cancels = rounds.map((r) => r.cancelLatencyMs).sort((a, b) => a - b);
  const summary = {
    command: COMMAND,
    date: new Date().toISOString(),
    machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores; ${page.context().browser()?.version()}`,
    rounds: rounds.length,
    judgedRounds: judged.length,
    judgedMeetingTargets: judged.filter((r) => r.meetsTargets).length,
    roundsWithLongTask: rounds.filter((r) => r.longTasks > 0).length,
    longestTaskMs: Math.max(0, ...rounds.map((r) => r.longestTaskMs)),
    cancelMedianMs: cancels[Math.floor(cancels.length / 2)],
    cancelMaxMs: cancels[cancels.length - 1],
  };
  console.log(`summary: ${summary.judgedMeetingTargets}/${summary.judgedRounds} judged rounds met both targets (no task > 50 ms, cancel ≤ 1 s); ` +
    `${summary.roundsWithLongTask}/${summary.rounds} rounds had a long task (longest ${summary.longestTaskMs || '—'} ms); cancel median ${summary.cancelMedianMs} ms, max ${summary.cancelMaxMs} ms`);
  console.log(`machine: ${summary.machine}; command: ${COMMAND}; details: ${path.relative(ROOT, outDir)}/`);
  await writeFile(path.join(ROOT, 'test-results', 'bench', 'ui-responsiveness.json'), JSON.stringify({ summary, rounds }, null, 2));
  // Behaviour, always: every round ran and was cancelled.
  expect(rounds).toHaveLength(ROUNDS);
});
