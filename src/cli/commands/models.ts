/**
 * `printshot models list | pull NAME [--force] | info NAME|DIR | lipschitz [DIR]`: the model zoo, the
 * architecture summary of any model folder (layers, parameters, FLOPs, compiled or not, input and
 * preprocessing, whether attacks can differentiate it) and its per-layer Lipschitz bounds. Downloads go to the
 * data folder ($PRINTSHOT_DATA_DIR, else $XDG_DATA_HOME/printshot, else the platform default);
 * a pulled model is used with `--model <folder printed by pull>`. See docs/model-zoo.md.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { ModelInfo } from '../../services/doctor';
import { createProgress, formatTable } from '../output';

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

export function registerModelsCommand(program: Command): void {
  const cmd = program.command('models').description('list, download (pull) and describe zoo models (ImageNet classifiers)');

  cmd
    .command('list')
    .description('catalogue models and whether they are downloaded')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listZoo } = await import('../../zoo');
      const all = await listZoo();
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(all.map((s) => ({ name: s.entry.name, title: s.entry.title, state: s.state, dir: s.dir, approxBytes: s.entry.approxBytes })), null, 2)}\n`);
        return;
      }
      const rows = all.map((s) => [s.entry.name, s.entry.title, `${s.entry.input.height}×${s.entry.input.width}`, `~${mb(s.entry.approxBytes)}`, s.state]);
      process.stdout.write(`${formatTable(['name', 'model', 'input', 'size', 'state'], rows)}\n`);
    });

  cmd
    .command('pull <name>')
    .description('download a model (resumes an interrupted download, verifies checksums)')
    .option('--force', 'download again even if present and verified')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { force?: boolean; json?: boolean }) => {
      const progress = createProgress(`pull ${name}`);
      const { pullModel } = await import('../../zoo');
      const r = await pullModel(name, {
        force: opts.force,
        onProgress: (p) => progress.update(p.received, p.total ?? p.received, `${p.file} (${p.index}/${p.files ?? '?'})`),
      }).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ name: r.entry.name, dir: r.dir, upToDate: r.upToDate, files: r.lock.files }, null, 2)}\n`);
        return;
      }
      const bytes = r.lock.files.reduce((s, f) => s + f.bytes, 0);
      const pinned = r.lock.files.filter((f) => f.verifiedBy === 'pinned').length;
      process.stdout.write(
        `${r.upToDate ? 'already downloaded and verified' : `downloaded ${r.lock.files.length} files (${mb(bytes)})`}: ${r.dir}\n` +
          (pinned > 0 && !r.upToDate ? `${pinned} file(s) had no published sha256; their hashes are now pinned in ${r.dir}/zoo-lock.json\n` : '') +
          `use it with: --model ${r.dir}\n`,
      );
    });

  cmd
    .command('info <name>')
    .description("a model folder's (or 'default') architecture summary, or a zoo model's catalogue entry, download state and, once pulled, summary")
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const [{ zooStatus }, { modelInfo }] = await Promise.all([import('../../zoo'), import('../../services/doctor')]);
      // A folder (or model.json) that exists, or anything path-like, is a model; other names are zoo entries.
      if (name === 'default' || existsSync(name) || /[\\/]|^\./.test(name)) {
        const info = await modelInfo(name);
        process.stdout.write(opts.json ? `${JSON.stringify(info, null, 2)}\n` : `${(await infoLines(info)).join('\n')}\n`);
        return;
      }
      const s = await zooStatus(name);
      const info = s.state === 'downloaded' ? await modelInfo(s.dir) : undefined;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ ...s, ...(info ? { architecture: info } : {}) }, null, 2)}\n`);
        return;
      }
      const e = s.entry;
      const lines = [
        `${e.title} (${e.name})`,
        e.description,
        `format: ${e.format}; input ${e.input.height}×${e.input.width}×${e.input.channels}, pixel range ${e.range}${e.networkRange ? ` (network rescales to ${e.networkRange} inside)` : ''}; outputs ${e.outputs}`,
        `classes: ${e.classes}${e.labelOffset ? ` (output 0 is "background": ImageNet class k is output k+${e.labelOffset})` : ''}`,
        `model: ${e.modelUrl}`,
        `labels: ${e.labelsUrl}`,
        `size: ~${mb(e.approxBytes)}${e.top1 !== undefined ? `; published top-1 ${(e.top1 * 100).toFixed(1)}%` : ''}`,
        `paper: ${e.paper}; license ${e.license}`,
        `sha256: ${e.sha256 ? 'published in the catalogue' : 'unverified in the catalogue; pinned on first download'}`,
        `state: ${s.state} (${s.dir})`,
        ...(s.lock?.files.map((f) => `  ${f.path}  ${f.bytes} bytes  sha256 ${f.sha256} (${f.verifiedBy})`) ?? []),
        ...(info ? ['', ...(await infoLines(info))] : []),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  cmd
    .command('lipschitz [dir]')
    .description("per-layer upper Lipschitz bounds (Szegedy et al. 2013 Table 5), their product and a measured lower bound (largest logit-gradient norm); DIR defaults to the bundled model")
    .option('--images <dir>', "images for the measured lower bound, or 'samples'", 'samples')
    .option('--json', 'print JSON')
    .action(async (dir: string | undefined, opts: { images: string; json?: boolean }) => {
      const progress = createProgress('lipschitz');
      const { lipschitzReport, lipschitzTable } = await import('../../services/lipschitz');
      const r = await lipschitzReport({ model: dir ?? 'default', images: opts.images, onProgress: (s, d, t) => progress.update(d, t, s) }).finally(() => progress.stop());
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      const t = lipschitzTable(r);
      process.stdout.write(`${r.model.name} (${r.model.input}, pixel range ${r.model.range}): upper Lipschitz bound per layer, input in [0,1] pixels\n${formatTable(t.head, t.rows)}\n${t.footer.join('\n')}\n`);
    });
}

/** The summary lines plus the gradient probe's verdict (shared with `doctor --model`). */
export async function infoLines(info: ModelInfo): Promise<string[]> {
  const { formatSummary } = await import('../../model/summary');
  const g = info.gradient;
  return [...formatSummary(info.summary), `gradient    ${g === 'ok' ? 'ok (finite and non-zero on a probe image)' : `unusable for attacks: ${g.problem}`}`];
}
