/**
 * `printshot experiments list [ROOT] | rename | duplicate | archive | unarchive | merge | digest`:
 * managing whole experiment folders. See docs/experiments.md; merge and digest: docs/scale.md.
 */
import type { Command } from 'commander';
import { createProgress, formatTable } from '../output';

const print = (json: boolean | undefined, value: unknown, human: string): void => {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human}\n`);
};

export function registerExperimentsCommand(program: Command): void {
  const cmd = program.command('experiments').description('list, rename, duplicate, archive (.zip) and unarchive experiment folders');

  cmd
    .command('list [root]')
    .description('experiments in ROOT (default: current folder) and its subfolders')
    .option('--depth <n>', 'how many folder levels to search', (v) => Number(v), 2)
    .option('--json', 'print JSON')
    .action(async (root: string | undefined, opts: { depth: number; json?: boolean }) => {
      const { listExperiments } = await import('../../workspace/manage');
      const list = await listExperiments(root ?? '.', opts.depth);
      const rows = list.map((e) =>
        e.ok
          ? [e.dir, e.name ?? '', e.model ?? '', e.images ?? 0, `${e.runs?.complete ?? 0}/${e.runs?.total ?? 0}${e.runs?.unmergedShards ? ` (+${e.runs.unmergedShards} unmerged shard${e.runs.unmergedShards > 1 ? 's' : ''})` : ''}`, e.createdAt?.slice(0, 10) ?? '']
          : [e.dir, `(broken: ${e.error})`, '', '', '', ''],
      );
      print(opts.json, list, list.length === 0 ? 'no experiments found' : formatTable(['folder', 'name', 'model', 'images', 'runs done', 'created'], rows));
    });

  cmd
    .command('rename')
    .description("change an experiment's name (and with --folder its folder name)")
    .requiredOption('--experiment <dir>', 'experiment folder')
    .requiredOption('--name <name>', 'new name')
    .option('--folder', 'also rename the folder to match')
    .option('--json', 'print JSON')
    .action(async (opts: { experiment: string; name: string; folder?: boolean; json?: boolean }) => {
      const { renameExperiment } = await import('../../workspace/manage');
      const r = await renameExperiment(opts.experiment, opts.name, { folder: opts.folder });
      print(opts.json, { dir: r.dir, id: r.experiment.id, name: r.experiment.name }, `renamed to '${r.experiment.name}' (${r.dir})`);
    });

  cmd
    .command('duplicate')
    .description('copy an experiment to a new folder with a new id')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .requiredOption('--out <dir>', 'new folder (must not exist)')
    .option('--name <name>', "name of the copy (default: '<name> (copy)')")
    .option('--json', 'print JSON')
    .action(async (opts: { experiment: string; out: string; name?: string; json?: boolean }) => {
      const { duplicateExperiment } = await import('../../workspace/manage');
      const exp = await duplicateExperiment(opts.experiment, opts.out, { name: opts.name });
      print(opts.json, { dir: opts.out, id: exp.id, name: exp.name }, `copied to ${opts.out} as '${exp.name}' (${exp.id})`);
    });

  cmd
    .command('archive')
    .description('pack an experiment into one .zip that opens on any machine')
    .requiredOption('--experiment <dir>', 'experiment folder')
    .requiredOption('--out <file>', '.zip to write')
    .option('--overwrite', 'replace an existing .zip')
    .option('--json', 'print JSON')
    .action(async (opts: { experiment: string; out: string; overwrite?: boolean; json?: boolean }) => {
      const progress = createProgress('archiving');
      const { archiveExperiment } = await import('../../workspace/manage');
      const index = await archiveExperiment(opts.experiment, opts.out, { overwrite: opts.overwrite, onProgress: (d, t) => progress.update(d, t) }).finally(() => progress.stop());
      const bytes = index.files.reduce((s, f) => s + f.size, 0);
      print(opts.json, { zip: opts.out, files: index.files.length, bytes }, `wrote ${opts.out}: ${index.files.length} files, ${(bytes / 1e6).toFixed(1)} MB before compression`);
    });

  cmd
    .command('unarchive <zip>')
    .description('open an experiment .zip into a folder, verifying every sha256')
    .requiredOption('--out <dir>', 'folder to create (must not exist, or be empty)')
    .option('--json', 'print JSON')
    .action(async (zip: string, opts: { out: string; json?: boolean }) => {
      const progress = createProgress('extracting');
      const { unarchiveExperiment } = await import('../../workspace/manage');
      const r = await unarchiveExperiment(zip, opts.out, { onProgress: (d, t) => progress.update(d, t) }).finally(() => progress.stop());
      const incomplete = r.report.runs.filter((x) => x.status === 'incomplete').length;
      print(
        opts.json,
        { dir: opts.out, id: r.experiment.id, name: r.experiment.name, filesVerified: r.report.filesVerified, incompleteRuns: incomplete },
        `opened '${r.experiment.name}' in ${opts.out}: all files verified${incomplete ? `, ${incomplete} incomplete run(s)` : ''}`,
      );
    });

  cmd
    .command('merge <shards...>')
    .description('join the N shard folders of `attack --shard i/N` jobs into one experiment, checking they are one job and verifying every file')
    .requiredOption('--out <dir>', 'merged experiment folder (must not exist, or be empty)')
    .option('--name <name>', "name of the merged experiment (default: the folder's name)")
    .option('--json', 'print JSON')
    .action(async (shards: string[], opts: { out: string; name?: string; json?: boolean }) => {
      const { mergeShards } = await import('../../services/merge');
      const progress = createProgress('merging');
      const r = await mergeShards(shards, opts.out, { name: opts.name, onProgress: (d, t) => progress.update(d, t) }).finally(() => progress.stop());
      const runs = r.runs.map((x) => `${x.dir} (${x.images} images)`).join(', ');
      print(opts.json, r, `merged ${r.shards} shards into ${r.dir}: ${runs}; ${r.filesVerified} files sha256-verified`);
    });

  cmd
    .command('digest <dir>')
    .description('sha256 of an experiment without its ids, names and times: equal for a merged experiment and the one-machine run of the same jobs')
    .option('--json', 'print JSON')
    .action(async (dir: string, opts: { json?: boolean }) => {
      const { experimentDigest } = await import('../../services/merge-canonical');
      const d = await experimentDigest(dir);
      print(opts.json, { dir, ...d }, `${d.sha256}  ${dir} (${d.files} files)`);
    });
}
