/**
 * `npm run docs:figures [-- --quick] [--work DIR] [--reuse] [--only demo|reproduction]`
 *
 * Regenerates the figures that docs/demo-results.md and docs/reproduction.md quote, by running the
 * commands that produce them and rendering the reports they write (scripts/docs-figures/render.ts)
 * between `<!-- figures:begin NAME -->` and `<!-- figures:end -->` (markers.ts). Prose outside the
 * markers is left alone. --quick runs a small configuration (20 images, no photos) to check the
 * pipeline; only a full run belongs in the committed docs. --reuse renders the reports already in
 * --work instead of running the commands again.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportData } from '../src/reports/types';
import { replaceFigureBlocks } from './docs-figures/markers';
import { fig6MaxMd, fig6MeanLine, provenanceLine, reportTableMd, tableById } from './docs-figures/render';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const quick = flag('--quick');
const work = value('--work') ?? mkdtempSync(join(tmpdir(), 'printshot-docs-figures-'));
const only = value('--only');

interface Job {
  dir: string;
  report: string;
  args: string[];
}

/** Runs `npx printshot ARGS` (unless --reuse finds its report) and returns the report and the wall time. */
function run(job: Job): { data: ReportData; seconds: number; load?: number; command: string } {
  const out = join(work, job.dir);
  const reportFile = join(out, 'reports', job.report);
  const cmdArgs = [...job.args, '--out', out];
  const command = `npx printshot ${job.args.join(' ')}`;
  const timing = join(out, 'docs-figures-seconds.txt');
  if (!(flag('--reuse') && existsSync(reportFile))) {
    process.stderr.write(`docs:figures: ${command} --out ${out}\n`);
    const started = Date.now();
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/printshot.mjs'), ...cmdArgs], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`${command} exited with ${r.status ?? r.signal}`);
    // The 15-minute load average at the end: a wall time means little without it on a shared machine.
    writeFileSync(timing, JSON.stringify({ seconds: (Date.now() - started) / 1000, load: loadavg()[2] }));
  }
  const t = existsSync(timing) ? (JSON.parse(readFileSync(timing, 'utf8')) as number | { seconds: number; load?: number }) : NaN;
  const { seconds, load } = typeof t === 'number' ? { seconds: t, load: undefined } : t;
  return { data: JSON.parse(readFileSync(reportFile, 'utf8')) as ReportData, seconds, load, command };
}

function update(doc: string, blocks: Record<string, string>): void {
  const file = join(ROOT, 'docs', doc);
  const before = readFileSync(file, 'utf8');
  const after = replaceFigureBlocks(before, blocks);
  writeFileSync(file, after);
  process.stderr.write(`docs:figures: ${after === before ? 'unchanged' : 'updated'} docs/${doc} (${Object.keys(blocks).join(', ')})\n`);
}

const small = quick ? ['--limit', '20'] : [];

if (!only || only === 'demo') {
  const demo = run({ dir: 'demo', report: 'demo.json', args: ['demo', ...small, ...(quick ? ['--no-photos'] : [])] });
  const photo = demo.data.tables.find((t) => t.id === 'table3-photo');
  update('demo-results.md', {
    'demo-provenance': provenanceLine(demo.data, demo.command, demo.seconds, demo.load),
    'demo-digital': reportTableMd(tableById(demo.data, 'digital'), ['clean1', 'adv1', 'adv5', 'success', 'rawSuccess']),
    'demo-fig6-max': fig6MaxMd(demo.data),
    'demo-fig6-mean': fig6MeanLine(demo.data),
    'demo-photos': photo ? `${photo.title}:\n\n${reportTableMd(photo)}` : 'The photo stage did not run (`--no-photos`).',
  });
}

if (!only || only === 'reproduction') {
  const fig6 = run({ dir: 'fig6', report: 'kurakin-fig6.json', args: ['reproduce', 'kurakin-fig6', ...small] });
  const table = run({ dir: 'table', report: 'kurakin-table.json', args: ['reproduce', 'kurakin-table', '--n', quick ? '10' : '102', '--no-sheets', ...small] });
  update('reproduction.md', {
    'fig6-provenance': provenanceLine(fig6.data, fig6.command, fig6.seconds, fig6.load),
    'fig6-digital': reportTableMd(tableById(fig6.data, 'digital'), ['clean1', 'adv1', 'adv5', 'success']),
    'fig6-max': fig6MaxMd(fig6.data),
    'fig6-mean': fig6MeanLine(fig6.data),
    'table-provenance': provenanceLine(table.data, table.command, table.seconds, table.load),
    'table-digital': reportTableMd(tableById(table.data, 'digital'), ['clean1', 'adv1', 'adv5', 'success']),
  });
}
process.stderr.write(`docs:figures: commands' output kept in ${work}\n`);
