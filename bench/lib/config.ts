/**
 * What bench/attack-throughput.ts measures: models, workloads, batch sizes and iteration counts,
 * shared by the in-process Node side, the matched-threads children and the PyTorch anchor.
 */

export const BIM_STEPS = 20;

export type ModelId = 'cnn' | 'mobilenetv2' | 'mobilenetv2-relu6op';
export type TorchModelId = 'cnn' | 'mobilenetv2';
export const TORCH_MODEL: Record<ModelId, TorchModelId> = { cnn: 'cnn', mobilenetv2: 'mobilenetv2', 'mobilenetv2-relu6op': 'mobilenetv2' };
export const MODEL_LABEL: Record<ModelId, string> = {
  cnn: 'bundled model',
  mobilenetv2: 'MobileNetV2 (Keras ReLU)',
  'mobilenetv2-relu6op': 'MobileNetV2 (Relu6 op)',
};
/**
 * Models the matched-threads table runs. Workers load models from a folder through
 * loadClassifier, which cannot rebuild the relu6op variant's custom layer class; the Keras form is
 * what a converted Keras MobileNetV2 contains anyway (and was within 10% of the op form).
 */
export const MATCHED_MODELS: readonly ModelId[] = ['cnn', 'mobilenetv2'];

export type Workload = 'forward' | 'fwdbwd' | 'bim20';
export const WORKLOADS: readonly Workload[] = ['forward', 'fwdbwd', 'bim20'];
export type MatchedWorkload = 'fwdbwd' | 'bim20';
export const MATCHED_WORKLOADS: readonly MatchedWorkload[] = ['fwdbwd', 'bim20'];
export const WORKLOAD_LABEL: Record<Workload, string> = { forward: 'forward', fwdbwd: 'fwd+bwd', bim20: `BIM-${BIM_STEPS}` };

export interface RunConfig {
  batch: number;
  warmup: number;
  iters: number;
  /** BIM-20 batches per run (per worker in the matched-threads table). */
  bimBatches: number;
}

export const CONFIG: Record<'full' | 'quick', Record<ModelId, RunConfig>> = {
  // Fixed iteration counts, chosen so every timed loop lasts seconds, not milliseconds.
  full: {
    cnn: { batch: 32, warmup: 10, iters: 100, bimBatches: 4 },
    mobilenetv2: { batch: 8, warmup: 2, iters: 6, bimBatches: 1 },
    'mobilenetv2-relu6op': { batch: 8, warmup: 2, iters: 6, bimBatches: 1 },
  },
  quick: {
    cnn: { batch: 32, warmup: 3, iters: 30, bimBatches: 1 },
    mobilenetv2: { batch: 8, warmup: 1, iters: 2, bimBatches: 1 },
    'mobilenetv2-relu6op': { batch: 8, warmup: 1, iters: 2, bimBatches: 1 },
  },
};

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 200);
}
