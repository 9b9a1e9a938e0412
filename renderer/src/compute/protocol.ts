/**
 * Messages between the page and the compute worker (compute.worker.ts, docs/gpu.md). Plain data
 * only, so the page side loads no tfjs: pixel buffers and model shards travel as transferables.
 */

/** What the GPU backend reports once it is up (src/compute/gpu-backend.ts' GpuBackendInfo). */
export interface ComputeDeviceInfo {
  name: 'webgl';
  device: string;
  software: boolean;
  webglVersion: number;
  float32: true;
  versions: Record<string, string>;
  webgpuAvailable: boolean;
}

export interface ComputeImage {
  relPath: string;
  label: number;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export interface ComputeModel {
  /** model.json text. */
  modelJSON: string;
  /** Shard bytes by their weightsManifest path. */
  weights: Record<string, Uint8Array>;
  card?: unknown;
  name?: string;
  /** The engine's fingerprint of these bytes: the worker refuses different bytes. */
  fingerprint?: string;
}

export interface ComputeAttackSpec {
  method: string;
  params: unknown;
  seed: number | string;
  batchSize: number;
}

export interface ComputeResult {
  relPath: string;
  label: number;
  adversarial: ComputeImage;
  success: boolean;
  target?: number;
  cleanTop: { label: number; prob: number }[];
  advTop: { label: number; prob: number }[];
  linf: number;
  l2: number;
  steps: number;
}

export type ComputeRequest =
  | { type: 'probe'; id: number; simulateFloat16?: boolean }
  | { type: 'attack'; id: number; model: ComputeModel; spec: ComputeAttackSpec; images: ComputeImage[] }
  | { type: 'cancel'; id: number };

export interface ComputeErrorDto {
  code: string;
  message: string;
  hint?: string;
}

export type ComputeResponse =
  | { id: number; kind: 'probe'; info: ComputeDeviceInfo }
  | { id: number; kind: 'progress'; imagesDone: number; imagesTotal: number; step: number; steps: number }
  | { id: number; kind: 'done'; info: ComputeDeviceInfo; results: ComputeResult[]; ms: number }
  | { id: number; kind: 'error'; error: ComputeErrorDto };
