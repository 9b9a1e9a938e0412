/**
 * Small kernel wrappers that the input-gradient overrides rely on.
 *
 * 1. FusedConv2D / FusedDepthwiseConv2D record their attributes (strides, pad, ...) against the
 *    output's dataId. tfjs-core's fused ops compute their gradient through `customGrad`, whose tape
 *    node carries no attributes, only the saved tensors [filter, x, y, bias?]. Our replacement
 *    gradient (see fused-gradients.ts) looks the attributes up from the saved y.
 * 2. The saved y is an engine clone (Identity kernel) of the kernel output. cpu's Identity shares
 *    the dataId; wasm's copies the buffer. On wasm we install a zero-copy Identity (incRef, as
 *    wasm's own Reshape does), which also removes a full copy of every tensor the engine saves for
 *    backprop. On any other backend, Identity is wrapped to carry the record over to a copy.
 *    _FusedMatMul (Dense layers) records its transpose flags and activation the same way.
 * 3. FusedBatchNorm on wasm runs as a 1×1 depthwise convolution with bias (XNNPACK) instead of
 *    tfjs' C++ loop, which takes a square root and a division per element, unvectorised: about 5×
 *    slower than a memory pass, and ~40% of MobileNetV2's forward time (see affineBatchNorm).
 *
 * Kernels are registered per backend when the backend package is imported, so this wraps what is
 * registered now; calling it again later picks up backends imported since (already-wrapped kernels
 * are marked and skipped).
 */
import * as tf from '@tensorflow/tfjs-core';

/** Attributes of a fused conv kernel call, as passed by tfjs-core's fused ops. */
export interface FusedConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  activation?: string;
  leakyreluAlpha?: number;
}

/** Backends whose kernels we know how to wrap; absent ones are skipped. */
const BACKENDS = ['wasm', 'cpu', 'webgl', 'webgpu', 'tensorflow'];
const WRAPPED = '__printshotInputGradients';

/** Attributes of a _FusedMatMul kernel call (tfjs-core's fused.matMul). */
export interface FusedMatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
  leakyreluAlpha?: number;
}

const fusedAttrs = new WeakMap<object, FusedConvAttrs | FusedMatMulAttrs>();
/** Kernel functions as registered before we wrapped them, by `${backend}/${kernel}`. */
const originals = new Map<string, tf.KernelFunc>();

/** The attributes recorded for the fused conv that produced `y` (or a clone of it). */
export function recordedFusedAttrs(y: tf.Tensor): FusedConvAttrs | undefined {
  return fusedAttrs.get(y.dataId) as FusedConvAttrs | undefined;
}

/** The attributes recorded for the fused matMul that produced `y` (or a clone of it). */
export function recordedMatMulAttrs(y: tf.Tensor): FusedMatMulAttrs | undefined {
  return fusedAttrs.get(y.dataId) as FusedMatMulAttrs | undefined;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Wrap = (original: tf.KernelFunc) => tf.KernelFunc;

function wrapKernel(kernelName: string, backendName: string, wrap: Wrap): void {
  const config = tf.getKernel(kernelName, backendName);
  if (config == null || (config as unknown as Record<string, unknown>)[WRAPPED]) return;
  originals.set(`${backendName}/${kernelName}`, config.kernelFunc);
  const wrapped = { ...config, kernelFunc: wrap(config.kernelFunc), [WRAPPED]: true };
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(wrapped);
}

function firstOutput(out: ReturnType<tf.KernelFunc>): tf.TensorInfo {
  return Array.isArray(out) ? out[0] : out;
}

const recordAttrs: Wrap = (original) => (args: KernelArgs) => {
  const out = original(args);
  fusedAttrs.set(firstOutput(out).dataId, { ...(args.attrs as unknown as FusedConvAttrs | FusedMatMulAttrs) });
  return out;
};

/** Carries a fused-conv record from x to its copy, for backends whose Identity copies. */
const forwardRecord: Wrap = (original) => (args: KernelArgs) => {
  const out = original(args);
  const x = args.inputs.x as tf.TensorInfo;
  const record = fusedAttrs.get(x.dataId);
  const y = firstOutput(out);
  if (record !== undefined && y.dataId !== x.dataId) fusedAttrs.set(y.dataId, record);
  return out;
};

/** Zero-copy Identity for wasm: share the buffer and bump its refCount (tensors are immutable). */
const zeroCopyIdentity: Wrap = (original) => (args: KernelArgs) => {
  const x = args.inputs.x as tf.TensorInfo;
  const backend = args.backend as { incRef?: (dataId: object) => void };
  if (x.dtype === 'string' || typeof backend.incRef !== 'function') return original(args);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

/** The slice of tfjs-backend-wasm's BackendWasm that affineBatchNorm uses. */
interface WasmBackendLike {
  readSync(dataId: object): unknown;
  write(values: Float32Array, shape: number[], dtype: 'float32'): object;
  disposeData(dataId: object): unknown;
}

const size = (t: tf.TensorInfo): number => t.shape.reduce((a, d) => a * d, 1);

/**
 * Inference batch norm as the per-channel affine map it is: y = x·a + b with
 * a = scale / √(variance + ε) and b = offset − mean·a, computed in JavaScript from the C-sized
 * parameters (float64, rounded once), then applied by one 1×1 depthwise convolution with bias,
 * which XNNPACK runs at memory speed (8×56×56×144: 6 ms against 40 ms for the stock kernel).
 * Results differ from the stock kernel by float32 rounding (≈1e-6 relative). Anything else (not
 * NHWC rank 4, not float32, parameters neither per-channel nor scalar) uses the stock kernel. The
 * gradient is unchanged: it is registered on the FusedBatchNorm op (layer-gradients.ts).
 */
const affineBatchNorm: Wrap = (original) => (args: KernelArgs) => {
  const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const backend = args.backend as unknown as WasmBackendLike;
  const depthwise = originals.get('wasm/FusedDepthwiseConv2D') ?? tf.getKernel('FusedDepthwiseConv2D', 'wasm')?.kernelFunc;
  if (!x || !mean || !variance || !depthwise || x.dtype !== 'float32' || x.shape.length !== 4 || size(x) === 0) return original(args);
  const channels = x.shape[3];
  const params = [mean, variance, scale, offset];
  if (params.some((p) => p && (p.dtype !== 'float32' || (size(p) !== channels && size(p) !== 1)))) return original(args);
  const read = (t: tf.TensorInfo | undefined): Float32Array | undefined => (t ? (backend.readSync(t.dataId) as Float32Array) : undefined);
  const [m, v, s, o] = params.map(read);
  const at = (arr: Float32Array, c: number): number => (arr.length === 1 ? arr[0] : arr[c]);
  const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
  const a = new Float32Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const ac = (s ? at(s, c) : 1) / Math.sqrt(at(v!, c) + varianceEpsilon);
    a[c] = ac;
    b[c] = (o ? at(o, c) : 0) - at(m!, c) * ac;
  }
  const filter: tf.TensorInfo = { dataId: backend.write(a, [1, 1, channels, 1], 'float32'), shape: [1, 1, channels, 1], dtype: 'float32' };
  const bias: tf.TensorInfo = { dataId: backend.write(b, [channels], 'float32'), shape: [channels], dtype: 'float32' };
  try {
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], activation: 'linear' };
    return depthwise({ inputs: { x, filter, bias }, backend: args.backend, attrs: attrs as unknown as tf.NamedAttrMap });
  } finally {
    backend.disposeData(filter.dataId);
    backend.disposeData(bias.dataId);
  }
};

/**
 * Batch norm without scale or offset (Keras' `scale=False`/`center=False`, e.g. all 94 of
 * InceptionV3's) reaches the kernel with those inputs `undefined`. tfjs-core then crashes when
 * recording a gradient: the engine clones every input the gradient saves (scale included), and the
 * tape reads `.id` of every input. The kernel receives the very `inputs` object that the engine
 * saves from and puts on the tape, so here the absent offset is removed from it and the absent
 * scale becomes ones (C floats, freed with the op's scope; the tape keeps its own clone). Values
 * are unchanged: x·1.
 */
const completeBatchNormInputs: Wrap = (original) => (args: KernelArgs) => {
  const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
  if ('offset' in inputs && inputs.offset == null) delete inputs.offset;
  if (inputs.scale == null && inputs.mean != null) inputs.scale = tf.ones(inputs.mean.shape, 'float32');
  return original(args);
};

export function installBackendHooks(): void {
  for (const backendName of BACKENDS) {
    wrapKernel('FusedBatchNorm', backendName, backendName === 'wasm' ? (o) => completeBatchNormInputs(affineBatchNorm(o)) : completeBatchNormInputs);
    wrapKernel('FusedConv2D', backendName, recordAttrs);
    wrapKernel('FusedDepthwiseConv2D', backendName, recordAttrs);
    wrapKernel('_FusedMatMul', backendName, recordAttrs);
    wrapKernel('Identity', backendName, backendName === 'wasm' ? zeroCopyIdentity : forwardRecord);
  }
}
