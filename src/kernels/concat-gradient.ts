/**
 * Concat's input gradient along the last (channel) axis as one JavaScript pass over dy
 * (PrintshotSplitChannels, on the wasm and cpu backends' memory): each input gets its channel
 * range of dy. Stock tfjs splits dy with SplitV, which wasm runs as one Slice per part, and wasm's
 * Slice copies the whole input out of the heap and then copies per pixel in JavaScript: for
 * InceptionV3 (11 four-branch concats) and DenseNet (one concat per layer) that was a visible share
 * of the backward pass. Other axes and other backends keep tf.split, as stock.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MEMORY_BACKENDS, memoryAccess } from './backend-memory';

export const SPLIT_CHANNELS = 'PrintshotSplitChannels';

function kernelFor(backendName: string): tf.KernelFunc {
  return ({ inputs, attrs, backend }) => {
    const { x } = inputs as { x: tf.TensorInfo };
    const { sizes } = attrs as unknown as { sizes: number[] };
    const channels = x.shape[x.shape.length - 1];
    if (x.dtype !== 'float32' || sizes.reduce((a, b) => a + b, 0) !== channels) throw new Error(`${SPLIT_CHANNELS}: sizes ${sizes} do not add up to ${channels} float32 channels`);
    const memory = memoryAccess(backendName, backend);
    // Allocate every output before taking views: growing the wasm heap detaches older views.
    const outs = sizes.map((s) => memory.output([...x.shape.slice(0, -1), s])[0]);
    const src = memory.view(x);
    const dst = outs.map((o) => memory.view(o));
    const rows = src.length / channels;
    let offset = 0;
    sizes.forEach((s, i) => {
      const d = dst[i];
      for (let r = 0, from = offset, to = 0; r < rows; r++, from += channels, to += s) d.set(src.subarray(from, from + s), to);
      offset += s;
    });
    return outs;
  };
}

export function registerSplitChannelsKernel(): void {
  for (const backendName of MEMORY_BACKENDS) {
    if (tf.getKernel(SPLIT_CHANNELS, backendName) == null) tf.registerKernel({ kernelName: SPLIT_CHANNELS, backendName, kernelFunc: kernelFor(backendName) });
  }
}

/** dy split along `axis` into parts of `sizes`: the JS kernel for the last axis where registered. */
export function splitAlong(dy: tf.Tensor, sizes: number[], axis: number): tf.Tensor[] {
  if (axis === dy.rank - 1 && dy.dtype === 'float32' && tf.getKernel(SPLIT_CHANNELS, tf.getBackend()) != null) {
    return tf.engine().runKernel(SPLIT_CHANNELS, { x: dy }, { sizes } as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
  }
  return tf.split(dy, sizes, axis);
}

/** Concat: the stock formula (each input gets its slice of dy), split by splitAlong. */
const concatGrad: tf.GradConfig = {
  kernelName: tf.Concat,
  saveAllInputs: true,
  gradFunc: (dy, saved, attrs) => {
    const shapes = saved.map((t) => t.shape);
    const { axis } = attrs as unknown as { axis: number | number[] };
    const $axis = tf.util.parseAxisParam(axis, saved[0].shape)[0];
    const parts = splitAlong(dy as tf.Tensor, shapes.map((s) => s[$axis]), $axis);
    return Object.fromEntries(parts.map((t, i) => [i, () => t]));
  },
};

export const concatGradients: readonly tf.GradConfig[] = [concatGrad];
