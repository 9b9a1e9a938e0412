/**
 * ReportData: everything a report shows, as plain JSON. The JSON writer emits it as is; the
 * CSV, HTML and PDF writers only lay it out, so every number in a report is in this object
 * (and a test can compare the formats against each other).
 *
 * Tables are generic (rows × columns of cells) so one renderer per format handles the paper's
 * Tables 1–3, the digital table, perturbation statistics and the transfer matrix alike.
 */
import type { Interval } from '../metrics';
import type { Execution } from '../workspace';

export const REPORT_SCHEMA_VERSION = 1 as const;

/** How a cell's value is shown: a percentage of a count, a plain number, or decibels. */
export type CellFormat = 'pct' | 'num' | 'db';

export interface Cell {
  /** Rate in [0,1] for 'pct'; null when undefined (no images qualify). */
  value: number | null;
  format: CellFormat;
  /** For rates: the counts behind the value (the destruction rate's numerator/denominator). */
  numerator?: number;
  denominator?: number;
  /** 95% interval: Wilson for rates, normal approximation of the mean for 'num'/'db'. */
  ci?: Interval | null;
}

export interface TableColumn {
  key: string;
  label: string;
  /** Header group shown above the column (e.g. 'Photos', 'Source'). */
  group?: string;
}

export interface TableRow {
  key: string;
  label: string;
  /** Run id and attack parameters when the row is one run (most tables). */
  run?: string;
  method?: string;
  eps?: number;
  cells: Record<string, Cell | null>;
}

export interface ReportTable {
  /** Stable id, e.g. 'table1-photo', 'table3-jpeg:quality=75', 'digital', 'transfer'. */
  id: string;
  /** 'Table 1' .. 'Table 3' for the paper's tables; free text for the others. */
  number: string;
  title: string;
  /** 'photo', a transform spec, or undefined for channel-independent tables. */
  channel?: string;
  columns: TableColumn[];
  rows: TableRow[];
  note?: string;
}

export interface ChannelInfo {
  /** 'photo' or a transform spec such as 'gaussian-blur:sigma=1'. */
  id: string;
  kind: 'photo' | 'transform';
  title: string;
}

export interface SeriesPoint {
  x: number;
  rate: Cell;
}

export interface Fig6Series {
  run: string;
  method: string;
  eps: number;
  k: 'top1' | 'top5';
  points: SeriesPoint[];
  /** Legend text and line style, when not the Fig. 6 defaults ('<method> top-1', top-5 dashed). */
  label?: string;
  dashed?: boolean;
}

export interface Fig6Panel {
  transform: string;
  title: string;
  param: string;
  paperRange: { min: number; max: number };
  series: Fig6Series[];
  /** Other charts drawn the same way (robustness): y-axis label and a fixed top (default: destruction rate, fitted). */
  yLabel?: string;
  yMax?: number;
}

export interface Prediction {
  label: number;
  name: string;
  prob: number;
}

export interface ExampleImage {
  /** Relative to the experiment root. */
  file: string;
  prediction: Prediction | null;
}

export interface Example {
  run: string;
  method: string;
  eps: number;
  relPath: string;
  label: number;
  labelName: string;
  clean: ExampleImage;
  adversarial: ExampleImage;
  photo: ExampleImage | null;
}

export interface RunInfo {
  id: string;
  dir: string;
  method: string;
  methodTitle: string;
  eps: number;
  /** Attack parameters with the attack's defaults filled in. */
  params: Record<string, unknown>;
  seed: number | string;
  /** Gradient steps the attack took (the iterative methods' iteration count). */
  steps: number | null;
  status: string;
  backend: string;
  /** How the attack ran the model (compiled fused ops, or not and why); absent in manifests older than the field. */
  execution?: Execution;
  images: number;
  startedAt?: string;
  finishedAt?: string;
  /** Raw success over all images, images already misclassified before the attack included. */
  success: Cell;
  /** Success among the images the model got right before the attack (the honest rate). */
  attackSuccess: Cell;
}

export interface CapturePhoto {
  file: string;
  sheet: string | null;
  /** 'duplicate': a repeat of a photo or sheet already registered (not a failed registration). */
  status: 'accepted' | 'rejected' | 'duplicate';
  /** Reason with detail, e.g. 'missing-marker: 3 of 4 markers found'. */
  reason: string | null;
  /** The bare reason code, used to count rejections by reason. */
  code: string | null;
  crops: number;
}

export interface CaptureLog {
  present: boolean;
  /** Where it was read from, or why nothing was shown. */
  source: string;
  photos: CapturePhoto[];
  accepted: number;
  rejected: number;
  duplicates: number;
  /** Rejected / (accepted + rejected), duplicates left out, with Wilson interval (the paper: 3–10%). */
  discardRate: Cell;
  reasons: { reason: string; count: number }[];
}

export interface Environment {
  printshot: string;
  node: string;
  platform: string;
  cpus: string;
  backend: string;
  versions: Record<string, string>;
}

export interface ReportData {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  title: string;
  generatedAt: string;
  experiment: { dir: string; id: string; name: string; createdAt: string };
  model: {
    name: string;
    fingerprint: string;
    source: string;
    description: string | null;
    input: string;
    range: string | null;
    labels: string[];
    provenance: Record<string, unknown> | null;
  };
  imageSet: { source: string; count: number; classes: { label: number; name: string; count: number }[] };
  runs: RunInfo[];
  selection: { n: number | null; seed: number | string; confidenceOn: string; minConfidence: number };
  channels: ChannelInfo[];
  tables: ReportTable[];
  fig6: { eps: number | null; panels: Fig6Panel[] };
  /** Every run on one chart: attack success and adversarial accuracy against eps, a line per method (run-comparison.ts). */
  comparison?: { panels: Fig6Panel[] };
  examples: Example[];
  captures: CaptureLog;
  environment: Environment;
  reproduce: { seeds: (number | string)[]; commands: string[] };
  /** Defence comparison across models (printshot robustness / demo --defended); absent otherwise. */
  robustness?: { panels: Fig6Panel[] } | null;
  /** Results by capture condition with RP2's conditional success and unregistered crops; absent when no photo has a condition. */
  conditions?: import('./conditions-section').ConditionsReport | null;
  /** The "Patches" section (patch-section.ts): size curve, photo results by condition, examples; absent when the experiment holds no patch. */
  patches?: import('./patch-section').PatchesReport | null;
  /** Simulation against capture (printshot channel compare): photographed vs fitted-profile vs default-channel destruction per run; absent until compared. */
  channelCompare?: (import('./channel-compare').ChannelComparison & { stale: string[] }) | null;
  /** Runs left out of every table, chart and figure because they are not complete (also named in notes[0]). */
  incompleteRuns: IncompleteRun[];
  /** Honest remarks: what was skipped and why. */
  notes: string[];
}

/** A run that is not complete: its state (cancelled, interrupted, failed, running) and how far it got. */
export interface IncompleteRun {
  id: string;
  dir: string;
  method: string;
  eps: number;
  state: string;
  reason: string | null;
  /** Images recorded in its manifest (0 when it has none). */
  done: number;
  total: number;
  /** A stopped shard of a sharded attack: it resumes by rerunning its attack command, not with runs resume. Optional and additive. */
  shard?: { index: number; count: number };
}
