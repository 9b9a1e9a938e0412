/**
 * reproduce:run in the engine: the workbench's paper templates (src/contract/reproduce.ts), each
 * the service behind `printshot reproduce <template>`, run as a 'reproduce' job into the open
 * experiment's reproduce/<template>/ folder. Kurakin and spectral use the loaded model (else the
 * bundled one) on the bundled samples; cross-training and Ilyas train their own models in
 * PyTorch. Rerunning a template resumes it (each service reuses its finished stages).
 * Cancelling: the PyTorch templates take the job's signal (the script checkpoints); the others
 * stop at their next progress report, which throws once the job is aborted.
 */
import path from 'node:path';
import { ContractError, ERROR_CODES, type JobResult, type ParsedRequestOf, type ReproduceResultDto } from '../../contract';
import { throwIfAborted } from '../../shared';
import type { EngineHandlers, JobControl } from './engine';
import { requireExperiment } from './experiment-handlers';
import type { EngineState } from './state';

type Request = ParsedRequestOf<'reproduce:run'>;
type Outcome = Omit<ReproduceResultDto, 'kind' | 'template' | 'dir' | 'files' | 'seconds'> & { files: string[] };

/** The loaded model's folder for the templates that attack a given model; the bundled one otherwise. */
function modelSpec(state: EngineState): string {
  return state.model && state.model.spec !== 'default' ? state.model.dir : 'default';
}

async function runTemplate(req: Request, out: string, state: EngineState, job: JobControl): Promise<Outcome> {
  const progress = (stage: string, done: number, total: number) => {
    throwIfAborted(job.signal);
    job.progress(done, total, stage);
  };
  switch (req.template) {
    case 'kurakin-table':
    case 'kurakin-fig6': {
      const { runReproduce } = await import('../../services/reproduce');
      const r = await runReproduce({ template: req.template, out, model: modelSpec(state), images: 'samples', seed: req.seed, limit: req.limit, onProgress: progress });
      const digital = r.data.tables.find((t) => t.id === 'digital');
      return { files: r.reports, summary: [`${r.runs.length} attack runs (${r.runs.filter((x) => x.reused).length} reused) on ${r.data.imageSet.count} images`, ...(digital ? [`table: ${digital.title}`] : [])] };
    }
    case 'szegedy-spectral': {
      const { runSpectralReproduce } = await import('../../services/lipschitz-report');
      const r = await runSpectralReproduce({ out, model: modelSpec(state), images: 'samples', onProgress: progress });
      return { files: r.reports, summary: [`product of the layer bounds ${r.report.product.toPrecision(4)}${r.report.partial ? ' (partial)' : ''}`, `largest measured gradient norm ${r.report.measured.max.toPrecision(4)} (${(r.report.ratio * 100).toFixed(2)}% of the product)`] };
    }
    case 'szegedy-cross-training': {
      const [{ runCrossTraining }, { checksText }] = await Promise.all([import('../../services/cross-training'), import('../../reports/cross-training')]);
      const r = await runCrossTraining({ out, limit: req.limit, seed: req.seed, signal: job.signal, onProgress: progress });
      return { files: r.reports, summary: [...r.result.rows.map((row) => `examples for ${row.source}: ${row.eligible} images, mean RMS distortion ${row.meanRms.toFixed(4)}`), ...checksText(r.result)] };
    }
    case 'ilyas-features': {
      const [{ runIlyasFeatures }, { rateText }] = await Promise.all([import('../../services/ilyas-features'), import('../../services/ilyas-features-report')]);
      const r = await runIlyasFeatures({
        out,
        // A quick run (a limit) shrinks every built dataset, the non-robust ones (10,000 by default) too.
        limit: req.limit,
        detLimit: req.limit,
        seed: req.seed,
        signal: job.signal,
        onEvent: (e) => {
          if (e.type === 'progress') job.progress(e.done, e.total, e.phase);
          else if (e.type === 'stage') job.progress(e.index, e.stages, e.name);
        },
      });
      return { files: r.reports, summary: r.results.table.map((t) => `${t.label}: standard ${rateText(t.standardAccuracy)}, robust ${rateText(t.robustAccuracy)}`) };
    }
  }
}

export const reproduceHandlers: Pick<EngineHandlers, 'reproduce:run'> = {
  async 'reproduce:run'(req, ctx) {
    const dir = requireExperiment(ctx.state);
    if (req.template === 'ilyas-features') {
      // H5's service is optional in older trees: fail before the job starts when it is missing.
      await import('../../services/ilyas-features').catch(() => {
        throw new ContractError(ERROR_CODES.notAvailable, 'ilyas-features is not available in this build', 'run `npx printshot reproduce ilyas-features` from the command line');
      });
    }
    const state = ctx.state;
    return ctx.startJob(undefined, 'reproduce', async (job): Promise<JobResult> => {
      const started = Date.now();
      const rel = `reproduce/${req.template}`;
      const out = path.join(dir, ...rel.split('/'));
      job.progress(0, 1, `starting ${req.template}`);
      const r = await runTemplate(req, out, state, job);
      const files = r.files
        .map((f) => path.relative(dir, f).split(path.sep).join('/'))
        .sort((a, b) => Number(b.endsWith('.html')) - Number(a.endsWith('.html')));
      return { kind: 'reproduce', template: req.template, dir: rel, files, summary: r.summary, seconds: (Date.now() - started) / 1000 };
    });
  },
};
