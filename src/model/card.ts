/**
 * model-card.json: what Printshot needs to know about a classifier that model.json does not say.
 * Pixel range and mean/std describe the model's expected input; the engine always hands the
 * classifier images in [0,1] and converts here, so attacks and eps stay on the paper's 0..255 scale.
 */
import { z } from 'zod';

export const PixelRange = z.enum(['0-1', '-1-1', '0-255']);
export type PixelRange = z.infer<typeof PixelRange>;

export const ModelCardSchema = z.object({
  schemaVersion: z.literal(1).default(1),
  name: z.string().min(1),
  description: z.string().optional(),
  /** Class names in output order. Their count must equal the model's output width. */
  labels: z.array(z.string().min(1)).min(2),
  input: z.object({
    height: z.number().int().positive(),
    width: z.number().int().positive(),
    channels: z.union([z.literal(1), z.literal(3)]),
  }),
  range: PixelRange.default('0-1'),
  /** Per-channel mean/std applied after range scaling: x' = (x - mean) / std. */
  mean: z.array(z.number()).optional(),
  std: z.array(z.number().positive()).optional(),
  /**
   * What the model's output is. 'probabilities' means it ends in softmax; the loader then takes
   * logits from the layer before it (attacks need logits: see docs/attacks.md).
   */
  outputs: z.enum(['logits', 'probabilities']).optional(),
  /** Free-form provenance (training script, accuracy, hardening). */
  provenance: z.record(z.string(), z.unknown()).optional(),
});
export type ModelCard = z.infer<typeof ModelCardSchema>;
