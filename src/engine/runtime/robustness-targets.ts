/**
 * What robustness:run (the grid) and robustness:suite share in the engine: the models a request
 * names, as cards the UI can show and as specs the services load, the images folder, the job's
 * progress bar, the key of the folder a comparison writes into, and the result as the workbench
 * keeps it (robustness-handler.ts, robustness-suite-job.ts).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AttackJobProgress } from '../../attacks';
import { ContractError, DEFENDED_MISSING_HINT, RobustnessReportDto, type FolderRef, type ModelRef, type RobustnessModelDto, type SampleMode } from '../../contract';
import { DEFAULT_MODEL_DIR, readModelDir } from '../../model/node';
import { robustnessPanels, robustnessTables } from '../../reports/robustness-table';
import { defenceOf, type RobustnessResult } from '../../services/robustness';
import type { EngineState } from './state';
import { requireModel } from './model-handlers';

/** A model as the comparison will load it: `spec` for openModel ('default' or a folder). */
export interface Target {
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

export async function targetsOf(state: EngineState, refs: readonly ModelRef[]): Promise<Target[]> {
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
export async function describe(state: EngineState, t: Target): Promise<RobustnessModelDto> {
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

export function imagesSpec(ref: FolderRef): string {
  if (ref.kind === 'bundled') return 'samples';
  if (ref.kind === 'path') return ref.path;
  throw new ContractError('bad-request', 'a dialog reference must be resolved by the host');
}

/** Bar position: finished cells plus the share of the current cell's attack that is done. */
export function progressTracker(job: { progress(done: number, total: number, stage: string): void }) {
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

export async function setKey(targets: readonly Target[], images: string, req: { limit?: number; sample?: SampleMode; seed: number }): Promise<string> {
  const fingerprints = [];
  for (const t of targets) fingerprints.push((await readModelDir(t.dir)).fingerprint);
  // 'first' (or none) keeps the key sets had before sampling existed; other modes pick other images.
  const sample = req.limit !== undefined && req.sample && req.sample !== 'first' ? { sample: req.sample } : {};
  const key = JSON.stringify({ fingerprints, images: images === 'samples' ? images : path.resolve(images), limit: req.limit ?? null, ...sample, seed: req.seed });
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/** The result as the workbench shows it and keeps it: the numbers with the report's own tables and charts. */
export function reportDto(result: RobustnessResult & { curvesFile?: string }, experimentDir: string, out: string, request: RobustnessReportDto['request']): RobustnessReportDto {
  const rel = (abs: string) => path.relative(experimentDir, abs).split(path.sep).join('/');
  return RobustnessReportDto.parse({
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    request,
    images: result.images,
    seed: result.seed,
    backend: result.backend,
    seconds: result.seconds,
    outDir: rel(out),
    models: result.models.map((m) => ({ ...m, experiment: m.experiment ? rel(m.experiment) : null })),
    tables: robustnessTables(result),
    panels: robustnessPanels(result),
    masking: result.masking,
    ...(result.curvesFile ? { curvesFile: rel(result.curvesFile) } : {}),
  });
}
