/**
 * The robustness comparison in the workbench (issue 8, deliverable 4): the same attack grid
 * (methods × eps) against several models, typically the plain, adversarially trained and
 * distilled versions of the bundled model. Which models take part is said with ModelRef, never a
 * trusted path: the host resolves 'dialog' and vets 'path' exactly as it does for model:load.
 *
 * The result carries the raw numbers (the shape of src/services/robustness.ts's result, with the
 * experiment folders made relative) and the report tables and chart panels built from them by
 * src/reports/robustness-table.ts, so the renderer lays out what the report would, without the
 * Node-side report code. Kept apart from dto.ts/results.ts so results.ts can import it without a
 * cycle.
 */
import { z } from 'zod';
import { AttackSummaryDto, FolderRef, SampleMode } from './dto';

/**
 * A model to compare. 'loaded' is the model of the Model step; 'bundled' the default model;
 * 'defended' the bundled adversarially trained and distilled models (both, or one with `which`).
 */
export const ModelRef = z.discriminatedUnion('kind', [
  ...FolderRef.options,
  z.strictObject({ kind: z.literal('loaded') }),
  z.strictObject({ kind: z.literal('defended'), which: z.enum(['hardened', 'distilled']).optional() }),
]);
export type ModelRef = z.infer<typeof ModelRef>;

/** A model as its card describes it, before any comparison runs. */
export const RobustnessModelDto = z.object({
  /** The reference to send to robustness:run: a dialog's choice comes back as its path. */
  ref: ModelRef,
  name: z.string(),
  /** How the model was made robust, from its card ('adversarial-training (method fgsm, eps 25, alpha 0.5)'); null: none recorded. */
  defence: z.string().nullable(),
  dir: z.string(),
  /** Something the user should know (an edited card is not what the comparison loads). */
  note: z.string().optional(),
});
export type RobustnessModelDto = z.infer<typeof RobustnessModelDto>;

export const RobustnessModels = z.strictObject({ models: z.array(ModelRef).min(1).max(8) });

export const RobustnessRun = z.strictObject({
  models: z.array(ModelRef).min(1).max(8),
  /** Attack ids from attack:list (the engine checks them against its registry before starting). */
  methods: z.array(z.string().min(1).max(100)).min(1).max(10),
  /** On the 0..255 scale; for the minimal-perturbation attacks (C&W, L-BFGS) it caps L∞. */
  eps: z.array(z.number().min(0).max(255)).min(1).max(12),
  /** Transform specs as on the command line ('jpeg:quality=75'); the engine parses them before starting. */
  transforms: z.array(z.string().min(1).max(200)).max(20).default([]),
  /** Print, photograph (simulated) and register every run as well. */
  photos: z.boolean().default(false),
  images: FolderRef.default({ kind: 'bundled' }),
  /** Attack only n images, chosen by `sample` with `seed` (src/images/sample.ts; absent: 'first'). */
  limit: z.number().int().min(1).max(100_000).optional(),
  sample: SampleMode.optional(),
  seed: z.number().int().min(0).max(2 ** 31).default(0),
});
export type RobustnessRun = z.input<typeof RobustnessRun>;

/** AutoAttack-style suites (src/services/robustness-suite.ts): 'standard', or 'rand' for randomised defences. */
export const SUITE_NAMES = ['standard', 'rand'] as const;

/**
 * The robustness suite as a job (issue 18): per-image worst case over an attack ensemble at each
 * eps, for every model; no grid, no transforms, no photos (the suite's own attacks, defaults unchanged).
 */
export const RobustnessSuiteRun = z.strictObject({
  models: z.array(ModelRef).min(1).max(8),
  suite: z.enum(SUITE_NAMES).default('standard'),
  /** On the 0..255 scale: one curve point per eps. */
  eps: z.array(z.number().gt(0).max(255)).min(1).max(12),
  images: FolderRef.default({ kind: 'bundled' }),
  limit: z.number().int().min(1).max(100_000).optional(),
  sample: SampleMode.optional(),
  seed: z.number().int().min(0).max(2 ** 31).default(0),
});
export type RobustnessSuiteRun = z.input<typeof RobustnessSuiteRun>;

const Interval = z.object({ low: z.number(), high: z.number() }).nullable();
const Accuracy = z.object({ correct: z.number(), total: z.number(), accuracy: z.number().nullable(), ci: Interval });
const Rate = z.object({ numerator: z.number(), denominator: z.number(), rate: z.number().nullable(), ci: Interval });
const Count = z.object({ count: z.number(), total: z.number(), rate: z.number().nullable(), ci: Interval });

/** One eps of a suite's curve: robust accuracy under the per-image worst case, who broke what, time and queries. */
const SuitePointDto = z.object({
  eps: z.number(),
  clean: Count,
  robust: Count,
  fgsm: Count,
  brokenBy: z.record(z.string(), z.number()),
  attacks: z.array(z.object({ method: z.string(), attacked: z.number(), broken: z.number(), seconds: z.number(), queries: z.number().nullable() })),
});
const Quartiles = z.object({ q1: z.number(), median: z.number(), q3: z.number() }).nullable();

/** One table cell as the report has it (src/reports/types.ts Cell). */
export const ReportCellDto = z.object({
  value: z.number().nullable(),
  format: z.enum(['pct', 'num', 'db']),
  numerator: z.number().optional(),
  denominator: z.number().optional(),
  ci: Interval.optional(),
});

export const ReportTableDto = z.object({
  id: z.string(),
  number: z.string(),
  title: z.string(),
  channel: z.string().optional(),
  columns: z.array(z.object({ key: z.string(), label: z.string(), group: z.string().optional() })),
  rows: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      run: z.string().optional(),
      method: z.string().optional(),
      eps: z.number().optional(),
      cells: z.record(z.string(), ReportCellDto.nullable()),
    }),
  ),
  note: z.string().optional(),
});
export type ReportTableDto = z.infer<typeof ReportTableDto>;

/** A chart: one line per series, x = eps (src/reports/types.ts Fig6Panel). */
export const ChartPanelDto = z.object({
  transform: z.string(),
  title: z.string(),
  param: z.string(),
  paperRange: z.object({ min: z.number(), max: z.number() }),
  series: z.array(
    z.object({
      run: z.string(),
      method: z.string(),
      eps: z.number(),
      k: z.enum(['top1', 'top5']),
      points: z.array(z.object({ x: z.number(), rate: ReportCellDto })),
      label: z.string().optional(),
      dashed: z.boolean().optional(),
    }),
  ),
  yLabel: z.string().optional(),
  yMax: z.number().optional(),
});
export type ChartPanelDto = z.infer<typeof ChartPanelDto>;

const CellOutcomeDto = z.object({
  method: z.string(),
  eps: z.number(),
  params: z.record(z.string(), z.unknown()),
  /** The attack run inside the model's experiment folder. */
  run: z.string().nullable(),
  attack: AttackSummaryDto,
  /** 1 − top-1 accuracy on the adversarial images, over all images. */
  error: z.number(),
  transforms: z.array(z.object({ spec: z.string(), advTop1: Accuracy, destruction: Rate })),
  photo: z.object({ clean: ReportCellDto.nullable(), adversarial: ReportCellDto.nullable(), destruction: ReportCellDto.nullable() }).nullable(),
});

export const RobustnessModelResultDto = z.object({
  name: z.string(),
  source: z.string(),
  fingerprint: z.string(),
  defence: z.string().nullable(),
  /** The model's own experiment folder, relative to the open experiment ('robustness/<set>/fashion-cnn'). */
  experiment: z.string().nullable(),
  clean: z.object({ top1: Accuracy, top5: Accuracy }),
  cells: z.array(CellOutcomeDto),
  /** Inputs of the masking checks (src/metrics/masking.ts); absent in comparisons saved before them. */
  gradient: z.object({ images: z.number(), vanishing: z.number(), medianMaxAbs: z.number() }).optional(),
  unbounded: z.object({ method: z.string(), eps: z.number(), images: z.number(), fooled: z.number() }).nullable().optional(),
  transfer: z.array(z.object({ source: z.string(), method: z.string(), eps: z.number(), images: z.number(), advTop1Correct: z.number() })).optional(),
  /** A suite's curve (robustness:suite); absent in a grid comparison. */
  suite: z.object({ name: z.enum(SUITE_NAMES), attacks: z.array(z.string()), points: z.array(SuitePointDto), randomness: z.string().optional() }).optional(),
  minimal: z
    .array(z.object({ method: z.string(), images: z.number(), found: z.number(), l2: Quartiles, linf: Quartiles, distortion: z.number().nullable(), cdf: z.array(z.object({ x: z.number(), share: z.number() })) }))
    .optional(),
});

/** A gradient-masking warning (Carlini et al. 2019; Croce & Hein 2020): src/metrics/masking.ts. */
export const MaskingWarningDto = z.object({
  code: z.enum(['accuracy-rises-with-eps', 'iterative-weaker-than-single-step', 'transfer-stronger-than-white-box', 'vanishing-gradients', 'small-perturbation', 'unbounded-not-broken']),
  model: z.string(),
  method: z.string().nullable(),
  eps: z.number().nullable(),
  message: z.string(),
  advice: z.string(),
});
export type MaskingWarningDto = z.infer<typeof MaskingWarningDto>;

export const RobustnessReportDto = z.object({
  schemaVersion: z.literal(1),
  createdAt: z.string(),
  request: z.object({
    methods: z.array(z.string()),
    eps: z.array(z.number()),
    transforms: z.array(z.string()),
    photos: z.boolean(),
    limit: z.number().nullable(),
    sample: SampleMode.optional(),
    /** Set for a suite run: then methods are the suite's attacks, in order. */
    suite: z.enum(SUITE_NAMES).optional(),
  }),
  images: z.object({
    source: z.string(),
    count: z.number(),
    /** How the images were chosen (absent in reports written before sampling was recorded). */
    sampling: z.object({ mode: SampleMode, n: z.number().nullable(), seed: z.union([z.number(), z.string()]), of: z.number() }).optional(),
  }),
  seed: z.number(),
  backend: z.string(),
  seconds: z.number(),
  /** Folder of this comparison, relative to the open experiment. */
  outDir: z.string(),
  models: z.array(RobustnessModelResultDto),
  tables: z.array(ReportTableDto),
  /** One chart per model: accuracy under attack against eps, a line per method. */
  panels: z.array(ChartPanelDto),
  /** Gradient-masking warnings; null in a comparison saved before the checks existed (never run). */
  masking: z.array(MaskingWarningDto).nullable().default(null),
  /** A suite's curves as CSV (one row per model and eps), relative to the open experiment. */
  curvesFile: z.string().optional(),
});
export type RobustnessReportDto = z.infer<typeof RobustnessReportDto>;

/** Where the last comparison of an experiment is kept, relative to it (a reload reads it back). */
export const ROBUSTNESS_RESULT_FILE = 'results/robustness.json';

/** The fix the UI shows when the bundled defended models have not been made yet. */
export const DEFENDED_MISSING_HINT = 'make them with npx printshot harden and npx printshot distill (see docs/defended-models.md), or add their folders with "Add model folder…"';
