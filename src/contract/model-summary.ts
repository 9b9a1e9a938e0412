/**
 * The loaded model's architecture as the Model view shows it: src/model/summary.ts's
 * ModelSummary (computed once per model by LoadedClassifier.describe()), on the wire.
 */
import { z } from 'zod';

const Dim = z.number().nullable();

export const LayerSummaryDto = z.object({
  name: z.string(),
  className: z.string(),
  /** Without the batch dimension; several shapes for a multi-output layer. */
  outputShape: z.union([z.array(Dim), z.array(z.array(Dim))]),
  params: z.number(),
  flops: z.number(),
});
export type LayerSummaryDto = z.infer<typeof LayerSummaryDto>;

export const OpSummaryDto = z.object({ op: z.string(), outputShape: z.array(z.number()), flops: z.number() });
export type OpSummaryDto = z.infer<typeof OpSummaryDto>;

export const ExecutionDto = z.union([
  z.object({ backend: z.string(), compiled: z.literal(true), ops: z.number() }),
  z.object({ backend: z.string(), compiled: z.literal(false), reason: z.string() }),
]);

export const ModelSummaryDto = z.object({
  format: z.string(),
  preprocessing: z.object({ range: z.string(), mean: z.array(z.number()).nullable(), std: z.array(z.number()).nullable() }),
  output: z.object({ kind: z.enum(['logits', 'probabilities']), why: z.string(), classes: z.number() }),
  /** Layers (Layers models) or graph ops (Graph models) by class. */
  layerCounts: z.record(z.string(), z.number()),
  layers: z.array(LayerSummaryDto),
  /** Graph models: the kernels one image ran, in order. */
  ops: z.array(OpSummaryDto),
  params: z.object({ total: z.number(), trainable: z.number() }),
  /** Null when it cannot be computed (a graph that needs asynchronous execution). */
  flopsPerImage: z.number().nullable(),
  flopsConvention: z.string(),
  /** Compiled layer plan (fused ops) or the stock tfjs path, and why. */
  execution: ExecutionDto,
  compiledOps: z.array(z.string()),
});
export type ModelSummaryDto = z.infer<typeof ModelSummaryDto>;
