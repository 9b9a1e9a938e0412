/**
 * `printshot reproduce ilyas-features [--data DIR] [--limit N] [--model DIR|default]
 *  [--det-limit N] [--robust-model DIR] [--target det|random|both] [--epochs K] [--seed S] [--threads T] [--force]
 *  --out DIR [--json]`: Ilyas et al. 2019 on Fashion-MNIST (services/ilyas-features.ts). Progress
 * names the stage; Ctrl+C saves the stage so far, and the same command resumes, skipping the
 * finished stages.
 */
import type { IlyasEvent } from '../../services/ilyas-features';
import type { Progress } from '../output';
import { formatTable } from '../output';
import type { ReproduceCliOptions } from './reproduce';

/** A progress label for one script event, or undefined for events that only the log shows. */
export function ilyasProgressLabel(e: IlyasEvent, stage: string): string | undefined {
  if (e.type !== 'progress') return undefined;
  const what = e.phase === 'train' ? `training${e.epoch ? ` epoch ${e.epoch}/${e.epochs}` : ''}${e.loss !== undefined ? ` loss ${e.loss.toFixed(3)}` : ''}` : e.model ? `attacking ${e.model}` : 'images';
  return `${stage}: ${what}`;
}

export async function ilyasCommand(opts: ReproduceCliOptions, progress: Progress): Promise<void> {
  const [{ runIlyasFeatures }, { ilyasTable, transferTable, rateText }] = await Promise.all([import('../../services/ilyas-features'), import('../../services/ilyas-features-report')]);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const flag = (name: string, v: string | number | undefined) => (v === undefined ? [] : [name, String(v)]);
  const command = ['printshot', 'reproduce', 'ilyas-features', ...flag('--data', opts.data), ...flag('--limit', opts.limit), ...flag('--det-limit', opts.detLimit), ...(opts.model !== 'default' ? ['--model', opts.model] : []),
    ...flag('--robust-model', opts.robustModel), ...flag('--target', opts.target), ...flag('--epochs', opts.epochs), ...(opts.seed ? ['--seed', String(opts.seed)] : []),
    ...flag('--threads', opts.threads), '--out', opts.out];
  let stage = 'starting';
  const tty = Boolean(process.stderr.isTTY);
  const onEvent = (e: IlyasEvent) => {
    if (e.type === 'stage') {
      stage = `${e.index}/${e.stages} ${e.name}`;
      if (!tty && !opts.json) process.stderr.write(`stage ${stage}\n`);
    } else if (e.type === 'start' && e.resumed && !opts.json) process.stderr.write(`resuming the run in ${e.out} (finished stages are kept)\n`);
    else if (e.type === 'epoch' && !tty && !opts.json) process.stderr.write(`${stage} epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, accuracy on 1,000 real test images ${(e.testAccuracy * 100).toFixed(1)}%\n`);
    const label = ilyasProgressLabel(e, stage);
    if (label && e.type === 'progress') progress.update(e.done, e.total, label);
  };
  try {
    const r = await runIlyasFeatures({
      out: opts.out, data: opts.data, limit: opts.limit, detLimit: opts.detLimit, standardModel: opts.model, robustModel: opts.robustModel, target: opts.target,
      epochs: opts.epochs, seed: opts.seed, threads: opts.threads, force: opts.force, command, signal: controller.signal, onEvent,
    }).finally(() => progress.stop());
    if (opts.json) {
      process.stdout.write(`${JSON.stringify({ template: 'ilyas-features', out: r.out, seconds: r.seconds, resumed: r.resumed, reports: r.reports, report: r.results }, null, 2)}\n`);
      return;
    }
    const t = ilyasTable(r.results);
    const x = transferTable(r.results);
    const ds = Object.entries(r.results.datasets).map(([name, d]) => `  ${name}: ${d.images} images in ${d.dir}`);
    const dr = r.results.datasets.D_R as Record<string, unknown>;
    process.stdout.write(
      [
        `printshot reproduce ilyas-features: ${r.seconds.toFixed(0)} s${r.resumed ? ' (resumed)' : ''}`,
        '',
        'Standard and robust accuracy by training set (Ilyas et al. Fig. 2 / Table 1 in shape), % (correct/images, 95% Wilson):',
        formatTable(t.head, t.rows),
        '',
        "Transfer of the standard model's PGD examples (images it classifies correctly and the attack fools):",
        formatTable(x.head, x.rows),
        '',
        `D_R objective ||g(x_r) - g(x)||: mean ${String(dr.distanceStart)} at the start, ${String(dr.distanceEnd)} at the end; decreased for ${rateText(dr.decreased as never)}`,
        'Datasets (class folders of PNGs; usable as --images):',
        ...ds,
        '',
        ...r.reports.map((f) => `wrote ${f}`),
      ].join('\n') + '\n',
    );
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
