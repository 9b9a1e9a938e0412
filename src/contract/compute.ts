/**
 * The two channels of the workbench's GPU compute context (issue 21 part 2, docs/gpu.md):
 *
 * - compute:prepare hands the page what the worker needs for an attack request: the engine's
 *   loaded model as bytes (model.json text, weight shards, card, fingerprint) and the job's clean
 *   images, chosen exactly as attack:start would choose them (folder, limit, sample, seed), already
 *   converted to the model's input.
 * - compute:record sends the worker's 8-bit adversarial images back; the engine re-judges them with
 *   its own model (src/services/compute-run.ts recordComputedRun) and writes an ordinary run into
 *   the open experiment, with `backend` and `device` in its manifest.
 *
 * Both take the attack:start request itself, so the engine derives the same images on both calls
 * and never trusts clean pixels coming back from the page.
 */
import { z } from 'zod';
import { AttackStart, Bytes } from './dto';
import { AttackResultDto } from './results';

export const ComputeImageDto = z.object({
  relPath: z.string(),
  label: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  channels: z.union([z.literal(1), z.literal(3), z.literal(4)]),
  data: Bytes,
});
export type ComputeImageDto = z.infer<typeof ComputeImageDto>;

export const ComputeModelDto = z.object({
  /** model.json text, as the engine read it from the model's folder. */
  modelJSON: z.string(),
  /** Shard bytes by their weightsManifest path. */
  weights: z.record(z.string(), Bytes),
  card: z.unknown(),
  name: z.string(),
  /** The engine's fingerprint of these bytes: the worker refuses bytes with another one. */
  fingerprint: z.string(),
});

export const ComputePrepareDto = z.object({
  model: ComputeModelDto,
  /** What the worker runs: the attack's id and parameters as the engine parsed them. */
  spec: z.object({ method: z.string(), params: z.record(z.string(), z.unknown()), seed: z.union([z.number(), z.string()]), batchSize: z.number().int() }),
  images: z.array(ComputeImageDto),
});
export type ComputePrepareDto = z.infer<typeof ComputePrepareDto>;

/** One adversarial image from the worker: 8-bit pixels of the clean image's shape. */
export const ComputedImage = z.strictObject({
  relPath: z.string().min(1).max(4096),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  channels: z.union([z.literal(1), z.literal(3), z.literal(4)]),
  data: Bytes,
  steps: z.number().int().min(0).max(1_000_000),
});

export const ComputeRecord = z.strictObject({
  /** The same request compute:prepare was given: the engine re-derives the clean images from it. */
  request: AttackStart,
  /** The fingerprint of the model bytes the worker ran (compute:prepare's model.fingerprint). */
  modelFingerprint: z.string().min(1).max(200),
  /** The worker's tfjs backend ('webgl', 'webgpu'). */
  backend: z.string().min(1).max(40),
  /** The device the backend reported (the GL renderer string). */
  device: z.string().min(1).max(400),
  adversarial: z.array(ComputedImage).min(1).max(100_000),
});
export type ComputeRecord = z.input<typeof ComputeRecord>;

/** The recorded run, as attack:start's job result says it, plus where it ran. */
export const ComputeRecordDto = AttackResultDto.extend({
  backend: z.string(),
  device: z.string(),
});
export type ComputeRecordDto = z.infer<typeof ComputeRecordDto>;

/** Attacks the compute worker runs and compute:record accepts (untargeted L∞, whose success needs no per-image target). */
export const COMPUTE_METHODS: readonly string[] = ['fgsm', 'bim', 'pgd', 'mifgsm', 'eot-pgd'];

/** The worker's device as the page shows it (renderer/src/compute/protocol.ts' ComputeDeviceInfo, trimmed). */
export interface ComputeDeviceDto {
  /** tfjs backend: 'webgl'. */
  name: string;
  /** The GL renderer string. */
  device: string;
  /** A software rasteriser (SwiftShader): correct but slow. */
  software: boolean;
}
