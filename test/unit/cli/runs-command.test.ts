/**
 * `printshot runs list|resume|drop` through the real CLI: Ctrl-C cancels an attack (its run is
 * 'cancelled' with counts), `runs list` names each run's state, `runs resume` finishes it in place
 * byte-identically, `runs drop` removes an incomplete run and refuses a complete one without --force.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openExperiment, sha256, type RunState } from '../../../src/workspace';
import { runCliAsync, spawnCli } from './run-cli';

const tmp = mkdtempSync(join(tmpdir(), 'printshot-runs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BIM = ['attack', '--method', 'bim', '--eps', '8', '--iterations', '4', '--seed', '5', '--batch', '8'];
const out = join(tmp, 'exp');
let reference: Map<string, string>;

function pngs(dir: string): Map<string, string> {
  if (!existsSync(dir)) return new Map();
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith('.png'));
  return new Map(files.map((e) => [relative(dir, join(e.parentPath, e.name)), sha256(readFileSync(join(e.parentPath, e.name)))]));
}

async function list(): Promise<RunState[]> {
  const r = await runCliAsync(['runs', 'list', '--experiment', out, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as RunState[];
}

/** Starts `args` and sends it `signal` once `n` PNGs exist under `folder`; resolves with its exit code and stderr. */
async function signalAfter(args: string[], signal: NodeJS.Signals, folder: string, n: number): Promise<{ code: number | null; stderr: string }> {
  const child = spawnCli(args);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let sent = false;
  const timer = setInterval(() => {
    if (!sent && pngs(folder).size >= n) {
      sent = true;
      child.kill(signal);
    }
  }, 20);
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  clearInterval(timer);
  expect(sent, 'the job ended before it could be signalled').toBe(true);
  return { code, stderr };
}

beforeAll(async () => {
  const ref = join(tmp, 'reference');
  const r = await runCliAsync([...BIM, '--out', ref]);
  expect(r.code, r.stderr).toBe(0);
  reference = pngs(join(ref, 'adversarial', 'bim-eps8'));
  expect(reference.size).toBe(200);
}, 180_000);

describe('printshot runs', () => {
  let id: string;

  it('Ctrl-C cancels an attack: exit 130, and runs list names the run cancelled with its counts and reason', async () => {
    const r = await signalAfter([...BIM, '--out', out], 'SIGINT', join(out, 'adversarial'), 16);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/cancelled/);
    const [state] = await list();
    id = state.id;
    expect(state).toMatchObject({ dir: 'adversarial/bim-eps8', status: 'cancelled', reason: 'cancelled by the user', total: 200 });
    expect(state.done % 8).toBe(0);
    expect(state.done).toBeGreaterThanOrEqual(16);
    expect(state.done).toBeLessThan(200);
    const human = await runCliAsync(['runs', 'list', '--experiment', out]);
    expect(human.stdout).toMatch(new RegExp(`bim-eps8\\s+${id.slice(0, 8)}\\s+cancelled\\s+${state.done}/200\\s+cancelled by the user`));
    expect(human.stdout).toContain(`npx printshot runs resume ${id.slice(0, 8)} --experiment ${out}`);
  }, 180_000);

  it('runs resume finishes the cancelled run in place, byte-identical to an uninterrupted run; a second resume is refused', async () => {
    const done = (await list())[0].done;
    const r = await runCliAsync(['runs', 'resume', id.slice(0, 8), '--experiment', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ run: { id, status: 'complete' }, resumedFrom: done, summary: { images: 200 } });
    expect(await list()).toEqual([expect.objectContaining({ id, status: 'complete', done: 200, total: 200 })]);
    expect(pngs(join(out, 'adversarial', 'bim-eps8'))).toEqual(reference);

    const again = await runCliAsync(['runs', 'resume', 'bim-eps8', '--experiment', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: run adversarial\/bim-eps8 is already complete\n$/);
  }, 180_000);

  it('runs drop removes an interrupted run atomically and refuses a complete run without --force', async () => {
    await signalAfter(['attack', '--method', 'fgsm', '--eps', '4', '--batch', '8', '--workers', '1', '--out', out], 'SIGKILL', join(out, 'adversarial', 'fgsm-eps4'), 8);
    const states = await list();
    expect(states.map((s) => [s.dir, s.status])).toEqual([
      ['adversarial/bim-eps8', 'complete'],
      ['adversarial/fgsm-eps4', 'interrupted'],
    ]);
    const fgsm = (await openExperiment(out)).runs[1];
    const dropped = await runCliAsync(['runs', 'drop', 'fgsm-eps4', '--experiment', out]);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toContain(`dropped run adversarial/fgsm-eps4 (${fgsm.id.slice(0, 8)})`);
    expect(existsSync(join(out, fgsm.dir))).toBe(false);
    expect(existsSync(join(out, fgsm.manifest))).toBe(false);
    expect((await list()).map((s) => s.id)).toEqual([id]);

    const refused = await runCliAsync(['runs', 'drop', id, '--experiment', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error: run adversarial/bim-eps8 is complete; not dropped (pass --force to delete a complete run and its images)\n');
    const unknown = await runCliAsync(['runs', 'drop', 'zzzz', '--experiment', out]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: no run 'zzzz' in this experiment; runs: bim-eps8 \(/);

    const forced = await runCliAsync(['runs', 'drop', id, '--experiment', out, '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ dropped: { id, status: 'complete' } });
    expect((await runCliAsync(['runs', 'list', '--experiment', out])).stdout).toBe('no runs\n');
    const check = await runCliAsync(['check', '--experiment', out, '--json']);
    expect(check.code, check.stderr).toBe(0);
  }, 180_000);
});
