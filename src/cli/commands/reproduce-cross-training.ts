/**
 * `printshot reproduce szegedy-cross-training [--data DIR] [--limit N] [--epochs K] [--seed S]
 *  --out DIR [--json]`: Szegedy et al. Tables 3–4 (services/cross-training.ts). Ctrl+C stops at
 * the next checkpoint (a training epoch, an attack batch); the same command resumes.
 */
import type { Progress } from '../output';
import { formatTable } from '../output';
import type { ReproduceCliOptions } from './reproduce';

export async function crossTrainingCommand(opts: ReproduceCliOptions, progress: Progress): Promise<void> {
  const [{ runCrossTraining }, { checksText, crossTable, modelsTable }] = await Promise.all([import('../../services/cross-training'), import('../../reports/cross-training')]);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const command = ['printshot', 'reproduce', 'szegedy-cross-training', ...(opts.data ? ['--data', opts.data] : []), ...(opts.limit ? ['--limit', String(opts.limit)] : []), ...(opts.epochs ? ['--epochs', String(opts.epochs)] : []), ...(opts.seed ? ['--seed', String(opts.seed)] : []), '--out', opts.out];
  try {
    const r = await runCrossTraining({ out: opts.out, data: opts.data, limit: opts.limit, epochs: opts.epochs, seed: opts.seed, command, signal: controller.signal, onProgress: (s, d, t) => progress.update(d, t, s) }).finally(() => progress.stop());
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ template: 'szegedy-cross-training', out: r.out, seconds: r.seconds, reports: r.reports, report: r.result }, null, 2)}\n`);
      return;
    }
    const m = modelsTable(r.result);
    const t = crossTable(r.result);
    process.stdout.write(
      [
        `printshot reproduce szegedy-cross-training: ${r.result.images.count} test images per model (${r.result.images.sampling}), ${r.seconds.toFixed(0)} s`,
        '',
        'Models (Szegedy et al. Table 3 in shape):',
        formatTable(m.head, m.rows),
        '',
        'Error rate caused on each model, errors/images [95% Wilson] (Table 4 in shape):',
        formatTable(t.head, t.rows),
        '',
        ...checksText(r.result),
        '',
        ...r.reports.map((f) => `wrote ${f}`),
      ].join('\n') + '\n',
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
