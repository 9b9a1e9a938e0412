/**
 * How many threads an attack job should use: workers only where they pay for their start-up.
 *
 * The job's main thread has its backend and model loaded already, so it attacks batches itself
 * (the pool's local lane) and starts at once; each worker thread must first import tfjs, start a
 * wasm backend and load its copy of the model (S seconds), meanwhile the main thread computes.
 * With C seconds of compute on one thread and k workers joining after S, everything ends at
 * T(k) = (C + k·S) / (k + 1) when T(k) > S: a worker pays off when C > S·(k + 1)-ish, i.e. only on
 * jobs several times longer than a worker's start-up. Batches are the unit of work (the partition
 * is fixed for determinism), so lanes never exceed batches, and T is at least one batch's time.
 *
 * C is an estimate from the model's FLOPs per image, the attack's gradient steps per image and
 * an effective wasm throughput calibrated on bench/ figures (docs/parallel.md, "Choosing the
 * worker count"); it only has to be right within a factor of about two to pick well.
 */

/**
 * fwd+bwd ≈ 3 forward passes. With the overhead below this matches one wasm thread's measured
 * BIM-20 rates: bundled CNN ≈ 1 ms and MobileNetV2 ≈ 90 ms per image-step (docs/parallel.md).
 */
export const EFFECTIVE_FLOPS_PER_S = 20e9;
/** Per image and gradient step, whatever the model (kernel launches, JS, 8-bit rounding). */
export const STEP_OVERHEAD_S = 2e-4;
/** Importing tfjs and the attack code from the bundle and starting a wasm backend, per worker. */
export const WORKER_BASE_START_S = 1.0;
/** Reading and building a model copy: about this many weight bytes per second. */
export const MODEL_LOAD_BYTES_PER_S = 150e6;
/** Take a plan with more threads only if it is estimated this much faster than one fewer. */
const MIN_GAIN = 0.9;

export interface WorkerPlanInput {
  readonly images: number;
  readonly batches: number;
  /** Gradient steps per image (BIM/PGD iterations; FGSM 1; C&W steps × binary steps). */
  readonly stepsPerImage: number;
  /** Forward FLOPs per image; null when unknown (Graph models): a mid-sized CNN is assumed. */
  readonly flopsPerImage: number | null;
  /** Size of the model's weights in bytes (what each worker loads). */
  readonly weightBytes: number;
  /** Cores available to this job. */
  readonly cores: number;
}

export interface WorkerPlan {
  /** Worker threads to start, besides the main thread (0: the job runs in-process). */
  readonly workers: number;
  /** Estimated seconds of attack compute on one thread. */
  readonly computeS: number;
  /** Estimated start-up of one worker. */
  readonly workerStartS: number;
  /** Estimated wall seconds of the chosen plan, and of the job on the main thread alone. */
  readonly plannedS: number;
  readonly inProcessS: number;
}

/** A model of unknown FLOPs counts as this (a MobileNet-sized network at 224 px). */
const UNKNOWN_FLOPS = 6e8;

export function estimateComputeSeconds(input: Pick<WorkerPlanInput, 'images' | 'stepsPerImage' | 'flopsPerImage'>): number {
  const flops = input.flopsPerImage ?? UNKNOWN_FLOPS;
  // Each step is one forward and backward; the job adds two verification forwards per image.
  const perImage = input.stepsPerImage * ((3 * flops) / EFFECTIVE_FLOPS_PER_S + STEP_OVERHEAD_S) + (2 * flops) / EFFECTIVE_FLOPS_PER_S;
  return input.images * perImage;
}

export function estimateWorkerStartSeconds(weightBytes: number): number {
  return WORKER_BASE_START_S + weightBytes / MODEL_LOAD_BYTES_PER_S;
}

/** Wall time with the main thread and k workers that join after `start` seconds. */
function wallSeconds(compute: number, start: number, k: number, batches: number): number {
  const batch = compute / Math.max(1, batches);
  if (k === 0 || compute <= start) return compute;
  return Math.max((compute + k * start) / (k + 1), batch, start + batch);
}

export function planWorkers(input: WorkerPlanInput): WorkerPlan {
  const computeS = estimateComputeSeconds(input);
  const workerStartS = estimateWorkerStartSeconds(input.weightBytes);
  const maxWorkers = Math.max(0, Math.min(input.cores, input.batches) - 1);
  let workers = 0;
  let plannedS = computeS;
  for (let k = 1; k <= maxWorkers; k++) {
    const t = wallSeconds(computeS, workerStartS, k, input.batches);
    if (t >= plannedS * MIN_GAIN) break;
    workers = k;
    plannedS = t;
  }
  return { workers, computeS, workerStartS, plannedS, inProcessS: computeS };
}

/** Gradient steps per image of an attack from its parsed parameters (an estimate for C&W/L-BFGS). */
export function stepsPerImage(params: Record<string, unknown>): number {
  const num = (k: string): number | undefined => (typeof params[k] === 'number' ? (params[k] as number) : undefined);
  const samples = num('samples') ?? 1;
  const iterations = num('iterations') ?? (num('maxIterations') !== undefined ? num('maxIterations')! * (num('binarySteps') ?? 1) : 1);
  return Math.max(1, iterations) * Math.max(1, samples);
}

/**
 * Attacks whose output for an image does not depend on the other images of its batch: no random
 * draws (those come from the batch's RNG stream, partition.ts) and nothing decided per batch.
 * For these the partition may change with the machine without changing a byte (tested on each,
 * test/unit/parallel/batch-invariance.test.ts); PGD's random start, EOT's transforms, 'random'
 * targets and C&W/L-BFGS's per-batch searches keep the partition the user asked for.
 */
export function isBatchInvariant(attackId: string, params: Record<string, unknown>): boolean {
  return ['fgsm', 'bim', 'illc', 'mifgsm'].includes(attackId) && params.target !== 'random';
}

/**
 * The batch size that gives each of `lanes` threads work when the job has fewer batches than
 * lanes (a small job), never larger than the size asked for.
 */
export function splitBatchSize(images: number, batchSize: number, lanes: number): number {
  if (Math.ceil(images / batchSize) >= lanes) return batchSize;
  return Math.max(1, Math.ceil(images / lanes));
}

/**
 * Cores a job can count on: other processes' load (the 1-minute load average) takes cores away,
 * and a worker thread without a core of its own only adds its start-up (measured: on 2 cores at
 * load 11, BIM-20 on 400 CNN images took 24.8 s with a worker and 16.3 s without). Load under
 * about 1 on top of whole cores still counts as idle.
 */
export function idleCores(total: number, loadAverage: number): number {
  return Math.max(1, Math.min(total, Math.floor(total - loadAverage + 0.9)));
}

/**
 * Activation memory a batch may take. The wasm heap stops at 4 GiB and aborts the process past it
 * (a 32-image BIM job on InceptionV3 at 299² did: bench:archs); an attack step keeps every layer's
 * output for the backward pass. Measured with the per-image sum of layer outputs below: InceptionV3
 * batch 8 (~1 GiB of outputs) peaked at 2.5 GiB RSS, and MobileNetV2 aborts near batch 24 (~2 GiB).
 */
export const ACTIVATION_BUDGET_BYTES = 1.25 * 2 ** 30;

/** Bytes of one image's layer outputs (float32), from the summary's output shapes (batch dropped). */
export function activationBytesPerImage(layers: readonly { outputShape: (number | null)[] | (number | null)[][] }[]): number {
  const size = (s: (number | null)[]): number => s.reduce<number>((p, d) => p * (d ?? 1), 1);
  let n = 0;
  for (const { outputShape: s } of layers) n += Array.isArray(s[0]) ? (s as (number | null)[][]).reduce((t, x) => t + size(x), 0) : size(s as (number | null)[]);
  return n * 4;
}

/** The largest batch whose activations fit ACTIVATION_BUDGET_BYTES (at least 1, at most `asked`). */
export function memoryBatchCap(asked: number, bytesPerImage: number | null): number {
  if (!bytesPerImage || bytesPerImage <= 0) return asked;
  return Math.max(1, Math.min(asked, Math.floor(ACTIVATION_BUDGET_BYTES / bytesPerImage)));
}
