/**
 * `printshot report`: load the experiment's model, build ReportData (evaluating what is not
 * cached in EXPERIMENT/results/ yet), optionally evaluate transfer to other models, and write
 * one or more formats. A model that moved or changed does not stop the report: it falls back to
 * what the run manifests recorded, and the report says so.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildReportData, reportFormat, writeReport, type ReportData, type ReportFormat, type ReportOptions, type RobustnessComparison } from '../reports';
import { isPrintshotError } from '../shared';
import { openExperiment } from '../workspace';
import type { LoadedClassifier } from '../model';
import { openModel } from './sources';
import { evaluateTransfer } from './transfer';

export interface ReportJobSpec extends ReportOptions {
  experiment: string;
  /** Output files; the format comes from each extension (.pdf, .html, .csv, .json). */
  out: string[];
  /** Model folder to use instead of the one recorded in the experiment (same fingerprint). */
  model?: string;
  /** Target models for the transfer matrix. */
  transferModels?: string[];
  /**
   * A defence comparison to include. By default the experiment's own results/robustness.json
   * (the last comparison run from it in the workbench) is used when present.
   */
  robustness?: RobustnessComparison | null;
}

export interface ReportJobResult {
  files: { path: string; format: ReportFormat }[];
  data: ReportData;
  seconds: number;
}

export async function runReportJob(spec: ReportJobSpec): Promise<ReportJobResult> {
  const started = Date.now();
  spec.out.forEach(reportFormat); // fail on a bad extension before any work
  const exp = await openExperiment(spec.experiment);
  const { model, note } = await loadExperimentModel(spec.model ?? exp.model.source, exp.model.fingerprint);
  try {
    const transfer = spec.transferModels?.length
      ? await evaluateTransfer({ experiments: [spec.experiment], targets: spec.transferModels, onProgress: spec.onProgress })
      : null;
    const robustness = spec.robustness !== undefined ? { value: spec.robustness } : await readRobustness(spec.experiment);
    const data = await buildReportData({ dir: spec.experiment, model, modelNote: note, transfer, robustness: robustness?.value ?? null, options: spec });
    if (robustness?.note) data.notes.push(robustness.note);
    const files: ReportJobResult['files'] = [];
    for (const path of spec.out) {
      spec.onProgress?.(`writing ${path}`);
      files.push({ path, format: await writeReport(data, path) });
    }
    return { files, data, seconds: (Date.now() - started) / 1000 };
  } finally {
    model?.dispose();
  }
}

/** The experiment's saved comparison, or null; an unreadable file becomes a note, not a failure. */
async function readRobustness(dir: string): Promise<{ value: RobustnessComparison | null; note?: string } | null> {
  // The workbench keeps its last comparison here (ROBUSTNESS_RESULT_FILE of the contract).
  let text: string;
  try {
    text = await readFile(join(dir, 'results', 'robustness.json'), 'utf8');
  } catch {
    return null;
  }
  try {
    const value = JSON.parse(text) as RobustnessComparison;
    if (!Array.isArray(value.models) || !value.images) throw new Error('no models');
    return { value };
  } catch (e) {
    return { value: null, note: `results/robustness.json could not be read (${(e as Error).message}); the robustness section is left out.` };
  }
}

async function loadExperimentModel(source: string, fingerprint: string): Promise<{ model: LoadedClassifier | null; note?: string }> {
  let model: LoadedClassifier;
  try {
    model = await openModel(source, { probeGradient: false }); // the report only classifies
  } catch (e) {
    if (!isPrintshotError(e)) throw e;
    return { model: null, note: `cannot load ${source} (${e.message})` };
  }
  if (model.fingerprint !== fingerprint) {
    model.dispose();
    return { model: null, note: `${source} is not the model this experiment was made with (fingerprint ${model.fingerprint.slice(0, 12)}, expected ${fingerprint.slice(0, 12)})` };
  }
  return { model };
}
