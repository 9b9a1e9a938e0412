/**
 * patch:train and patch:preview in the engine (issue 19, the workbench's Patch view). patch:train
 * is `printshot patch` (src/services/patch-job.ts, Brown et al. 1712.09665 with EOT) as a job on
 * the loaded model, writing into the open experiment:
 *
 *   patches/<target>-<key>/patch-….png|.json   one patch per size (the service's files)
 *   results/patch.json                          the newest training as the view shows it
 *
 * <key> hashes everything that shapes the patches (model, images, every parameter), so the same
 * request again lands in the same folder: a size already trained there is read back, not
 * retrained, and a cancelled size resumes from its checkpoint with the same seed stream (the
 * service's own resume), ending with the same patch as an uninterrupted run.
 *
 * Progress carries the step's figures as metrics (size, step, steps, loss, success), which the
 * view draws as live loss and hit-rate curves.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { ContractError, PATCH_RESULT_FILE, PatchReportDto, type JobResult, type ParsedRequestOf, type PatchDto } from '../../contract';
import { runPatchJob } from '../../services/patch-job';
import { yieldToEventLoop } from '../../shared';
import { atomicWriteJson, resolveInExperiment } from '../../workspace';
import type { EngineContext, EngineHandlers } from './engine';
import { requireExperiment } from './experiment-handlers';
import { requireModel } from './model-handlers';
import { applyJob } from './patch-apply-job';
import { previewPatch } from './patch-preview';
import { imagesSpec } from './robustness-targets';

type TrainRequest = ParsedRequestOf<'patch:train'>;

/** What the service writes beside each patch PNG (the fields the view needs). */
interface PatchFile {
  png: string;
  params: { size: number; steps: number };
  target: { index: number | null; name: string };
  history: { loss: number; success: number }[];
  evaluation: PatchDto['evaluation'];
}

const rel = (dir: string, file: string) => path.relative(dir, file).split(path.sep).join('/');

/** Checks what can fail before the job starts: the target, the fitted profile and the palette's source. */
function checkRequest(req: TrainRequest, labels: readonly string[], dir: string): void {
  const t = req.target;
  const known = t === 'untargeted' || labels.some((l) => l.toLowerCase() === t.toLowerCase()) || (/^\d+$/.test(t) && Number(t) < labels.length);
  if (!known) throw new ContractError('bad-argument', `target '${t}' is not one of the model's classes`, `choose untargeted or one of: ${labels.slice(0, 10).join(', ')}${labels.length > 10 ? ', …' : ''}`);
  if (req.channel === 'profile' && !existsSync(path.join(dir, 'channel', 'profile.json'))) {
    throw new ContractError('bad-argument', 'this experiment has no fitted channel profile (channel/profile.json)', `fit one from its photos: npx printshot channel fit --experiment ${dir}; or use the default channel`);
  }
  if (req.palette === 'measured' && !existsSync(path.join(dir, 'calibration'))) {
    throw new ContractError('bad-argument', 'this experiment has no measured printer colours (calibration/)', `photograph a sheet with the calibration strip and run npx printshot calibrate --experiment ${dir}; or use the default palette`);
  }
}

/** The training's folder: the same request (model, images, parameters) always maps to the same one. */
export function trainingFolder(req: TrainRequest, fingerprint: string, images: string): string {
  // Sizes are left out: each size has its own files in the folder, so a longer list reuses the shorter's.
  const { sizes: _sizes, images: _ref, ...params } = req;
  const key = createHash('sha256').update(JSON.stringify({ fingerprint, images, params })).digest('hex').slice(0, 10);
  const slug = req.target.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'target';
  return path.join('patches', `${slug}-${key}`);
}

/** A size finished in an earlier job of the same request: its JSON, complete. */
async function finishedSize(out: string, size: number, steps: number): Promise<{ json: string; file: PatchFile } | undefined> {
  if (!existsSync(out)) return undefined;
  for (const name of await readdir(out)) {
    if (!name.endsWith('.json') || name.endsWith('.checkpoint.json')) continue;
    const file = JSON.parse(await readFile(path.join(out, name), 'utf8')) as PatchFile;
    if (file.params?.size === size && file.history?.length === steps && existsSync(path.join(out, file.png))) return { json: path.join(out, name), file };
  }
  return undefined;
}

async function trainJob(req: TrainRequest, ctx: EngineContext): Promise<{ jobId: string }> {
  const model = requireModel(ctx.state);
  const dir = requireExperiment(ctx.state);
  checkRequest(req, model.classifier.labels, dir);
  const images = imagesSpec(req.images);
  const out = path.join(dir, trainingFolder(req, model.classifier.fingerprint, images));
  const sizes = [...new Set(req.sizes)].sort((a, b) => a - b);
  const total = sizes.length * req.steps;
  return ctx.startJob(undefined, 'patch', async (job): Promise<JobResult> => {
    job.progress(0, total, 'loading the model and images');
    const patches: PatchDto[] = [];
    let meta: { train: number; heldOut: number; target: PatchFile['target']; palette: { source: string; colours: number } } | undefined;
    for (const [k, size] of sizes.entries()) {
      let done = await finishedSize(out, size, req.steps);
      if (!done) {
        const r = await runPatchJob({
          model: model.spec,
          images,
          out,
          target: req.target,
          sizes: [size],
          channel: req.channel === 'profile' ? path.join(dir, 'channel', 'profile.json') : req.channel,
          palette: req.palette === 'measured' ? dir : 'default',
          holdout: req.holdout,
          draws: req.draws,
          seed: req.seed,
          params: { steps: req.steps, batch: req.batch, lr: req.lr, npsWeight: req.npsWeight, tvWeight: req.tvWeight },
          signal: job.signal,
          onProgress: (p) => {
            const pct = Math.round(size * 1000) / 10;
            const stage = p.step < p.steps ? `${pct} % patch: step ${p.step}/${p.steps}, loss ${p.loss.toFixed(3)}, batch hit rate ${Math.round(p.success * 100)} %` : `${pct} % patch: evaluating on the held-out images`;
            job.progress(k * req.steps + p.step, total, stage, { size, step: p.step, steps: p.steps, loss: p.loss, success: p.success });
            // A step is all tensor work: without a macrotask turn the engine would neither send this nor hear a cancel.
            return yieldToEventLoop();
          },
        });
        meta = { train: r.train, heldOut: r.heldOut, target: r.target, palette: r.palette };
        const png = r.patches[0].file;
        const json = png.replace(/\.png$/, '.json');
        done = { json, file: JSON.parse(await readFile(json, 'utf8')) as PatchFile };
      }
      const f = done.file;
      const png = path.join(path.dirname(done.json), f.png);
      const last = f.history[f.history.length - 1];
      patches.push({ size, png: rel(dir, png), json: rel(dir, done.json), patchPx: 0, sidePx: 0, finalLoss: last?.loss ?? NaN, history: f.history, evaluation: f.evaluation });
      meta ??= await metaOf(done.json);
    }
    const { height: h, width: w } = model.classifier.inputSpec;
    for (const p of patches) {
      p.sidePx = Math.sqrt(p.size * h * w);
      p.patchPx = (await readFile(path.join(dir, p.png))).readUInt32BE(16); // the PNG's IHDR width
    }
    const report = PatchReportDto.parse({
      schemaVersion: 1,
      dir: rel(dir, out),
      model: model.classifier.card.name,
      images,
      target: meta!.target,
      channel: req.channel,
      palette: meta!.palette,
      train: meta!.train,
      heldOut: meta!.heldOut,
      params: { steps: req.steps, batch: req.batch, lr: req.lr, npsWeight: req.npsWeight, tvWeight: req.tvWeight, holdout: req.holdout, draws: req.draws, seed: req.seed },
      patches,
    });
    await atomicWriteJson(resolveInExperiment(dir, PATCH_RESULT_FILE), report);
    return { kind: 'patch', file: PATCH_RESULT_FILE, report };
  });
}

/** Split sizes and palette of a size read back from disk (the service's JSON holds them). */
async function metaOf(json: string) {
  const j = JSON.parse(await readFile(json, 'utf8')) as { train: number; heldOut: number; target: PatchFile['target']; palette: { source: string; colours: number } };
  return { train: j.train, heldOut: j.heldOut, target: j.target, palette: j.palette };
}

export const patchHandlers: Pick<EngineHandlers, 'patch:train' | 'patch:preview' | 'patch:apply'> = {
  'patch:train': (req, ctx) => trainJob(req, ctx),
  'patch:preview': (req, ctx) => previewPatch(req, ctx.state),
  'patch:apply': (req, ctx) => applyJob(req, ctx),
};
