/**
 * Adversarial patches in the workbench (issue 19, docs/patches.md): training a universal patch
 * as a job (patch:train, the same service as `printshot patch`), a preview of it pasted on a few
 * images at random placements (patch:preview, computed in the engine: the renderer has no tfjs),
 * and the saved result the Patch view reads back after a reload (PATCH_RESULT_FILE).
 */
import { z } from 'zod';
import { Bytes, ExperimentPath, FolderRef, RateDto, SampleMode } from './dto';

/** The newest patch training of the experiment, as the Patch view shows it (relative to the experiment). */
export const PATCH_RESULT_FILE = 'results/patch.json';

export const PatchTrain = z.strictObject({
  images: FolderRef.default({ kind: 'bundled' }),
  /** A class name or index of the loaded model, or 'untargeted'. */
  target: z.string().min(1).max(200),
  /** Patch areas as fractions of the image area; one patch each. */
  sizes: z.array(z.number().gt(0).max(0.5)).min(1).max(8),
  steps: z.number().int().min(1).max(5000).default(300),
  batch: z.number().int().min(1).max(64).default(16),
  lr: z.number().gt(0).max(1).default(0.03),
  npsWeight: z.number().min(0).max(100).default(0.1),
  tvWeight: z.number().min(0).max(100).default(0.05),
  /** The print → camera channel drawn at every step: the default preset, none, or the experiment's fitted profile (channel/profile.json). */
  channel: z.enum(['default', 'none', 'profile']).default('default'),
  /** Printable colours: the default list, or those measured from the experiment's calibration photos. */
  palette: z.enum(['default', 'measured']).default('default'),
  holdout: z.number().gt(0).lt(1).default(0.25),
  /** Random placements per held-out image in the evaluation. */
  draws: z.number().int().min(1).max(50).default(5),
  seed: z.number().int().min(0).max(2 ** 31).default(0),
});
export type PatchTrain = z.input<typeof PatchTrain>;

export const PatchEvaluationDto = z.object({
  /** What a success is, in words. */
  counts: z.string(),
  success: RateDto,
  images: z.number(),
  draws: z.number(),
  cleanAccuracy: RateDto,
});
export type PatchEvaluationDto = z.infer<typeof PatchEvaluationDto>;

export const PatchDto = z.object({
  size: z.number(),
  /** The patch PNG and its JSON (parameters, history, evaluation), relative to the experiment. */
  png: z.string(),
  json: z.string(),
  patchPx: z.number(),
  sidePx: z.number(),
  finalLoss: z.number(),
  /** Per step: the mean adversarial loss and the batch's hit rate. */
  history: z.array(z.object({ loss: z.number(), success: z.number() })),
  evaluation: PatchEvaluationDto,
  /** The run made from this patch (patch:apply), once there is one, and its success on the saved 8-bit images. */
  runId: z.string().optional(),
  runSuccess: RateDto.optional(),
});
export type PatchDto = z.infer<typeof PatchDto>;

export const PatchReportDto = z.object({
  schemaVersion: z.literal(1),
  /** The training's folder, relative to the experiment. */
  dir: z.string(),
  model: z.string(),
  images: z.string(),
  target: z.object({ index: z.number().nullable(), name: z.string() }),
  channel: z.string(),
  palette: z.object({ source: z.string(), colours: z.number() }),
  train: z.number(),
  heldOut: z.number(),
  params: z.object({ steps: z.number(), batch: z.number(), lr: z.number(), npsWeight: z.number(), tvWeight: z.number(), holdout: z.number(), draws: z.number(), seed: z.number() }),
  patches: z.array(PatchDto),
});
export type PatchReportDto = z.infer<typeof PatchReportDto>;

/** A normal run of the experiment from a trained patch: clean images with the patch pasted at random placements (method 'patch'). */
export const PatchApply = z.strictObject({
  /** A patch's JSON (PatchDto.json) from the experiment's last training, relative to the experiment. */
  patch: ExperimentPath,
  images: FolderRef.default({ kind: 'bundled' }),
  limit: z.number().int().min(1).max(100_000).optional(),
  sample: SampleMode.optional(),
  seed: z.number().int().min(0).max(2 ** 31).default(0),
});
export type PatchApply = z.input<typeof PatchApply>;

export const PatchPreview = z.strictObject({
  /** A patch's JSON (PatchDto.json), relative to the experiment. */
  patch: ExperimentPath,
  images: FolderRef.default({ kind: 'bundled' }),
  count: z.number().int().min(1).max(16).default(6),
  seed: z.number().int().min(0).max(2 ** 31).default(0),
});
export type PatchPreview = z.input<typeof PatchPreview>;

export const PatchPreviewDto = z.object({
  target: z.object({ index: z.number().nullable(), name: z.string() }),
  items: z.array(
    z.object({
      /** The image with the patch pasted (lossless PNG, the model's input size). */
      bytes: Bytes,
      label: z.string(),
      /** Top-1 without and with the patch. */
      clean: z.object({ name: z.string(), p: z.number() }),
      patched: z.object({ name: z.string(), p: z.number() }),
      /** On target (targeted) or no longer the true class (untargeted). */
      hit: z.boolean(),
    }),
  ),
});
export type PatchPreviewDto = z.infer<typeof PatchPreviewDto>;
