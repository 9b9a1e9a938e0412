/**
 * robustness:models, robustness:run and robustness:suite in the engine: the workbench side of the
 * robustness comparison (src/services/robustness.ts; the suite in robustness-suite-job.ts). Everything a user can get wrong (no experiment, an
 * unknown attack, an eps an attack refuses, a bad transform spec, a defended model that was never
 * made) is refused before the job starts, with the fix in the hint.
 *
 * Output goes into the open experiment: `robustness/<set>/` holds one experiment folder per model
 * (checkable and reportable like any other), and results/robustness.json keeps the last
 * comparison (numbers, tables and chart panels) so a reload shows it again. <set> is a hash of the
 * model fingerprints, the images and the seed, so running the same comparison again reuses its
 * finished runs, while a retrained model at the same path never inherits runs of its old weights.
 */
import path from 'node:path';
import { getAttack, parseAttackParams } from '../../attacks';
import { ROBUSTNESS_RESULT_FILE, type JobResult, type ParsedRequestOf } from '../../contract';
import { compareRobustness, type GridCell } from '../../services/robustness';
import { throwIfAborted } from '../../shared';
import { parseTransformSpec, type TransformSpec } from '../../transforms';
import { atomicWriteJson, resolveInExperiment } from '../../workspace';
import type { EngineHandlers } from './engine';
import { requireExperiment } from './experiment-handlers';
import { describe, imagesSpec, progressTracker, reportDto, setKey, targetsOf } from './robustness-targets';
import { runSuiteJob } from './robustness-suite-job';

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

export const robustnessHandlers: Pick<EngineHandlers, 'robustness:models' | 'robustness:run' | 'robustness:suite'> = {
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
      ...(req.sample ? { sample: req.sample } : {}),
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
      const report = reportDto(result, dir, out, { methods: req.methods, eps: req.eps, transforms: req.transforms, photos: req.photos, limit: req.limit ?? null, ...(req.sample ? { sample: req.sample } : {}) });
      await atomicWriteJson(resolveInExperiment(dir, ROBUSTNESS_RESULT_FILE), report);
      return { kind: 'robustness', file: ROBUSTNESS_RESULT_FILE, report };
    });
  },

  'robustness:suite': (req, ctx) => runSuiteJob(req, ctx),
};
