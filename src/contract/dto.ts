/**
 * Data transfer objects: what crosses the process boundary. Plain data only (no tensors, no class
 * instances except Uint8Array), so the same values travel over Electron IPC (structured clone)
 * and over HTTP in serve mode (JSON, with bytes as base64: see wire.ts).
 */
import { z } from 'zod';
import { ERROR_CODES } from '../shared/errors';
import { ModelSummaryDto } from './model-summary';

export { ERROR_CODES, isErrorCode, type ErrorCode } from '../shared/errors';

/** PNG (or PDF, JPEG) bytes. Buffer is a Uint8Array, so main-side values pass as they are. */
export const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, { error: 'expected bytes (Uint8Array)' });

export const ErrorDto = z.object({
  /** One of ERROR_CODES: a PrintshotError code ('bad-model', 'cancelled', …) or a transport one. */
  code: z.enum(ERROR_CODES),
  message: z.string(),
  /** One line telling the user how to fix it. */
  hint: z.string().optional(),
});
export type ErrorDto = z.infer<typeof ErrorDto>;

/** A path the user typed; only serve mode (and Electron's recent list) accepts one. */
const UserPath = z.string().min(1).max(4096);

/**
 * Where a folder comes from. 'bundled' is the default model or the sample images; 'dialog' asks
 * main to show a native dialog (a path from the renderer is never trusted in Electron).
 */
export const FolderRef = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('bundled') }),
  z.strictObject({ kind: z.literal('dialog') }),
  z.strictObject({ kind: z.literal('path'), path: UserPath }),
]);
export type FolderRef = z.infer<typeof FolderRef>;

/** Where a new experiment goes; 'scratch' is a fresh folder in the app's data directory. */
export const ExperimentLocation = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('scratch') }),
  z.strictObject({ kind: z.literal('dialog') }),
  z.strictObject({ kind: z.literal('path'), path: UserPath }),
]);
export type ExperimentLocation = z.infer<typeof ExperimentLocation>;

/** A path inside the open experiment, '/'-separated, never absolute, never '..'. */
export const ExperimentPath = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (p) => !p.startsWith('/') && !p.includes('\\') && !/^[a-zA-Z]:/.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    "expected a path inside the experiment ('/' separators, no '..')",
  );

const Seed = z.union([z.number().int(), z.string().max(200)]);

/** How a job picks `limit` images: the dataset's first n (class order), equal per class, or uniformly; the last two seeded. */
export const SampleMode = z.enum(['first', 'stratified', 'random']);
export type SampleMode = z.infer<typeof SampleMode>;

export const InputSpecDto = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.union([z.literal(1), z.literal(3)]),
});

export const ModelInfo = z.object({
  name: z.string(),
  description: z.string().optional(),
  source: z.enum(['bundled', 'folder']),
  dir: z.string(),
  format: z.string(),
  fingerprint: z.string(),
  labels: z.array(z.string()),
  input: InputSpecDto,
  range: z.enum(['0-1', '-1-1', '0-255']),
  mean: z.array(z.number()).optional(),
  std: z.array(z.number()).optional(),
  /** What was guessed because model-card.json was missing or incomplete. */
  assumptions: z.array(z.string()),
  /** Whether the card was edited in this session (not written back to the model folder). */
  cardEdited: z.boolean(),
  backend: z.object({ name: z.string(), reason: z.string(), simd: z.boolean().optional(), threads: z.number().optional() }),
  /** Layers, parameters, FLOPs and execution path (absent when the engine could not compute it). */
  summary: ModelSummaryDto.optional(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

/** Editable model-card fields; absent fields keep their value. */
export const ModelCardEdit = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  labels: z.array(z.string().min(1).max(200)).min(2).max(100_000).optional(),
  input: InputSpecDto.strict().optional(),
  range: z.enum(['0-1', '-1-1', '0-255']).optional(),
  mean: z.array(z.number()).min(1).max(4).optional(),
  std: z.array(z.number().positive()).min(1).max(4).optional(),
});
export type ModelCardEdit = z.infer<typeof ModelCardEdit>;

export const RankedClassDto = z.object({ label: z.number().int(), name: z.string(), prob: z.number() });
export type RankedClassDto = z.infer<typeof RankedClassDto>;

export const ImageDto = z.object({
  relPath: z.string(),
  label: z.number().int(),
  labelName: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  png: Bytes,
});
export type ImageDto = z.infer<typeof ImageDto>;

export const Page = z.strictObject({
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(100),
});

export const CountDto = z.object({ correct: z.number().int(), total: z.number().int() });

/** A file of an image folder that cannot be read, and why (the path is relative to the folder). */
export const UnreadableImageDto = z.object({ relPath: z.string(), reason: z.string() });

export const ImagesListRequest = z.strictObject({
  source: FolderRef,
  page: Page.optional(),
  /** Load the readable images of a folder that also holds unreadable files (the user agreed). */
  skipUnreadable: z.boolean().optional(),
});

export const ImagesListDto = z.object({
  root: z.string(),
  total: z.number().int(),
  labels: z.array(z.string()),
  items: z.array(ImageDto),
  /**
   * Files that cannot be read. Unless the request set skipUnreadable, such a folder is not loaded:
   * `items` is empty and `total` counts the readable images that agreeing would load.
   */
  unreadable: z.array(UnreadableImageDto).optional(),
});

export const ClassifiedDto = z.object({
  relPath: z.string(),
  label: z.number().int(),
  top: z.array(RankedClassDto),
  correctTop1: z.boolean(),
  correctTop5: z.boolean(),
});

/** A form descriptor: the JSON Schema (draft 2020-12) of an attack's or transform's parameters. */
export const JsonSchemaDto = z.record(z.string(), z.unknown());

export const AttackInfo = z.object({
  id: z.string(),
  title: z.string(),
  paper: z.string(),
  norm: z.enum(['linf', 'l2', 'l0']),
  summary: z.string(),
  params: JsonSchemaDto,
  /** The parameters an empty form means (the schema's defaults). */
  defaults: z.record(z.string(), z.unknown()),
});
export type AttackInfo = z.infer<typeof AttackInfo>;

export const TransformInfo = z.object({
  id: z.string(),
  title: z.string(),
  sweepParam: z.string(),
  paperRange: z.object({ min: z.number(), max: z.number() }),
  sweep: z.array(z.number()),
  presets: z.array(z.object({ severity: z.number(), value: z.number() })).optional(),
  differentiable: z.boolean(),
  params: JsonSchemaDto,
  defaults: z.record(z.string(), z.number()),
});
export type TransformInfo = z.infer<typeof TransformInfo>;

export const AttackStart = z.strictObject({
  method: z.string().min(1).max(100),
  params: z.record(z.string(), z.unknown()).default({}),
  images: FolderRef,
  /** Attack only n images, chosen by `sample` with `seed` (src/images/sample.ts). */
  limit: z.number().int().min(1).max(100_000).optional(),
  /** Absent: 'first' (the workbench sends 'stratified'). */
  sample: SampleMode.optional(),
  seed: Seed.default(0),
  batchSize: z.number().int().min(1).max(256).optional(),
});
export type AttackStart = z.input<typeof AttackStart>;

export const EvalRun = z.strictObject({
  runId: z.string().min(1).max(100),
  /** Transform specs as on the command line ('jpeg:quality=10..90/20'), or 'paper' for Fig. 6. */
  transforms: z.array(z.string().min(1).max(200)).max(100).default(['paper']),
  select: z.enum(['average', 'prefiltered']).default('average'),
  n: z.number().int().min(1).optional(),
  seed: Seed.default(0),
});
export type EvalRun = z.input<typeof EvalRun>;

/** Sheet settings, passed to the sheet service (src/services/sheet-job); absent fields use its defaults. */
export const SheetRender = z.strictObject({
  runId: z.string().min(1).max(100),
  paper: z.enum(['a4', 'letter']).default('a4'),
  orientation: z.enum(['portrait', 'landscape']).default('portrait'),
  /** Cell size in mm; or derive it from dpi × dotsPerPixel. */
  cellMm: z.number().positive().max(300).optional(),
  dpi: z.number().int().min(72).max(4800).optional(),
  dotsPerPixel: z.number().int().min(1).max(64).optional(),
  marginMm: z.number().min(0).max(50).optional(),
  /** QR marker module size in mm (≥ 1.7–2 mm keeps markers readable from a webcam). */
  moduleMm: z.number().positive().max(10).optional(),
  calibration: z.boolean().default(true),
  /** Print class names under the cells. */
  labels: z.boolean().optional(),
});
export type SheetRender = z.input<typeof SheetRender>;

export const CaptureRegister = z.strictObject({
  photos: z
    .array(z.strictObject({ name: z.string().min(1).max(255), bytes: Bytes, source: z.enum(['webcam', 'file']) }))
    .min(1)
    .max(100),
});
export type CaptureRegister = z.input<typeof CaptureRegister>;

export const JobKind = z.enum(['attack', 'eval', 'sheet', 'register', 'report', 'robustness', 'zoo', 'patch', 'reproduce']);
export type JobKind = z.infer<typeof JobKind>;

export const JobRef = z.object({ jobId: z.string() });

export const ProgressDto = z.object({
  done: z.number(),
  total: z.number(),
  /** done / total in [0,1]. */
  fraction: z.number(),
  stage: z.string(),
  elapsedMs: z.number(),
  /** Estimated time left; null until there is enough progress to estimate. */
  etaMs: z.number().nullable(),
  /** Figures of the current step a job reports beside its bar (patch:train: size, step, loss, success). */
  metrics: z.record(z.string(), z.number()).optional(),
});
export type ProgressDto = z.infer<typeof ProgressDto>;

/** A rate with its counts and 95 % Wilson interval (null when total = 0). */
export const RateDto = z.object({
  count: z.number(),
  total: z.number(),
  rate: z.number().nullable(),
  ci: z.object({ low: z.number(), high: z.number() }).nullable(),
});
export type RateDto = z.infer<typeof RateDto>;

export const AttackSummaryDto = z.object({
  images: z.number(),
  successes: z.number(),
  successRate: z.number(),
  cleanTop1Correct: z.number(),
  advTop1Correct: z.number(),
  meanLinf: z.number(),
  meanL2: z.number(),
  /**
   * The honest rates (src/metrics/attack-summary.ts), each with its count and 95 % Wilson
   * interval. Optional: manifests written before they existed lack them (readers recompute from
   * the manifest's images). `successes`/`successRate` above are raw: they count images the model
   * already misclassified; `attackSuccess` counts only originally correct images.
   */
  alreadyMisclassified: z.number().optional(),
  cleanAccuracy: RateDto.optional(),
  attackSuccess: RateDto.optional(),
  adversarialAccuracy: RateDto.optional(),
  rawSuccess: RateDto.optional(),
});
export type AttackSummaryDto = z.infer<typeof AttackSummaryDto>;
