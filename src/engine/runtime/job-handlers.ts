/**
 * Engine handlers that start jobs: attack, evaluation, sheet rendering, photo registration and
 * report export. Each validates everything it can before answering (unknown method, bad
 * parameters, no model, no experiment), so a job that starts has a fair chance to finish; the
 * work itself runs in the background and reports through the JobControl.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path, { basename } from 'node:path';
import { getAttack, parseAttackParams } from '../../attacks';
import { ContractError, ERROR_CODES, type JobResult, type ParsedRequestOf } from '../../contract';
import { attackIntoExperiment } from '../../services/attack-job';
import { requireWholeRun } from '../../services/complete-run';
import { paperSweeps } from '../../services/demo';
import { evaluatePairs } from '../../services/evaluate';
import { experimentRunPairs } from '../../services/evaluate-job';
import { throwIfAborted } from '../../shared';
import { parseTransformSpec, type TransformSpec } from '../../transforms';
import { atomicWriteJson, resolveInExperiment } from '../../workspace';
import { attackProgress, DEFAULT_BATCH, requestItems } from './attack-resume';
import type { EngineHandlers } from './engine';
import { findRun, requireExperiment } from './experiment-handlers';
import { requireModel } from './model-handlers';

type JobChannels = 'attack:start' | 'eval:run' | 'sheet:render' | 'capture:register' | 'report:export';

export const jobHandlers: Pick<EngineHandlers, JobChannels> = {
  async 'attack:start'(req, ctx) {
    const model = requireModel(ctx.state).classifier;
    const dir = requireExperiment(ctx.state);
    const attack = getAttack(req.method);
    const params = parseAttackParams(attack, req.params) as Record<string, unknown>;
    const { root, items, sampling } = await requestItems(ctx, req);
    if (items.length === 0) throw new ContractError('bad-dataset', 'the image folder has no images');
    const eps = attack.runEps(params);
    const batch = req.batchSize ?? DEFAULT_BATCH;
    return ctx.startJob(undefined, 'attack', async (job) => {
      const progress = attackProgress(job, batch);
      const r = await attackIntoExperiment(model, items, root, {
        method: attack.id,
        params,
        seed: req.seed,
        sampling,
        batchSize: batch,
        out: dir,
        signal: job.signal,
        // Listed with its manifest already written: from here a crash leaves a resumable run.
        onRun: (run) => job.meta({ experimentDir: dir, runId: run.id }),
        onProgress: progress,
      });
      return { kind: 'attack', experimentDir: dir, runId: r.run.id, runDir: r.run.dir, method: attack.id, eps, summary: r.summary };
    });
  },

  async 'eval:run'(req, ctx) {
    const model = requireModel(ctx.state).classifier;
    const dir = requireExperiment(ctx.state);
    const run = await findRun(dir, req.runId);
    await requireWholeRun(dir, run, 'evaluated');
    const transforms: TransformSpec[] = req.transforms.flatMap((t) => (t === 'paper' ? paperSweeps() : parseTransformSpec(t)));
    return ctx.startJob(undefined, 'eval', async (job) => {
      // Verified reads: a PNG changed since the run recorded it fails the job, naming the file.
      const pairs = await experimentRunPairs(dir, run, {
        channels: model.inputSpec.channels,
        signal: job.signal,
        onProgress: (done, total) => job.progress(done, total * 2, 'loading images'),
      });
      const n = pairs.relPaths.length;
      const report = await evaluatePairs(model, pairs, {
        transforms,
        select: req.select,
        ...(req.n !== undefined ? { n: req.n } : {}),
        seed: req.seed,
        onProgress: (done, total, label) => {
          // Evaluation has no signal of its own; its progress callback is the cancellation point.
          throwIfAborted(job.signal);
          job.progress(n + (total ? (done / total) * n : n), n * 2, label);
        },
      });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const resultsFile = `results/eval-${basename(run.dir)}-${stamp}.json`;
      await atomicWriteJson(resolveInExperiment(dir, resultsFile), { runId: run.id, run: run.dir, model: model.card.name, request: req, ...report });
      return { kind: 'eval', runId: run.id, resultsFile, report };
    });
  },

  async 'sheet:render'(req, ctx) {
    const dir = requireExperiment(ctx.state);
    const run = await findRun(dir, req.runId);
    // Imported on use: the sheet service pulls pdfkit and qrcode, which nothing else needs.
    const { runSheetJob } = await import('../../services/sheet-job');
    return ctx.startJob(undefined, 'sheet', async (job): Promise<JobResult> => {
      job.progress(0, 1, 'laying out and writing the PDF');
      const r = await runSheetJob({
        experiment: dir,
        run: run.id,
        paper: req.paper,
        landscape: req.orientation === 'landscape',
        calibration: req.calibration,
        ...(req.cellMm !== undefined ? { cellMm: req.cellMm } : {}),
        ...(req.dpi !== undefined ? { dpi: req.dpi } : {}),
        ...(req.dotsPerPixel !== undefined ? { dotsPerPixel: req.dotsPerPixel } : {}),
        ...(req.marginMm !== undefined ? { marginMm: req.marginMm } : {}),
        ...(req.moduleMm !== undefined ? { moduleMm: req.moduleMm } : {}),
        ...(req.labels !== undefined ? { labels: req.labels } : {}),
      });
      const rel = (abs: string) => abs.slice(dir.length + 1).split(/[\\/]/).join('/');
      return {
        kind: 'sheet',
        runId: run.id,
        files: [rel(r.pdf), rel(r.layoutFile)],
        sheets: r.sheets,
        detail: { cells: r.cells, perSheet: r.perSheet, unpaired: r.unpaired, pdfSha256: r.pdfSha256, layouts: r.layouts },
      };
    });
  },

  async 'capture:register'(req, ctx) {
    const dir = requireExperiment(ctx.state);
    // Imported on use, like the sheet service: registration loads zxing-wasm.
    const { runRegisterJob } = await import('../../services/register-job');
    const inbox = await stagePhotos(req.photos);
    return ctx.startJob(undefined, 'register', async (job): Promise<JobResult> => {
      try {
        const r = await runRegisterJob({
          experiment: dir,
          photos: inbox.dir,
          signal: job.signal,
          onProgress: (done, total, name) => job.progress(done, total, name ? `registering ${name}` : 'done'),
        });
        return {
          kind: 'register',
          photos: r.added.map((e) => ({
            name: inbox.names.get(path.basename(e.source)) ?? e.id,
            accepted: e.status === 'accepted',
            ...(e.status !== 'accepted' ? { reason: [e.reason, e.message].filter(Boolean).join(': ') } : {}),
            ...(e.sheetId ? { sheet: e.sheetId } : {}),
            cellsFound: e.crops.length,
          })),
          detail: { counts: r.counts, log: r.log, layouts: r.layouts, entries: r.added },
        };
      } finally {
        await rm(inbox.dir, { recursive: true, force: true });
      }
    });
  },

  async 'report:export'() {
    throw new ContractError(ERROR_CODES.notAvailable, 'report export is not available yet', 'it arrives with the reports issue');
  },
};

/**
 * Writes photos sent as bytes to a temporary folder for the register service, which keeps its own
 * byte-identical copy under captures/originals/. Names are made file-safe and unique, and the
 * extension follows the bytes (PNG or JPEG), not what the page called them.
 */
async function stagePhotos(photos: ParsedRequestOf<'capture:register'>['photos']): Promise<{ dir: string; names: Map<string, string> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'printshot-photos-'));
  const names = new Map<string, string>();
  for (const photo of photos) {
    const b = photo.bytes;
    const ext = b[0] === 0x89 && b[1] === 0x50 ? '.png' : b[0] === 0xff && b[1] === 0xd8 ? '.jpg' : undefined;
    if (!ext) {
      await rm(dir, { recursive: true, force: true });
      throw new ContractError('bad-image', `${photo.name}: not a PNG or JPEG photo`);
    }
    const stem = path.basename(photo.name).replace(/\.(png|jpe?g)$/i, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'photo';
    let file = `${stem}${ext}`;
    for (let n = 2; names.has(file); n++) file = `${stem}-${n}${ext}`;
    names.set(file, photo.name);
    await writeFile(path.join(dir, file), b);
  }
  return { dir, names };
}
