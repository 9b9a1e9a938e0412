/**
 * robustness:suite in the engine: `printshot robustness --suite standard|rand --eps …` as a
 * workbench job (issue 18, deliverables 2 and 4). The suite's own attacks at their defaults; the
 * request only picks the models, the eps list, the images and how many of them.
 *
 * The suite writes its raw result and its curves CSV into `robustness/suite-<set>/results/` of
 * the open experiment; results/robustness.json then keeps the workbench's view of it (numbers,
 * the report's tables and one curve chart per model), as robustness:run does, so a reload and the
 * report both find the last comparison there.
 */
import path from 'node:path';
import { ROBUSTNESS_RESULT_FILE, type JobResult, type ParsedRequestOf } from '../../contract';
import { runRobustnessSuite } from '../../services/robustness-suite';
import { throwIfAborted } from '../../shared';
import { atomicWriteJson, resolveInExperiment } from '../../workspace';
import type { EngineContext } from './engine';
import { requireExperiment } from './experiment-handlers';
import { describe, imagesSpec, progressTracker, reportDto, setKey, targetsOf } from './robustness-targets';

export async function runSuiteJob(req: ParsedRequestOf<'robustness:suite'>, ctx: EngineContext): Promise<{ jobId: string }> {
  const dir = requireExperiment(ctx.state);
  const targets = await targetsOf(ctx.state, req.models);
  await Promise.all(targets.map((t) => describe(ctx.state, t))); // a missing model fails here, not mid-job
  const images = imagesSpec(req.images);
  const eps = [...new Set(req.eps)].sort((a, b) => a - b);
  return ctx.startJob(undefined, 'robustness', async (job): Promise<JobResult> => {
    const bar = progressTracker(job);
    bar.stage('checking the models', 0, 1);
    const out = path.join(dir, 'robustness', `suite-${await setKey(targets, images, req)}`);
    const result = await runRobustnessSuite({
      out,
      models: targets.map((t) => t.spec),
      images,
      ...(req.limit !== undefined ? { limit: req.limit } : {}),
    ...(req.sample ? { sample: req.sample } : {}),
      suite: req.suite,
      eps,
      seed: req.seed,
      signal: job.signal,
      onProgress: (stage, done, total) => {
        throwIfAborted(job.signal);
        bar.stage(stage, done, total);
      },
    });
    const attacks = result.models[0]?.suite.attacks ?? [];
    const report = reportDto(result, dir, out, { methods: attacks, eps, transforms: [], photos: false, limit: req.limit ?? null, ...(req.sample ? { sample: req.sample } : {}), suite: req.suite });
    await atomicWriteJson(resolveInExperiment(dir, ROBUSTNESS_RESULT_FILE), report);
    return { kind: 'robustness', file: ROBUSTNESS_RESULT_FILE, report };
  });
}
