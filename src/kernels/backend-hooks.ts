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

const fusedAttrs = new WeakMap<object, FusedConvAttrs>();

/** The attributes recorded for the fused conv that produced `y` (or a clone of it). */
export function recordedFusedAttrs(y: tf.Tensor): FusedConvAttrs | undefined {
  return fusedAttrs.get(y.dataId);
}

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Wrap = (original: tf.KernelFunc) => tf.KernelFunc;

function wrapKernel(kernelName: string, backendName: string, wrap: Wrap): void {
  const config = tf.getKernel(kernelName, backendName);
  if (config == null || (config as unknown as Record<string, unknown>)[WRAPPED]) return;
  const wrapped = { ...config, kernelFunc: wrap(config.kernelFunc), [WRAPPED]: true };
  tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel(wrapped);
}

function firstOutput(out: ReturnType<tf.KernelFunc>): tf.TensorInfo {
  return Array.isArray(out) ? out[0] : out;
}

const recordAttrs: Wrap = (original) => (args: KernelArgs) => {
  const out = original(args);
  fusedAttrs.set(firstOutput(out).dataId, { ...(args.attrs as unknown as FusedConvAttrs) });
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

export function installBackendHooks(): void {
  for (const backendName of BACKENDS) {
    wrapKernel('FusedConv2D', backendName, recordAttrs);
    wrapKernel('FusedDepthwiseConv2D', backendName, recordAttrs);
    wrapKernel('Identity', backendName, backendName === 'wasm' ? zeroCopyIdentity : forwardRecord);
  }
}
