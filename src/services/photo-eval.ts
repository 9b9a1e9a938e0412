/**
 * `printshot evaluate --experiment DIR --photos`: the paper's Tables 1–3 for the photographed
 * cells of an experiment (Kurakin et al. §3.2–3.3).
 *
 * The numbers come from the report builder (src/reports), which already joins
 * captures/captures.json with the run manifests: for every run, the rectified crops of its
 * adversarial cells (and of the clean cells on the same photo) are classified after conversion
 * to the model's channels (readImage8 with the card's channels), then
 *   Table 1  accuracy, average case: photo clean/adv and source clean/adv, top-1 and top-5
 *   Table 2  the same on the prefiltered case
 *   Table 3  destruction rate (Eq. 1), average and prefiltered, top-1/top-5, with numerator,
 *            denominator and 95% Wilson interval
 * plus the capture log (accepted/rejected photos with reasons, the paper's 3–10 % discard), and,
 * when photos carry capture conditions, the results per condition with RP2's conditional success
 * and the unregistered crops beside the registered ones (src/reports/conditions-section.ts).
 * Only the photo channel is computed here: no synthetic sweeps.
 */
import { buildReportData, type CaptureLog, type Cell, type ReportTable, type RunInfo } from '../reports';
import type { ConditionsReport } from '../reports/conditions-section';
import type { LoadedClassifier } from '../model';
import { PrintshotError } from '../shared';
import { openExperiment } from '../workspace';
import { openExperimentModel, openModel } from './sources';

export type PhotoSelect = 'average' | 'prefiltered' | 'both';

export interface PhotoEvalSpec {
  experiment: string;
  /** Which accuracy tables to keep: Table 1 (average), Table 2 (prefiltered) or both. Table 3 has both. */
  select?: PhotoSelect;
  /** Images per case after selection (the paper: 102); all when absent. */
  n?: number | null;
  seed?: number | string;
  /** A model folder to use instead of the one recorded in the experiment (same fingerprint); or a loaded one. */
  model?: string | LoadedClassifier;
  onProgress?: (stage: string) => void;
}

/** One run's photo destruction rates (Table 3 row). */
export interface PhotoDestructionRow {
  run: string;
  label: string;
  method: string;
  eps: number;
  avg1: Cell | null;
  avg5: Cell | null;
  pre1: Cell | null;
  pre5: Cell | null;
}

export interface PhotoEvaluation {
  experiment: { dir: string; id: string; name: string };
  model: string;
  select: PhotoSelect;
  selection: { n: number | null; seed: number | string; minConfidence: number };
  /** table1-photo / table2-photo (as selected) and table3-photo; empty when nothing was photographed. */
  tables: ReportTable[];
  destruction: PhotoDestructionRow[];
  captures: CaptureLog;
  /** Per capture condition: accuracy, destruction rate, RP2 conditional success, registered and unregistered; null without conditions. */
  conditions: ConditionsReport | null;
  runs: RunInfo[];
  notes: string[];
}

export async function evaluatePhotos(spec: PhotoEvalSpec): Promise<PhotoEvaluation> {
  const select = spec.select ?? 'both';
  const exp = await openExperiment(spec.experiment);
  const owned = typeof spec.model !== 'object';
  const model = typeof spec.model === 'object' ? spec.model
    : spec.model === undefined ? await openExperimentModel(spec.experiment, exp) : await openModel(spec.model, { probeGradient: false });
  try {
    if (model.fingerprint !== exp.model.fingerprint) {
      throw new PrintshotError(
        'bad-experiment',
        `the model (${model.fingerprint.slice(0, 12)}) is not the one this experiment was made with (${exp.model.fingerprint.slice(0, 12)})`,
        'pass the experiment\'s model folder with --model',
      );
    }
    const data = await buildReportData({
      dir: spec.experiment,
      model,
      options: { n: spec.n ?? null, seed: spec.seed ?? 0, sweeps: [], tableTransforms: [], examplesPerRun: 0, onProgress: spec.onProgress },
    });
    const wanted = new Set(['table3-photo', ...(select !== 'prefiltered' ? ['table1-photo'] : []), ...(select !== 'average' ? ['table2-photo'] : [])]);
    const tables = data.tables.filter((t) => wanted.has(t.id));
    const t3 = tables.find((t) => t.id === 'table3-photo');
    const destruction: PhotoDestructionRow[] = (t3?.rows ?? []).map((r) => ({
      run: data.runs.find((x) => x.id === r.run)?.dir ?? r.key,
      label: r.label,
      method: r.method ?? '',
      eps: r.eps ?? NaN,
      avg1: r.cells.avg1 ?? null,
      avg5: r.cells.avg5 ?? null,
      pre1: r.cells.pre1 ?? null,
      pre5: r.cells.pre5 ?? null,
    }));
    return {
      experiment: { dir: spec.experiment, id: exp.id, name: exp.name },
      model: exp.model.name,
      select,
      selection: { n: data.selection.n, seed: data.selection.seed, minConfidence: data.selection.minConfidence },
      tables,
      destruction,
      captures: data.captures,
      conditions: data.conditions ?? null,
      runs: data.runs,
      notes: data.notes.filter((n) => !/Fig\. 6/.test(n)),
    };
  } finally {
    if (owned) model.dispose();
  }
}
