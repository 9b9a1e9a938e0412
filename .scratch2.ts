import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { conv2dInputGrad, depthwiseInputGrad } from './src/kernels';
await tf.setBackend('wasm'); await tf.setBackend('cpu');
let worst = 0;
for (const [H, W] of [[7, 7], [8, 9]]) for (const k of [[1,1],[3,3],[5,5],[4,3]]) for (const s of [[1,1],[2,2],[3,3],[2,1]]) for (const pad of ['same','valid', 1] as const) {
  await tf.setBackend('cpu');
  const x = tf.randomNormal([2, H, W, 3]) as tf.Tensor4D;
  const f = tf.randomNormal([k[0], k[1], 3, 4]) as tf.Tensor4D;
  const fd = tf.randomNormal([k[0], k[1], 3, 2]) as tf.Tensor4D;
  let y, yd; try { y = tf.conv2d(x, f, s as [number,number], pad); yd = tf.depthwiseConv2d(x, fd, s as [number,number], pad); } catch { continue; }
  if (y.shape[1] <= 0 || y.shape[2] <= 0) continue;
  const dy = tf.randomNormal(y.shape) as tf.Tensor4D;
  const dyd = tf.randomNormal(yd.shape) as tf.Tensor4D;
  const ref = tf.conv2dTranspose(dy, f, x.shape, s as [number,number], pad).arraySync();
  const refd = tf.grad((v: tf.Tensor4D) => tf.sum(tf.mul(tf.depthwiseConv2d(v, fd, s as [number,number], pad), dyd)))(x).arraySync();
  await tf.setBackend('wasm');
  const ours = conv2dInputGrad(tf.tensor(dy.arraySync()) as tf.Tensor4D, tf.tensor(f.arraySync()) as tf.Tensor4D, x.shape, s as [number,number], pad);
  const oursd = depthwiseInputGrad(tf.tensor(dyd.arraySync()) as tf.Tensor4D, tf.tensor(fd.arraySync()) as tf.Tensor4D, x.shape, s as [number,number], pad);
  const e = tf.max(tf.abs(tf.sub(tf.tensor(ref), ours))).dataSync()[0];
  const ed = tf.max(tf.abs(tf.sub(tf.tensor(refd), oursd))).dataSync()[0];
  if (e > 1e-4 || ed > 1e-4) console.log('mismatch', H, W, k, s, pad, e, ed);
  worst = Math.max(worst, e, ed);
}
console.log('worst', worst, tf.getBackend());
