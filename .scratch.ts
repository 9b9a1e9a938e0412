import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { conv2dInputGrad, depthwiseInputGrad } from './src/kernels';

// compare against stock kernels on cpu
await tf.setBackend('cpu');
let worst = 0;
for (const [H, W] of [[7, 7], [8, 9], [6, 5]]) for (const k of [[1,1],[2,2],[3,3],[5,5],[3,1],[4,3]]) for (const s of [[1,1],[2,2],[3,3],[2,1],[1,3]]) for (const pad of ['same','valid', 1] as const) {
  const x = tf.randomNormal([2, H, W, 3]) as tf.Tensor4D;
  const f = tf.randomNormal([k[0], k[1], 3, 4]) as tf.Tensor4D;
  let y; try { y = tf.conv2d(x, f, s as [number,number], pad); } catch { continue; }
  if (y.shape[1] <= 0 || y.shape[2] <= 0) continue;
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const ref = tf.conv2dTranspose(dy, f, x.shape, s as [number,number], pad);
  const ours = conv2dInputGrad(dy, f, x.shape, s as [number,number], pad);
  const e = tf.max(tf.abs(tf.sub(ref, ours))).dataSync()[0];
  if (e > 1e-4) console.log('conv mismatch', H, W, k, s, pad, e);
  worst = Math.max(worst, e);
  // depthwise multiplier 2 vs stock depthwiseConv2dNativeBackpropInput via tf.grad
  const fd = tf.randomNormal([k[0], k[1], 3, 2]) as tf.Tensor4D;
  if (s[0] !== s[1]) continue; // depthwise requires equal strides? check anyway
  const yd = tf.depthwiseConv2d(x, fd, s as [number,number], pad);
  const dyd = tf.randomNormal(yd.shape) as tf.Tensor4D;
  const refd = tf.grad((v: tf.Tensor4D) => tf.sum(tf.mul(tf.depthwiseConv2d(v, fd, s as [number,number], pad), dyd)))(x);
  const oursd = depthwiseInputGrad(dyd, fd, x.shape, s as [number,number], pad);
  const ed = tf.max(tf.abs(tf.sub(refd, oursd))).dataSync()[0];
  if (ed > 1e-4) console.log('dw mismatch', H, W, k, s, pad, ed);
  worst = Math.max(worst, ed);
}
console.log('worst', worst);
