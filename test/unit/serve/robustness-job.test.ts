/**
 * The robustness comparison as a workbench job, end to end on the real engine (in this process,
 * behind the real EngineHost and the shared route table, with serve mode's platform): two models
 * (the loaded bundled model and a copy whose card records a defence), FGSM at eps 8 on four
 * images with one transform. Checks the result DTO, the files it leaves in the experiment, the
 * reuse of finished runs, refusals before the job starts, and cancellation.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { events, RobustnessReportDto, type JobDto } from '../../../src/contract';
import { DISTILLED_MODEL_DIR, HARDENED_MODEL_DIR } from '../../../src/services/demo-defended';
import { checkExperiment } from '../../../src/workspace';
import { startInProcessEngine } from '../../support/in-process-engine';

const { host, workspace, seen, call, finished } = startInProcessEngine('ps-robustness-job-');
afterAll(() => host.stop());

/** The bundled model under another name, with a defence recorded the way scripts/defend_train.py does. */
function defendedCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ps-defended-model-'));
  cpSync('assets/models/fashion-cnn', dir, { recursive: true });
  const card = JSON.parse(readFileSync(path.join(dir, 'model-card.json'), 'utf8'));
  card.name = 'fashion-cnn-copy';
  card.provenance = { defence: 'adversarial-training', method: 'fgsm', eps: 25, alpha: 0.5, dataset: { dir: '/x' } };
  writeFileSync(path.join(dir, 'model-card.json'), JSON.stringify(card));
  return dir;
}

const copy = defendedCopy();
const grid = { methods: ['fgsm'], eps: [8], transforms: ['jpeg:quality=75'], limit: 4 };
let experiment = '';

describe('robustness:run in the workbench', () => {
  it('describes the models from their cards, and says how to make missing defended models', async () => {
    await call('model:load', { source: { kind: 'bundled' } });
    experiment = ((await call('experiment:new', { location: { kind: 'scratch' }, name: 'defences' })) as { dir: string }).dir;
    const models = (await call('robustness:models', { models: [{ kind: 'loaded' }, { kind: 'path', path: copy }] })) as { name: string; defence: string | null; ref: unknown }[];
    expect(models.map((m) => [m.name, m.defence])).toEqual([
      ['fashion-cnn', null],
      ['fashion-cnn-copy', 'adversarial-training (method fgsm, eps 25, alpha 0.5)'],
    ]);
    expect(models[1].ref).toEqual({ kind: 'path', path: copy });
    const made = await stat(path.join(HARDENED_MODEL_DIR, 'model.json')).then(() => true, () => false);
    const distilled = await stat(path.join(DISTILLED_MODEL_DIR, 'model.json')).then(() => true, () => false);
    const defended = call('robustness:models', { models: [{ kind: 'defended' }] });
    if (made && distilled) await expect(defended).resolves.toHaveLength(2);
    else await expect(defended).rejects.toMatchObject({ code: 'bad-model', message: expect.stringContaining('defended model not found'), hint: expect.stringContaining('printshot harden') });
  });

  it('refuses what it cannot run before starting a job', async () => {
    const base = { models: [{ kind: 'loaded' }], ...grid };
    await expect(call('robustness:run', { ...base, methods: ['nope'] })).rejects.toMatchObject({ code: 'unknown-method' });
    await expect(call('robustness:run', { ...base, transforms: ['nope:x=1'] })).rejects.toMatchObject({ message: expect.stringContaining('nope') });
    await expect(call('robustness:run', { ...base, eps: [300] })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(call('robustness:run', { ...base, models: [{ kind: 'path', path: workspace }] })).rejects.toMatchObject({ code: 'bad-model', message: expect.stringContaining('no model.json') });
    expect((await host.listJobs()).filter((j) => j.kind === 'robustness')).toEqual([]);
  });

  it('runs the grid on both models: result, progress, the per-model experiments and results/robustness.json', async () => {
    const started = Date.now();
    const { jobId } = (await call('robustness:run', { models: [{ kind: 'loaded' }, { kind: 'path', path: copy }], ...grid })) as { jobId: string };
    const job = await finished(jobId);
    expect(job.state, JSON.stringify(job.error)).toBe('done');
    expect(events['job:done'].safeParse({ job }).success).toBe(true);
    if (job.result?.kind !== 'robustness') throw new Error('not a robustness result');
    const { report, file } = job.result;
    expect(file).toBe('results/robustness.json');
    expect(report.models.map((m) => [m.name, m.defence, m.clean.top1.total])).toEqual([
      ['fashion-cnn', null, 4],
      ['fashion-cnn-copy', 'adversarial-training (method fgsm, eps 25, alpha 0.5)', 4],
    ]);
    // Same weights: the same attack gives the same numbers on both.
    expect(report.models[1].cells[0].attack).toEqual(report.models[0].cells[0].attack);
    expect(report.models[0].cells[0]).toMatchObject({ method: 'fgsm', eps: 8, attack: { images: 4 }, transforms: [{ spec: 'jpeg:quality=75' }], photo: null });
    expect(report.tables.map((t) => t.id)).toEqual(['robustness-models', 'robustness-digital', 'robustness-transforms']);
    expect(report.tables[1].rows.map((r) => r.label)).toEqual(['fashion-cnn · fgsm eps=8', 'fashion-cnn-copy · fgsm eps=8']);
    expect(report.panels.map((p) => p.transform)).toEqual(['robustness-fashion-cnn', 'robustness-fashion-cnn-copy']);
    expect(report.request).toEqual({ methods: ['fgsm'], eps: [8], transforms: ['jpeg:quality=75'], photos: false, limit: 4 });
    // The masking checks ran: the plain model and its copy trip none (the copy's transfer check is skipped: same weights).
    expect(report.masking).toEqual([]);
    expect(report.models[0]).toMatchObject({ gradient: { images: 4, vanishing: 0 }, unbounded: { method: 'bim', eps: 255, fooled: expect.any(Number) }, transfer: [] });

    // Saved in the experiment, so a reload shows it; each model's folder is a valid experiment.
    const saved = RobustnessReportDto.parse(JSON.parse(await readFile(path.join(experiment, 'results', 'robustness.json'), 'utf8')));
    expect(saved).toEqual(report);
    expect(report.outDir).toMatch(/^robustness\/[0-9a-f]{12}$/);
    for (const m of report.models) {
      expect(m.experiment).toMatch(new RegExp(`^${report.outDir}/`));
      const check = await checkExperiment(path.join(experiment, ...m.experiment!.split('/')));
      expect(check.ok, JSON.stringify(check.problems)).toBe(true);
    }
    const exp = (await call('experiment:current', {})) as { files: string[] };
    expect(exp.files).toContain('results/robustness.json');

    const progress = seen.filter((e) => e.event === 'job:progress' && e.payload.jobId === jobId && e.at >= started).map((e) => (e.payload as { progress: { fraction: number; stage: string } }).progress);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.map((p) => p.fraction)).toEqual([...progress.map((p) => p.fraction)].sort((a, b) => a - b));
    expect(progress.some((p) => p.stage.startsWith('fashion-cnn-copy: '))).toBe(true);
  }, 180_000);

  it('reuses the finished runs when the same comparison runs again', async () => {
    const before = (await call('experiment:current', {})) as { dir: string };
    const out = path.join(before.dir, 'robustness');
    const [set] = await readdir(out);
    const runs = await readdir(path.join(out, set, 'fashion-cnn', 'runs'));
    const { jobId } = (await call('robustness:run', { models: [{ kind: 'loaded' }, { kind: 'path', path: copy }], ...grid })) as { jobId: string };
    expect((await finished(jobId)).state).toBe('done');
    expect(await readdir(out)).toEqual([set]);
    expect(await readdir(path.join(out, set, 'fashion-cnn', 'runs'))).toEqual(runs);
  }, 120_000);

  it('cancels within a second through the job signal', async () => {
    const { jobId } = (await call('robustness:run', { models: [{ kind: 'path', path: copy }], methods: ['bim'], eps: [16], limit: 96 })) as { jobId: string };
    const deadline = Date.now() + 60_000;
    while (!seen.some((e) => e.event === 'job:progress' && e.payload.jobId === jobId && e.payload.progress.stage.includes('bim')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = Date.now();
    const cancelled = (await call('job:cancel', { jobId })) as JobDto;
    expect(cancelled.state).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(1000);
    // The engine stopped on its own (no restart was needed to end the job).
    expect(cancelled.error?.message).toBe('cancelled by the user');
  }, 120_000);
});
