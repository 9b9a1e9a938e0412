/**
 * report:export in the engine: runs the report service (src/services/report-job.ts) on the open
 * experiment and writes reports/report-<time>.<format>. The result lists the file relative to the
 * experiment, so the UI can read it (file:read), save it (file:export) or open it (file:open).
 * The JSON format is ReportData itself, which the Evaluate view reads for the photo tables.
 */
import path from 'node:path';
import type { JobResult } from '../../contract';
import type { EngineHandlers } from './engine';
import { requireExperiment } from './experiment-handlers';

export const reportHandlers: Pick<EngineHandlers, 'report:export'> = {
  async 'report:export'(req, ctx) {
    const dir = requireExperiment(ctx.state);
    // Imported on use: the report service pulls pdfkit and the report writers.
    const { runReportJob } = await import('../../services/report-job');
    return ctx.startJob(undefined, 'report', async (job): Promise<JobResult> => {
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const rel = `reports/report-${stamp}.${req.format}`;
      let step = 0;
      job.progress(0, 1, 'evaluating the experiment');
      const r = await runReportJob({
        experiment: dir,
        out: [path.join(dir, ...rel.split('/'))],
        onProgress: (stage) => {
          // The report service reports stages, not counts; its callback is also the cancellation point.
          if (job.signal.aborted) throw new Error('cancelled');
          job.progress(Math.min(0.95, 1 - 1 / (1 + ++step / 8)), 1, stage);
        },
      });
      return { kind: 'report', files: r.files.map((f) => path.relative(dir, f.path).split(path.sep).join('/')) };
    });
  },
};
