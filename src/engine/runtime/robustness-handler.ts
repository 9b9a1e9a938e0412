/**
 * robustness:models and robustness:run in the engine: the workbench side of the robustness
 * comparison (src/services/robustness.ts). Everything a user can get wrong (no experiment, an
 * unknown attack, an eps an attack refuses, a bad transform spec, a defended model that was never
 * made) is refused before the job starts, with the fix in the hint.
 *
 * Output goes into the open experiment: `robustness/<set>/` holds one experiment folder per model
 * (checkable and reportable like any other), and results/robustness.json keeps the last
 * comparison (numbers, tables and chart panels) so a reload shows it again. <set> is a hash of the
 * model fingerprints, the images and the seed, so running the same comparison again reuses its
 * finished runs, while a retrained model at the same path never inherits runs of its old weights.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { getAttack, parseAttackParams, type AttackJobProgress } from '../../attacks';
import {
  ContractError,
  DEFENDED_MISSING_HINT,
  ROBUSTNESS_RESULT_FILE,
  RobustnessReportDto,
  type FolderRef,
  type JobResult,
  type ModelRef,
  type ParsedRequestOf,
  type RobustnessModelDto,
} from '../../contract';
import { DEFAULT_MODEL_DIR } from '../../model/node';
import { readModelDir } from '../../model/node';
import { robustnessPanels, robustnessTables } from '../../reports/robustness-table';
import { compareRobustness, defenceOf, type GridCell, type RobustnessResult } from '../../services/robustness';
import { throwIfAborted } from '../../shared';
import { parseTransformSpec, type TransformSpec } from '../../transforms';
import { atomicWriteJson, resolveInExperiment } from '../../workspace';
import type { EngineHandlers } from './engine';
import { requireExperiment } from './experiment-handlers';
import { requireModel } from './model-handlers';
import type { EngineState } from './state';

/** A model as the comparison will load it: `spec` for openModel ('default' or a folder). */
interface Target {
  ref: ModelRef;
  spec: string;
  dir: string;
  defended?: boolean;
}

/** The bundled defended models; imported on use, the module pulls in the report writers. */
async function defendedDirs(): Promise<{ hardened: string; distilled: string }> {
  const { HARDENED_MODEL_DIR, DISTILLED_MODEL_DIR } = await import('../../services/demo-defended');
  return { hardened: HARDENED_MODEL_DIR, distilled: DISTILLED_MODEL_DIR };
}

async function targetsOf(state: EngineState, refs: readonly ModelRef[]): Promise<Target[]> {
  const out: Target[] = [];
  for (const ref of refs) {
    if (ref.kind === 'loaded') {
      const m = requireModel(state);
      out.push({ ref, spec: m.spec, dir: m.dir });
    } else if (ref.kind === 'bundled') out.push({ ref, spec: 'default', dir: DEFAULT_MODEL_DIR });
    else if (ref.kind === 'path') out.push({ ref, spec: path.resolve(ref.path), dir: path.resolve(ref.path) });
    else if (ref.kind === 'defended') {
      const dirs = await defendedDirs();
      for (const which of ref.which ? [ref.which] : (['hardened', 'distilled'] as const)) {
        out.push({ ref: { kind: 'defended', which }, spec: dirs[which], dir: dirs[which], defended: true });
      }
    } else throw new ContractError('bad-request', 'a dialog reference must be resolved by the host');
  }
  return out;
}

/** The card's name and defence, or a 'bad-model' error saying how to get the model. */
async function describe(state: EngineState, t: Target): Promise<RobustnessModelDto> {
  const loaded = state.model;
  if (t.ref.kind === 'loaded' && loaded) {
    const card = loaded.classifier.card;
    return {
      ref: t.ref,
      name: card.name,
      defence: defenceOf(card.provenance),
      dir: t.dir,
      ...(loaded.cardEdited ? { note: "this session's card edits are not used: the comparison loads the card saved in the folder" } : {}),
    };
  }
  const hasModel = await stat(path.join(t.dir, 'model.json')).then((s) => s.isFile(), () => false);
  if (!hasModel) {
    throw t.defended
      ? new ContractError('bad-model', `defended model not found: ${t.dir}`, DEFENDED_MISSING_HINT)
      : new ContractError('bad-model', `no model.json in ${t.dir}`, 'choose a TF.js model folder (model.json, weight shards, model-card.json)');
  }
  // The card is only read here; the comparison loads and checks the whole model when it runs.
  const card = await readFile(path.join(t.dir, 'model-card.json'), 'utf8').then(
    (text) => JSON.parse(text) as { name?: unknown; provenance?: Record<string, unknown> },
    () => ({}) as { name?: unknown; provenance?: Record<string, unknown> },
  );
  return { ref: t.ref, name: typeof card.name === 'string' && card.name ? card.name : path.basename(t.dir), defence: defenceOf(card.provenance), dir: t.dir };
}

/** methods × eps as grid cells, each checked against the attack's own parameter schema. */
function gridOf(req: ParsedRequestOf<'robustness:run'>): GridCell[] {
  const cells = new Map<string, GridCell>();
  for (const method of req.methods) {
    const attack = getAttack(method);
    for (const eps of req.eps) {
      parseAttackParams(attack, { eps });
      cells.set(`${attack.id}/${eps}`, { method: attack.id, params: { eps }, photo: req.photos });
    }
  }
  return [...cells.values()];
}

function imagesSpec(ref: FolderRef): string {
  if (ref.kind === 'bundled') return 'samples';
  if (ref.kind === 'path') return ref.path;
  throw new ContractError('bad-request', 'a dialog reference must be resolved by the host');
}

/** Bar position: finished cells plus the share of the current cell's attack that is done. */
function progressTracker(job: { progress(done: number, total: number, stage: string): void }) {
  let at = { stage: 'loading models', done: 0, total: 1 };
  let within = 0;
  // Never backwards: the photo stage reports the position of the model's last cell again.
  let best = 0;
  const report = () => {
    best = Math.max(best, Math.min(at.total, at.done + within));
    job.progress(best, at.total, at.stage);
  };
  return {
    stage(stage: string, done: number, total: number) {
      if (total !== at.total) best = 0;
      at = { stage, done, total };
      within = 0;
      report();
    },
    attack(p: AttackJobProgress) {
      const batch = p.imagesDone < p.imagesTotal && p.step < p.steps ? Math.min(32, p.imagesTotal - p.imagesDone) * (p.step / Math.max(1, p.steps)) : 0;
      within = Math.max(within, Math.min(0.99, (p.imagesDone + batch) / Math.max(1, p.imagesTotal)));
      report();
    },
  };
}

async function setKey(targets: readonly Target[], images: string, req: ParsedRequestOf<'robustness:run'>): Promise<string> {
  const fingerprints = [];
  for (const t of targets) fingerprints.push((await readModelDir(t.dir)).fingerprint);
  const key = JSON.stringify({ fingerprints, images: images === 'samples' ? images : path.resolve(images), limit: req.limit ?? null, seed: req.seed });
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

export function reportDto(result: RobustnessResult, experimentDir: string, out: string, req: ParsedRequestOf<'robustness:run'>): RobustnessReportDto {
  const rel = (abs: string) => path.relative(experimentDir, abs).split(path.sep).join('/');
  return RobustnessReportDto.parse({
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    request: { methods: req.methods, eps: req.eps, transforms: req.transforms, photos: req.photos, limit: req.limit ?? null },
    images: result.images,
    seed: result.seed,
    backend: result.backend,
    seconds: result.seconds,
    outDir: rel(out),
    models: result.models.map((m) => ({ ...m, experiment: m.experiment ? rel(m.experiment) : null })),
    tables: robustnessTables(result),
    panels: robustnessPanels(result),
    masking: result.masking,
  });
}

export const robustnessHandlers: Pick<EngineHandlers, 'robustness:models' | 'robustness:run'> = {
  async 'robustness:models'(req, { state }) {
    const targets = await targetsOf(state, req.models);
    return Promise.all(targets.map((t) => describe(state, t)));
  },

  async 'robustness:run'(req, ctx) {
    const dir = requireExperiment(ctx.state);
    const targets = await targetsOf(ctx.state, req.models);
    await Promise.all(targets.map((t) => describe(ctx.state, t))); // a missing model fails here, not mid-job
    const grid = gridOf(req);
    const transforms: TransformSpec[] = req.transforms.flatMap((t) => parseTransformSpec(t));
    const images = imagesSpec(req.images);
    return ctx.startJob(undefined, 'robustness', async (job): Promise<JobResult> => {
      const bar = progressTracker(job);
      bar.stage('checking the models', 0, 1);
      const out = path.join(dir, 'robustness', await setKey(targets, images, req));
      const result = await compareRobustness({
        out,
        models: targets.map((t) => t.spec),
        images,
        ...(req.limit !== undefined ? { limit: req.limit } : {}),
        grid,
        transforms,
        seed: req.seed,
        signal: job.signal,
        onProgress: (stage, done, total) => {
          // Transform evaluation has no signal of its own: between cells is its cancellation point.
          throwIfAborted(job.signal);
          bar.stage(stage, done, total);
        },
        onAttackProgress: (p) => bar.attack(p),
      });
      const report = reportDto(result, dir, out, req);
      await atomicWriteJson(resolveInExperiment(dir, ROBUSTNESS_RESULT_FILE), report);
      return { kind: 'robustness', file: ROBUSTNESS_RESULT_FILE, report };
    });
  },
};
