/**
 * Builds ReportData from an experiment folder. The model is passed in (loaded by the caller,
 * src/services/report-job.ts): with it, predictions, synthetic transforms and photo crops are
 * evaluated; without it (moved or changed model) the report still shows what the run manifests
 * recorded, and says what it left out.
 */
import { readFile } from 'node:fs/promises';
import { getAttack, parseAttackParams } from '../attacks';
import { runDisplayName } from '../attacks/names';
import { summarizeAttack } from '../metrics/attack-summary';
import type { ConfidenceOn } from '../metrics';
import type { LoadedClassifier } from '../model';
import { listRuns, openExperiment, readRunManifest, resolveInExperiment, runShard, unmergedShardNote, verifyRunInputs, type RunManifest, type RunRecord, type SkippedShard } from '../workspace';
import { readCaptures } from './captures';
import { channelCompareTable, readChannelComparison } from './channel-compare';
import { conditionsSection } from './conditions-section';
import { attackCommand, environment, readReproduceRecord, reportCommand, shellQuote } from './environment';
import { defaultTableSpecs, fig6Panels, paperSweepSpecs, pickExamples, pickFig6Eps } from './figures';
import { runOutcomes } from './outcomes';
import { ratioCell, rateCell } from './stats';
import { digitalTable, paperTables, perturbationTable, sortRuns, type RunEntry, type SelectionOptions } from './tables';
import { transferTables, type TransferMatrix } from './transfer-table';
import { robustnessPanels, robustnessTables, type RobustnessComparison } from './robustness-table';
import { comparisonPanels } from './run-comparison';
import { incompleteNote, incompleteRun } from './incomplete';
import { readPatchesReport } from './patch-data';
import { REPORT_SCHEMA_VERSION, type ChannelInfo, type IncompleteRun, type ReportData, type RunInfo } from './types';

export interface ReportOptions {
  /** Images per case after selection (the paper: 102); all when null/absent. */
  n?: number | null;
  seed?: number | string;
  confidenceOn?: ConfidenceOn;
  /** Synthetic channels of Tables 1–3 (default: every transform at its default setting). */
  tableTransforms?: string[];
  /** Fig. 6 settings (default: every transform's paper grid); [] leaves Fig. 6 out. */
  sweeps?: string[];
  /** eps of the Fig. 6 panels (default 16 when present, else the largest). */
  fig6Eps?: number;
  examplesPerRun?: number;
  title?: string;
  /** Extra arguments of the report command as run (for the reproduce section). */
  reportArgs?: string[];
  onProgress?: (stage: string) => void;
}

export interface BuildInput {
  dir: string;
  /** The experiment's model, or null (then only manifest-recorded digital results). */
  model: LoadedClassifier | null;
  /** Why the model is null, shown in the notes. */
  modelNote?: string;
  transfer?: TransferMatrix | null;
  /** A defence comparison to include (its experiments are separate; this report's is one of them). */
  robustness?: RobustnessComparison | null;
  options?: ReportOptions;
}

export async function buildReportData(input: BuildInput): Promise<ReportData> {
  const { dir, model } = input;
  const opts = input.options ?? {};
  const exp = await openExperiment(dir);
  const sel: SelectionOptions = { n: opts.n ?? null, seed: opts.seed ?? 0, confidenceOn: opts.confidenceOn ?? 'both' };
  const captures = await readCaptures(dir);
  const tableSpecs = opts.tableTransforms ?? defaultTableSpecs();
  const sweeps = opts.sweeps ?? paperSweepSpecs();
  const advSpecs = [...new Set([...sweeps, ...tableSpecs])];
  const notes: string[] = [];
  if (!model) notes.push(`Model not used: ${input.modelNote ?? 'unavailable'}. Digital results come from the run manifests; synthetic transforms and photos are left out.`);

  const labels = cardLabels(exp.model.card) ?? [...(model?.labels ?? [])];
  const entries: RunEntry[] = [];
  const manifests: RunManifest[] = [];
  const allRuns = await listRuns(dir);
  const incomplete: IncompleteRun[] = [];
  const shards: SkippedShard[] = [];
  for (const run of sortRuns(allRuns)) {
    // Tables, charts and figures hold complete runs only; the rest are named in one note below.
    if (run.status !== 'complete') {
      incomplete.push(await incompleteRun(dir, exp.images.count, run));
      continue;
    }
    const loaded = await loadManifest(dir, run);
    if (!loaded) {
      notes.push(`Run ${run.dir} has no readable manifest and is left out.`);
      continue;
    }
    const { manifest, bytes } = loaded;
    // An unmerged shard is complete but holds only its batches of the job: named in one note, never measured.
    const shard = runShard(manifest);
    if (shard) {
      shards.push({ dir: run.dir, shard, images: manifest.images.length });
      continue;
    }
    if (!manifest.images.length) continue;
    // Cached outcomes skip the PNGs: check them against their records first (issue 14, verified inputs).
    await verifyRunInputs(dir, exp, [manifest]);
    const out = await runOutcomes({ dir, experiment: exp, model, seed: sel.seed, crops: captures.crops, capturesHash: captures.hash, onProgress: opts.onProgress }, run, manifest, bytes, model ? advSpecs : [], model ? tableSpecs : []);
    manifests.push(manifest);
    entries.push({ info: runInfo(run, manifest), out, label: '' });
  }
  if (shards.length) notes.unshift(unmergedShardNote(shards));
  if (incomplete.length) notes.unshift(incompleteNote(dir, incomplete));
  labelRows(entries);

  const channels: ChannelInfo[] = [];
  const tables = [digitalTable(entries, sel)];
  const photoTables = paperTables(entries, 'photo', 'photos', sel);
  if (photoTables.length) channels.push({ id: 'photo', kind: 'photo', title: 'Photos (print and photograph)' });
  else notes.push(captures.log.present ? 'Photos were registered, but none of their crops belongs to a run of this report.' : 'No photos registered yet: the photo columns of Tables 1–3 will appear once photos are registered.');
  tables.push(...photoTables);
  // Simulation against capture, as stored by `printshot channel compare` (issue 17 §3).
  const compared = captures.log.present ? await readChannelComparison(dir) : null;
  if (compared) tables.push(channelCompareTable(compared.comparison, compared.stale));
  for (const spec of model ? tableSpecs : []) {
    const t = paperTables(entries, spec, spec, sel);
    if (t.length) channels.push({ id: spec, kind: 'transform', title: spec });
    tables.push(...t);
  }
  tables.push(perturbationTable(entries));
  if (input.transfer) {
    tables.push(...transferTables(input.transfer));
    notes.push(...input.transfer.notes);
  }
  if (input.robustness) tables.push(...robustnessTables(input.robustness));
  const patches = await readPatchesReport(dir, exp, model, labels);
  if (patches) tables.push(...patches.tables);
  const fig6Eps = pickFig6Eps(entries, opts.fig6Eps);
  const panels = model ? fig6Panels(entries, sweeps, fig6Eps, sel) : [];
  if (model && sweeps.length && !panels.length) notes.push(`No run at eps ${opts.fig6Eps ?? fig6Eps ?? '—'}: Fig. 6 is left out.`);

  const reproduced = await readReproduceRecord(dir);
  const commands = [
    ...(reproduced ? [reproduced.command.map(shellQuote).join(' ')] : manifests.map((m) => attackCommand(exp, dir, m))),
    reportCommand(dir, opts.reportArgs ?? []),
  ];
  const classCounts = new Map<number, number>();
  for (const it of exp.images.items) classCounts.set(it.label, (classCounts.get(it.label) ?? 0) + 1);
  const card = exp.model.card as Record<string, unknown>;
  const input0 = card.input as { width?: number; height?: number; channels?: number } | undefined;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    title: opts.title ?? `Printshot report: ${exp.name}`,
    generatedAt: new Date().toISOString(),
    experiment: { dir, id: exp.id, name: exp.name, createdAt: exp.createdAt },
    model: {
      name: exp.model.name,
      fingerprint: exp.model.fingerprint,
      source: exp.model.source,
      description: typeof card.description === 'string' ? card.description : null,
      input: input0 ? `${input0.width}×${input0.height}×${input0.channels}` : 'unknown',
      range: typeof card.range === 'string' ? card.range : null,
      labels,
      provenance: (card.provenance as Record<string, unknown> | undefined) ?? null,
    },
    imageSet: {
      source: exp.images.source,
      count: exp.images.count,
      classes: [...classCounts].sort((a, b) => a[0] - b[0]).map(([label, count]) => ({ label, name: labels[label] ?? String(label), count })),
    },
    runs: entries.map((e) => e.info),
    selection: { n: sel.n, seed: sel.seed, confidenceOn: sel.confidenceOn, minConfidence: 0.8 },
    channels,
    tables,
    fig6: { eps: panels.length ? fig6Eps : null, panels },
    comparison: { panels: comparisonPanels(tables[0]) },
    examples: pickExamples(entries, labels, opts.examplesPerRun ?? 3),
    captures: captures.log,
    environment: await environment(),
    ...(input.robustness ? { robustness: { panels: robustnessPanels(input.robustness) } } : {}),
    ...(captures.log.present ? { conditions: await conditionsSection(dir, model) } : {}),
    ...(patches ? { patches: patches.report } : {}),
    ...(compared ? { channelCompare: { ...compared.comparison, stale: compared.stale } } : {}),
    reproduce: { seeds: [...new Set([sel.seed, ...manifests.map((m) => m.seed)])], commands },
    incompleteRuns: incomplete,
    notes,
  };
}

function cardLabels(card: Record<string, unknown>): string[] | null {
  return Array.isArray(card.labels) && card.labels.every((l) => typeof l === 'string') ? (card.labels as string[]) : null;
}

async function loadManifest(dir: string, run: RunRecord): Promise<{ manifest: RunManifest; bytes: string } | null> {
  try {
    const manifest = await readRunManifest(dir, run);
    return { manifest, bytes: await readFile(resolveInExperiment(dir, run.manifest), 'utf8') };
  } catch {
    return null; // a run killed before its first batch has no manifest
  }
}

function runInfo(run: RunRecord, m: RunManifest): RunInfo {
  let params: Record<string, unknown> = m.params;
  let title = run.method;
  try {
    const attack = getAttack(m.method);
    title = attack.title;
    params = parseAttackParams(attack, m.params) as Record<string, unknown>;
  } catch {
    // an attack this version does not know: show the recorded parameters as they are
  }
  return {
    id: run.id,
    dir: run.dir,
    method: run.method,
    methodTitle: title,
    eps: run.eps,
    params,
    seed: m.seed,
    steps: m.images.length ? Math.max(...m.images.map((im) => im.steps)) : null,
    status: run.status,
    backend: m.backend,
    ...(m.execution ? { execution: m.execution } : {}),
    images: m.images.length,
    startedAt: m.startedAt,
    finishedAt: m.finishedAt,
    success: ratioCell(m.images.filter((im) => im.success).length, m.images.length),
    attackSuccess: rateCell(summarizeAttack(m.images).attackSuccess),
  };
}

/** 'fgsm eps=16', with the run folder appended when a method/eps pair appears twice. */
function labelRows(entries: RunEntry[]): void {
  const count = new Map<string, number>();
  for (const e of entries) count.set(`${e.info.method}/${e.info.eps}`, (count.get(`${e.info.method}/${e.info.eps}`) ?? 0) + 1);
  for (const e of entries) {
    const base = runDisplayName(e.info.method, e.info.eps);
    e.label = (count.get(`${e.info.method}/${e.info.eps}`) ?? 0) > 1 ? `${base} (${e.info.dir.replace(/^adversarial\//, '')})` : base;
  }
}
