/**
 * `printshot classify --model DIR|default --images DIR|samples [--top 5] [--fit fill|crop|pad] [--skip-unreadable] [--json]`
 * A folder of images with no class folders is classified without labels: predictions only.
 */
import type { Command } from 'commander';
import type { FitMode } from '../../images/decode';
import { createProgress, formatTable, pct } from '../output';
import { fitOption, positiveInt, skipUnreadableOption } from './options';

export function registerClassifyCommand(program: Command): void {
  program
    .command('classify')
    .description('classify an image set and report top-1/top-5 accuracy (a folder without class folders: predictions only)')
    .option('--model <dir>', "TF.js model folder, or 'default'", 'default')
    .option('--images <dir>', "image folder (ImageFolder or labels.csv), or 'samples'", 'samples')
    .option('--top <k>', 'classes to list per image', positiveInt, 5)
    .addOption(fitOption())
    .addOption(skipUnreadableOption())
    .option('--json', 'print JSON')
    .action(async (opts: { model: string; images: string; top: number; fit?: FitMode; skipUnreadable?: boolean; json?: boolean }) => {
      const [{ classifyImages }, { openImages, openModel }] = await Promise.all([import('../../services/classify'), import('../../services/sources')]);
      // No per-image events here: the reporter's heartbeat says which stage a long run is in.
      const progress = createProgress('classify');
      progress.update(0, 1, 'loading the model and images');
      const { model, data, result } = await (async () => {
        // Classifying needs no gradient: a model attacks cannot differentiate still classifies.
        const model = await openModel(opts.model, { probeGradient: false });
        const data = await openImages(opts.images, model, { fit: opts.fit, unlabelled: true, skipUnreadable: opts.skipUnreadable });
        progress.update(0, 1, `classifying ${data.items.length} images`);
        const result = await classifyImages(model, data.items, opts.top, data.labelled).finally(() => model.dispose());
        return { model, data, result };
      })().finally(() => progress.stop());
      if (opts.json) {
        const out = result.labelled ? result : { labelled: false, images: result.images.map(({ relPath, top }) => ({ relPath, top })) };
        process.stdout.write(`${JSON.stringify({ model: model.card.name, labels: model.labels, fit: data.fit, ...out }, null, 2)}\n`);
        return;
      }
      if (!result.labelled) {
        const rows = result.images.map((im) => [im.relPath, im.top.map((t) => `${model.labels[t.label]} ${pct(t.prob, 0)}`).join(', ')]);
        process.stdout.write(`${formatTable(['image', `top-${opts.top}`], rows)}\n\n`);
        process.stdout.write(`no labels (${opts.images} has no class folders or labels.csv): predictions only, no accuracy\n`);
        return;
      }
      const rows = result.images.map((im) => [
        im.relPath,
        model.labels[im.label],
        im.top.map((t) => `${model.labels[t.label]} ${pct(t.prob, 0)}`).join(', '),
        im.correctTop1 ? '✓' : '✗',
      ]);
      process.stdout.write(`${formatTable(['image', 'label', `top-${opts.top}`, 'top-1'], rows)}\n\n`);
      process.stdout.write(
        `top-1 accuracy ${pct(result.top1.correct / result.top1.total)} (${result.top1.correct}/${result.top1.total}), ` +
          `top-5 ${pct(result.top5.correct / result.top5.total)} (${result.top5.correct}/${result.top5.total})\n`,
      );
    });
}
