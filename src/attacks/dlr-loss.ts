/**
 * The Difference of Logits Ratio loss of Croce & Hein, "Reliable evaluation of adversarial
 * robustness with an ensemble of diverse parameter-free attacks", arXiv 2003.01690, §3.2:
 *
 *   DLR(z, y)          = −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3 + 1e-12)
 *   targeted DLR(z,y,t) = −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e-12)
 *
 * with π the classes sorted by logit, descending. The ratio is invariant to shifting and
 * scaling the logits, which is what defeats defensive distillation's saturated softmax (the
 * cross-entropy's gradient vanishes there; the DLR's does not).
 *
 * Both are −(a·z)/(b·z + 1e-12) with a, b per-image coefficient vectors that are constant
 * wherever the order of the logits is, so the gradient is written out:
 *   ∂/∂z = −(a·den − num·b) / den²,  num = a·z, den = b·z + 1e-12.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unaryCustomGrad } from '../kernels';

const DEN_EPS = 1e-12;

/**
 * The coefficient rows a (numerator) and b (denominator), [N, K] each. With fewer than 3 (4)
 * classes the missing ranks fall back to the last class present. Call inside tf.tidy.
 */
function coefficients(z: tf.Tensor2D, labels: tf.Tensor1D, targets?: tf.Tensor1D): { a: tf.Tensor2D; b: tf.Tensor2D } {
  const k = z.shape[1];
  const rank = tf.topk(z, Math.min(4, k)).indices;
  const hot = (idx: tf.Tensor1D) => tf.cast(tf.oneHot(idx, k), 'float32') as tf.Tensor2D;
  const col = (r: number) => hot(tf.reshape(tf.slice(rank, [0, Math.min(r, rank.shape[1] - 1)], [-1, 1]), [-1]) as tf.Tensor1D);
  const own = hot(labels);
  if (targets) {
    const a = tf.sub(own, hot(targets)) as tf.Tensor2D;
    const b = tf.sub(col(0), tf.mul(tf.add(col(2), col(3)), 0.5)) as tf.Tensor2D;
    return { a, b };
  }
  const other = hot(tf.argMax(tf.sub(z, tf.mul(own, 1e30)), 1) as tf.Tensor1D);
  return { a: tf.sub(own, other) as tf.Tensor2D, b: tf.sub(col(0), col(2)) as tf.Tensor2D };
}

/** The DLR (targeted when `targets` is given) per image, [N]. Call inside tf.tidy. */
export function dlrLoss(z: tf.Tensor2D, labels: tf.Tensor1D, targets?: tf.Tensor1D): tf.Tensor1D {
  const { a, b } = coefficients(z, labels, targets);
  const num = tf.sum(tf.mul(a, z), 1);
  const den = tf.add(tf.sum(tf.mul(b, z), 1), DEN_EPS);
  return tf.neg(tf.div(num, den)) as tf.Tensor1D;
}

/** Σ_i DLR(z_i) with the gradient written out (see the file comment). Call inside tf.tidy. */
export function summedDlr(logits: tf.Tensor2D, labels: tf.Tensor1D, targets?: tf.Tensor1D): tf.Scalar {
  const f = unaryCustomGrad<tf.Tensor2D, tf.Scalar>((z, save) => {
    const { a, b } = coefficients(z, labels, targets);
    const num = tf.sum(tf.mul(a, z), 1, true);
    const den = tf.add(tf.sum(tf.mul(b, z), 1, true), DEN_EPS);
    save([a, b, num, den]);
    return {
      value: tf.neg(tf.sum(tf.div(num, den))),
      gradFunc: (dy, [aa, bb, nn, dd]) =>
        tf.mul(tf.neg(tf.div(tf.sub(tf.mul(aa, dd), tf.mul(nn, bb)), tf.square(dd))), dy),
    };
  });
  return f(logits);
}
