/**
 * Gradients of the non-convolution layers: Relu, Relu6, ClipByValue, FusedBatchNorm, MatMul.
 * The stock gradients all run on wasm; these exist for speed: on a MobileNet-sized graph every
 * full-size elementwise op costs milliseconds, bool-typed ops are ~10× slower than float ones on
 * wasm, and wasm's BatchMatMul with transposeB is ~10× slower than transposing first.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Relu: dy · step(x). The stock gradient adds cast(step(x), 'float32'), a float→float cast that
 * wasm executes as a full copy.
 */
const reluGrad: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(x)) };
  },
};

/**
 * Relu6: dy · 1[0 < x < 6]. The mask is step(x · (6 − x)): the product is positive exactly when
 * 0 < x < 6 (its sign is exact in floating point; overflow goes to −inf, giving 0). That is four
 * float ops and no bool/cast round trips (stock: lessEqual, step, cast, mul, cast, mul).
 * Boundaries follow TensorFlow's Relu6Grad and PyTorch's hardtanh_backward (both strict); stock
 * tfjs passes the gradient at x = 6. The difference is on a measure-zero set.
 */
const relu6Grad: tf.GradConfig = {
  kernelName: tf.Relu6,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, tf.step(tf.mul(x, tf.sub(6, x)))) };
  },
};

interface ClipAttrs {
  clipValueMin: number;
  clipValueMax: number;
}

/**
 * ClipByValue: dy · 1[lo ≤ x ≤ hi] (inclusive, as stock tfjs and PyTorch's clamp). tfjs-layers'
 * ReLU({maxValue: 6}) is relu followed by this clip. The stock gradient is five bool-typed ops
 * (greaterEqual, lessEqual, logicalAnd, zerosLike, where), which wasm runs ~10× slower than float
 * ops: on MobileNetV2 they were ~40% of the whole backward pass. Float-only form:
 * mask = 1 − step((x − lo)·(x − hi)); the product is ≤ 0 exactly when lo ≤ x ≤ hi. An infinite
 * bound drops its factor (∞·0 would be NaN at the other bound).
 */
const clipByValueGrad: tf.GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { clipValueMin: lo, clipValueMax: hi } = attrs as unknown as ClipAttrs;
    const g = dy as tf.Tensor;
    return {
      x: () => {
        // > 0 exactly where x is outside [lo, hi]: each factor's sign is exact in floating point.
        const factors = [lo === 0 ? x : Number.isFinite(lo) ? tf.sub(x, lo) : null, Number.isFinite(hi) ? tf.sub(x, hi) : null];
        const [a, b] = factors;
        if (a === null && b === null) return tf.mul(g, 1);
        const outside = a !== null && b !== null ? tf.mul(a, b) : a !== null ? tf.neg(a) : b!;
        return tf.sub(g, tf.mul(g, tf.step(outside)));
      },
    };
  },
};

interface BatchNormAttrs {
  varianceEpsilon: number;
}

/**
 * FusedBatchNorm: y = (x − mean) · scale · rsqrt(variance + ε) + offset.
 * ∂y/∂x = scale · rsqrt(variance + ε), a per-channel factor broadcast onto dy: one full-size
 * multiply. The stock gradient tiles that factor to full size and eagerly computes (x − mean)
 * and dy · scale even when only ∂x is wanted (4 extra full-size tensors). The parameter
 * gradients are kept (lazily, and summed over the broadcast axes) because in training mode the
 * mean and variance are functions of x and the tape does ask for them.
 * As with the stock gradient, `scale` must be present (tfjs saves inputs by name).
 */
const batchNormGrad: tf.GradConfig = {
  kernelName: tf.FusedBatchNorm,
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as BatchNormAttrs;
    const [x, mean, variance, scale] = saved;
    const g = dy as tf.Tensor;
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor, like: tf.Tensor): tf.Tensor =>
      tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, like.shape);
    const invStd = (): tf.Tensor => tf.rsqrt(tf.add(variance, varianceEpsilon));
    const scaled = (t: tf.Tensor): tf.Tensor => (scale == null ? t : tf.mul(t, scale));
    return {
      x: () => tf.mul(g, scaled(invStd())),
      mean: () => reduce(tf.mul(g, tf.neg(scaled(invStd()))), mean),
      // ∂y/∂variance = −½ · (x − mean) · scale · (variance + ε)^(−3/2)
      variance: () => reduce(tf.mul(tf.mul(g, tf.sub(x, mean)), scaled(tf.mul(tf.pow(invStd(), 3), -0.5))), variance),
      scale: () => reduce(tf.mul(g, tf.mul(tf.sub(x, mean), invStd())), scale),
      offset: () => reduce(g, mean),
    };
  },
};

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * matMul(p, q, tp, tq) = op(p)·op(q), with the transposes done by Transpose: wasm's transposed
 * BatchMatMul is slow. wasm runs an unbatched product as an XNNPACK fully-connected operator whose
 * weights are the right operand, packed anew for every right operand it has not seen: when op(q)
 * is the larger operand (dy·Wᵀ in a Dense layer's input gradient: W is 1280×1000 in MobileNetV2),
 * the product is computed as (op(q)ᵀ·op(p)ᵀ)ᵀ, which packs only the small one and needs no
 * transpose of the large one when its flag is set. MobileNetV2's classifier gradient at batch 8:
 * 1.2 ms instead of 22 ms.
 */
export function matMul(p: tf.Tensor, q: tf.Tensor, tp: boolean, tq: boolean): tf.Tensor {
  const t = (m: tf.Tensor): tf.Tensor => {
    const perm = m.shape.map((_, i) => i);
    [perm[m.rank - 2], perm[m.rank - 1]] = [perm[m.rank - 1], perm[m.rank - 2]];
    return tf.transpose(m, perm);
  };
  const unbatched = (m: tf.Tensor): boolean => m.shape.slice(0, -2).every((d) => d === 1);
  const rows = tp ? p.shape[p.rank - 1] : p.shape[p.rank - 2];
  const cols = tq ? q.shape[q.rank - 2] : q.shape[q.rank - 1];
  if (unbatched(p) && unbatched(q) && cols > rows) return t(tf.matMul(tq ? q : t(q), tp ? p : t(p)));
  return tf.matMul(tp ? t(p) : p, tq ? t(q) : q);
}

/** BatchMatMul: the stock formulas (∂a = dy·bᵀ, ∂b = aᵀ·dy, per transpose flags), routed through matMul above. */
const batchMatMulGrad: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, saved, attrs) => {
    const [a, b] = saved;
    const g = dy as tf.Tensor;
    const { transposeA, transposeB } = attrs as unknown as MatMulAttrs;
    if (!transposeA && !transposeB) return { a: () => matMul(g, b, false, true), b: () => matMul(a, g, true, false) };
    if (!transposeA && transposeB) return { a: () => matMul(g, b, false, false), b: () => matMul(g, a, true, false) };
    if (transposeA && !transposeB) return { a: () => matMul(b, g, false, true), b: () => matMul(a, g, false, false) };
    return { a: () => matMul(b, g, true, true), b: () => matMul(g, a, true, true) };
  },
};

export const layerGradients: readonly tf.GradConfig[] = [reluGrad, relu6Grad, clipByValueGrad, batchNormGrad, batchMatMulGrad];
