import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const time = (label: string, fn: () => tf.Tensor, n = 10) => {
  for (let i = 0; i < 2; i++) tf.tidy(() => { fn().dataSync(); });
  let best = Infinity;
  for (let i = 0; i < n; i++) { const t0 = performance.now(); tf.tidy(() => { fn().dataSync(); }); best = Math.min(best, performance.now() - t0); }
  console.log(label.padEnd(50), best.toFixed(2), 'ms (min)');
};
const N = 32, H = 26, C = 32, L = N * 13 * 13 * C;
const x = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
const taps = tf.randomNormal([L, 4]);
const dy = tf.randomNormal([L]);
const first = tf.argMax(taps, 1);
time('argMax [L,4]', () => tf.argMax(taps, 1));
time('oneHot+cast+mul', () => tf.mul(tf.cast(tf.oneHot(first, 4), 'float32'), tf.reshape(dy, [L, 1])));
time('oneHot only', () => tf.oneHot(first, 4));
time('cast only', () => tf.cast(tf.oneHot(first, 4), 'float32'));
time('mul bcast [L,4]x[L,1]', () => tf.mul(taps, tf.reshape(dy, [L, 1])));
time('mul same shape [L,4]', () => tf.mul(taps, taps));
time('equal-range mask + where', () => tf.where(tf.equal(tf.reshape(first, [L, 1]), tf.reshape(tf.range(0, 4, 1, 'int32'), [1, 4])), tf.tile(tf.reshape(dy, [L, 1]), [1, 4]), tf.zeros([L, 4])));
const E = tf.reshape(tf.tile(tf.reshape(tf.eye(4), [2, 2, 1, 4]), [1, 1, C, 1]), [2, 2, C * 4, 1]) as tf.Tensor4D;
time('windows: tile5D + dw', () => tf.depthwiseConv2d(tf.reshape(tf.tile(tf.reshape(x, [N, H, H, C, 1]), [1, 1, 1, 1, 4]), [N, H, H, C * 4]), E, 2, 'valid'));
time('windows: tile5D only', () => tf.tile(tf.reshape(x, [N, H, H, C, 1]), [1, 1, 1, 1, 4]));
time('windows: reshape/transpose (k==s)', () => tf.transpose(tf.reshape(tf.transpose(tf.reshape(x, [N * 13, 2, 13, 2 * C]), [0, 2, 1, 3]), [N * 13 * 13, 4, C]), [0, 2, 1]));
time('maxPool fwd', () => tf.maxPool(x, 2, 2, 'valid'));
time('stock maxPoolGrad path (grad)', () => tf.grad((v: tf.Tensor4D) => tf.sum(tf.maxPool(v, 2, 2, 'valid')))(x));
time('pad 4D x', () => tf.pad(x, [[0,0],[0,1],[0,1],[0,0]]));
time('slice unit stride', () => tf.slice(x, [0, 0, 0, 0], [N, 24, 24, C]));
