/**
 * On-disk formats of an experiment folder, versioned so a later Printshot can migrate or refuse
 * old files instead of misreading them:
 *
 *   experiment.json                 ExperimentSchema: model, clean images, list of runs
 *   clean/<relPath>.png             the inputs as the model saw them (resized, channel-converted)
 *   adversarial/<method>-eps<k>/…   one folder per run, same relative paths as clean/
 *   runs/<run dir>-<id8>.json       RunManifestSchema: parameters and per-image results
 *   results/, reports/              written by evaluation and reporting
 *
 * All paths inside the JSON are relative to the experiment root with '/' separators, so a
 * folder can be zipped and opened on another OS.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1 as const;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a lowercase hex sha256');
const Timestamp = z.iso.datetime({ offset: true });

/** A '/'-separated relative path that stays inside the experiment folder. */
export const RelPath = z
  .string()
  .min(1)
  .refine(
    (p) => !p.startsWith('/') && !p.includes('\\') && !/^[a-zA-Z]:/.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    "expected a relative path with '/' separators and no '..'",
  );

export const ImageItemSchema = z.object({
  /** Path of the input image relative to the dataset root, e.g. 'Trouser/001.jpg'. */
  relPath: RelPath,
  /** Class index into model.card.labels. */
  label: z.number().int().nonnegative(),
  /** The clean PNG, relative to the experiment root, e.g. 'clean/Trouser/001.png'. */
  file: RelPath,
  /** sha256 of that PNG file. */
  sha256: Sha256,
});
export type ImageItem = z.infer<typeof ImageItemSchema>;

/**
 * A run's lifecycle. A writer records 'running' (with its pid and host) when it starts or resumes
 * a run, and 'complete', 'cancelled' (abort signal, Ctrl-C) or 'failed' (an error) when it stops.
 * A writer killed outright (SIGKILL, power loss) leaves 'running': readers call effectiveStatus
 * (runs.ts), which reports 'interrupted' when the recorded writer is gone. 'interrupted' may also
 * be stored, by a writer that knows it stops without finishing (e.g. an engine shutting down).
 */
export const RunStatus = z.enum(['running', 'complete', 'cancelled', 'interrupted', 'failed']);
export type RunStatus = z.infer<typeof RunStatus>;

/** The process writing a running run, so a reader can tell a live job from a killed one without a lock. */
export const RunWriterSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string().min(1),
  /** Linux only: the process's start time (clock ticks since boot), so a reused pid is not mistaken for the writer. */
  startTicks: z.number().int().nonnegative().optional(),
});
export type RunWriter = z.infer<typeof RunWriterSchema>;

export const RunRecordSchema = z.object({
  id: z.uuid(),
  method: z.string().min(1),
  /** On the 0..255 pixel scale, as in the paper. */
  eps: z.number().nonnegative(),
  /** e.g. 'adversarial/fgsm-eps16' (or 'adversarial/fgsm-eps16-2' if that name was taken). */
  dir: RelPath,
  /** e.g. 'runs/fgsm-eps16-1a2b3c4d.json'. */
  manifest: RelPath,
  createdAt: Timestamp,
  completedAt: Timestamp.optional(),
  status: RunStatus,
  /*
   * Lifecycle fields, optional and additive (experiment.json files written before them stay valid;
   * a run without counts is counted from its manifest).
   */
  /** Why the run stopped: 'cancelled by the user', the error message of a failed run. */
  reason: z.string().optional(),
  /** Images recorded in the manifest when the run last stopped, and images the run covers. */
  counts: z.object({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }).optional(),
  /** When a run stopped without completing (cancelled, failed, interrupted). */
  stoppedAt: Timestamp.optional(),
  /** Set while status is 'running': the process writing it. */
  writer: RunWriterSchema.optional(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

export const ModelRefSchema = z.object({
  name: z.string().min(1),
  /** sha256 of the model files, see Classifier.fingerprint. */
  fingerprint: Sha256,
  /** The model card as it was when the experiment was created. */
  card: z.record(z.string(), z.unknown()),
  /** Path of the model folder, or 'default' for the bundled model. */
  source: z.string().min(1),
});
export type ModelRef = z.infer<typeof ModelRefSchema>;

export const ExperimentSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  id: z.uuid(),
  name: z.string().min(1),
  createdAt: Timestamp,
  model: ModelRefSchema,
  images: z.object({
    /** Where the inputs came from (dataset folder path). */
    source: z.string(),
    /** How inputs of another aspect ratio were brought to the model's size (absent: 'fill'). */
    fit: z.enum(['fill', 'crop', 'pad']).optional(),
    count: z.number().int().nonnegative(),
    items: z.array(ImageItemSchema),
  }),
  runs: z.array(RunRecordSchema),
});
export type Experiment = z.infer<typeof ExperimentSchema>;

const Top5 = z.array(z.object({ label: z.number().int().nonnegative(), prob: z.number().min(0).max(1) })).max(5);

export const RunImageSchema = z.object({
  relPath: RelPath,
  label: z.number().int().nonnegative(),
  /** The adversarial PNG relative to the experiment root. */
  file: RelPath,
  sha256: Sha256,
  cleanTop5: Top5,
  advTop5: Top5,
  /** Whether the attack changed the prediction away from the true label (or hit the target). */
  success: z.boolean(),
  /** Perturbation norms on the 0..255 scale. */
  linf: z.number().nonnegative(),
  l2: z.number().nonnegative(),
  steps: z.number().int().nonnegative(),
  /**
   * A patch run only (method 'patch', src/services/patch-apply.ts): where the patch was pasted, in
   * image pixels (x right, y down, pixel centres at k + 0.5): centre, side, rotation in radians, and
   * the patch's corners (its TL, TR, BR, BL) as [x, y]. Optional and additive.
   */
  placement: z
    .object({ cx: z.number(), cy: z.number(), side: z.number().positive(), angle: z.number(), quad: z.array(z.tuple([z.number(), z.number()])).length(4) })
    .optional(),
});
export type RunImage = z.infer<typeof RunImageSchema>;

/**
 * How the attack ran the model: the compiled layer plan as `ops` fused ops, or the stock
 * tfjs-layers / tfjs-converter path and why (LoadedClassifier.execution).
 */
export const ExecutionSchema = z.union([
  z.object({ backend: z.string().min(1), compiled: z.literal(true), ops: z.number().int().nonnegative() }),
  z.object({ backend: z.string().min(1), compiled: z.literal(false), reason: z.string().min(1) }),
]);
export type Execution = z.infer<typeof ExecutionSchema>;

export const RunManifestSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  runId: z.uuid(),
  method: z.string().min(1),
  params: z.record(z.string(), z.unknown()),
  seed: z.union([z.number(), z.string()]),
  modelFingerprint: Sha256,
  /** tfjs backend that ran the attack ('tensorflow', 'wasm', 'cpu', or 'webgl' from the compute context). */
  backend: z.string().min(1),
  /** The GPU that ran it (the compute context's WebGL renderer string, docs/gpu.md). Optional and additive. */
  device: z.string().min(1).optional(),
  /** Compiled plan or not, and why. Optional and additive: manifests written before it existed have none. */
  execution: ExecutionSchema.optional(),
  startedAt: Timestamp,
  /** Absent while the run is in progress (a manifest may be written incrementally). */
  finishedAt: Timestamp.optional(),
  images: z.array(RunImageSchema),
  summary: z.record(z.string(), z.unknown()).optional(),
  /**
   * The job's plan, so a resumed run redoes exactly the missing batches of the same partition
   * (one RNG stream per batch, src/parallel/partition.ts). Optional and additive: manifests
   * written before them are resumed over the experiment's images with the default batch size.
   */
  /** Images per batch of the partition the run was cut into. */
  batchSize: z.number().int().positive().optional(),
  /** The relPaths the run attacks, in job order (batch k covers inputs[k·batchSize …]). */
  inputs: z.array(RelPath).optional(),
  /**
   * A shard of a job cut over several processes or machines (`printshot attack --shard i/N`,
   * src/services/shard.ts): this run holds batches i, i + N, i + 2N, … (1-based) of the job's
   * fixed partition over `inputs`, and `inputsSha256` names the job's images (relPaths, labels and
   * pixels). `printshot experiments merge` joins the N shards into the one-machine run. Optional and additive.
   */
  shard: z.object({ index: z.number().int().positive(), count: z.number().int().positive(), inputsSha256: Sha256 }).optional(),
  /** How `inputs` were chosen from the image folder (src/images/sample.ts). Optional and additive. */
  sampling: z
    .object({ mode: z.enum(['first', 'stratified', 'random']), n: z.number().int().positive().nullable(), seed: z.union([z.number(), z.string()]), of: z.number().int().nonnegative() })
    .optional(),
});
export type RunManifest = z.infer<typeof RunManifestSchema>;
