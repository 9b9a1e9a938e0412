/**
 * Direct access to float32 tensor memory for kernels written in JavaScript: the wasm backend's
 * heap and the cpu backend's typed arrays, without copies. Used where one pass in JavaScript
 * replaces many tfjs ops (max-pool-kernel.ts, sign-step-kernel.ts).
 */
import type * as tf from '@tensorflow/tfjs-core';

/** Backends memoryAccess() can read. */
export const MEMORY_BACKENDS: readonly string[] = ['wasm', 'cpu'];

/** Reads and writes float32 tensor memory without copies, per backend. */
export interface MemoryAccess {
  view(t: tf.TensorInfo): Float32Array;
  /** A new zero-filled output and a writable view of it. */
  output(shape: number[]): [tf.TensorInfo, Float32Array];
}

interface WasmLike {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
}
interface CpuLike {
  data: { get(dataId: object): { values: ArrayLike<number> } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

export function memoryAccess(backendName: string, backend: unknown): MemoryAccess {
  if (backendName === 'wasm') {
    const b = backend as WasmLike;
    return {
      view: (t) => b.typedArrayFromHeap(t),
      output: (shape) => {
        const out = b.makeOutput(shape, 'float32');
        // Views are taken after the allocation: growing the heap detaches older ones.
        return [out, b.typedArrayFromHeap(out).fill(0)];
      },
    };
  }
  const b = backend as CpuLike;
  return {
    view: (t) => b.data.get(t.dataId).values as Float32Array,
    output: (shape) => {
      const values = new Float32Array(shape.reduce((a, d) => a * d, 1));
      return [b.makeTensorInfo(shape, 'float32', values), values];
    },
  };
}

