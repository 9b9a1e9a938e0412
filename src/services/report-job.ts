/**
 * `printshot report`: load the experiment's model, build ReportData (evaluating what is not
 * cached in EXPERIMENT/results/ yet), optionally evaluate transfer to other models, and write
 * one or more formats. A model that moved or changed does not stop the report: it falls back to
 * what the run manifests recorded, and the report says so.
 */
import { buildReportData, reportFormat, writeReport, type ReportData, type ReportFormat, type ReportOptions } from '../reports';
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
    const data = await buildReportData({ dir: spec.experiment, model, modelNote: note, transfer, options: spec });
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

async function loadExperimentModel(source: string, fingerprint: string): Promise<{ model: LoadedClassifier | null; note?: string }> {
  let model: LoadedClassifier;
  try {
    model = await openModel(source);
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
