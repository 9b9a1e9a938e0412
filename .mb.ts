import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { depthwiseInputGrad, conv2dInputGrad } from './src/kernels';
await tf.setBackend('wasm');
const time = (label: string, fn: () => tf.Tensor, n = 10) => {
  for (let i = 0; i < 2; i++) tf.tidy(() => { fn().dataSync(); });
  let best = Infinity;
  for (let i = 0; i < Math.max(n, 5); i++) { const t0 = performance.now(); tf.tidy(() => { fn().dataSync(); }); best = Math.min(best, performance.now() - t0); }
  console.log(label.padEnd(50), best.toFixed(2), 'ms (min)');
};
const N = 8, H = 56, C = 144;
const x = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, C, 1]) as tf.Tensor4D;
const dy2 = tf.randomNormal([N, H / 2, H / 2, C]) as tf.Tensor4D;
const dy1 = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
time('dw forward s1', () => tf.depthwiseConv2d(x, w, 1, 'same'));
time('dw forward s2', () => tf.depthwiseConv2d(x, w, 2, 'same'));
time('dw inputgrad s1 (ours)', () => depthwiseInputGrad(dy1, w, x.shape, 1, 'same'));
time('dw inputgrad s2 (ours polyphase m=4)', () => depthwiseInputGrad(dy2, w, x.shape, 2, 'same'), 3);
time('dw s1 on dilated-size input (zero-dil cost)', () => tf.depthwiseConv2d(tf.pad(dy1, [[0,0],[1,1],[1,1],[0,0]]), w, 1, 'valid'));
time('dw 2x2 filter m=1 on dy2 (one phase)', () => tf.depthwiseConv2d(dy2, tf.slice(w, [0,0,0,0],[2,2,C,1]) as tf.Tensor4D, 1, [[0,0],[1,0],[1,0],[0,0]]));
time('dw filter m=4 on dy2', () => tf.depthwiseConv2d(dy2, tf.randomNormal([2,2,C,4]) as tf.Tensor4D, 1, 'same'), 3);
time('stack 4 + reshape (interleave)', () => tf.stack([dy2, dy2, dy2, dy2], 3));
time('transpose 4D of x', () => tf.transpose(x, [0, 2, 1, 3]));
time('pad x', () => tf.pad(x, [[0,0],[1,1],[1,1],[0,0]]));
// conv
const Cin = 32, Cout = 64;
const xc = tf.randomNormal([N, H, H, Cin]) as tf.Tensor4D;
const wc = tf.randomNormal([3, 3, Cin, Cout]) as tf.Tensor4D;
const dyc2 = tf.randomNormal([N, H/2, H/2, Cout]) as tf.Tensor4D;
const dyc1 = tf.randomNormal([N, H, H, Cout]) as tf.Tensor4D;
time('conv forward s1', () => tf.conv2d(xc, wc, 1, 'same'));
time('conv forward s2', () => tf.conv2d(xc, wc, 2, 'same'));
time('conv inputgrad s1 (ours)', () => conv2dInputGrad(dyc1, wc, xc.shape, 1, 'same'));
time('conv inputgrad s2 (ours polyphase)', () => conv2dInputGrad(dyc2, wc, xc.shape, 2, 'same'));
time('conv2dTranspose stock s1', () => tf.conv2dTranspose(dyc1, wc, xc.shape, 1, 'same'), 3);
time('conv2dTranspose stock s2', () => tf.conv2dTranspose(dyc2, wc, xc.shape, 2, 'same'), 3);
const wcT = tf.transpose(tf.reverse(wc, [0,1]), [0,1,3,2]) as tf.Tensor4D;
time('conv s1 same w/ fixed (cached) filter', () => tf.conv2d(dyc1, wcT, 1, 'same'));
time('conv s1 explicit pad w/ fixed filter', () => tf.conv2d(dyc1, wcT, 1, [[0,0],[1,1],[1,1],[0,0]]));
// matmul
const a = tf.randomNormal([32, 128]); const b = tf.randomNormal([1600, 128]); const bT = tf.transpose(b);
time('matmul transposeB', () => tf.matMul(a, b, false, true));
time('matmul fixed bT', () => tf.matMul(a, bT));
time('matmul fresh transpose(b)', () => tf.matMul(a, tf.transpose(b)));
