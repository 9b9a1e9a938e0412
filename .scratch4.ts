import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
import { createRng } from './src/shared';
const rng = createRng(3);
const mk = (shape: number[]) => { const n = shape.reduce((a,b)=>a*b,1); return Array.from({length: n}, () => rng.normal()); };
for (const [shape, k, s, pad] of [[[1,4,4,1],2,2,'valid'],[[1,7,8,1],2,2,'valid'],[[1,7,8,3],2,2,'valid'],[[2,6,6,3],2,2,'valid'],[[1,6,6,1],3,2,'same'],[[1,5,5,1],3,1,'same']] as const) {
  const xs = mk(shape as unknown as number[]);
  const res: Record<string, number[]> = {};
  for (const be of ['cpu','wasm']) {
    await tf.setBackend(be);
    const x = tf.tensor(xs, shape as unknown as number[]) as tf.Tensor4D;
    const y = tf.maxPool(x, k, s, pad);
    const dy = tf.tensor(mk(y.shape).map((_, i) => i + 1), y.shape);
    res[be] = Array.from(tf.grad((v: tf.Tensor4D) => tf.sum(tf.mul(tf.maxPool(v, k, s, pad), dy)))(x).dataSync());
  }
  const diff = res.cpu.map((v, i) => Math.abs(v - res.wasm[i]));
  console.log(JSON.stringify(shape), k, s, pad, 'maxdiff', Math.max(...diff));
  if (Math.max(...diff) > 0 && res.cpu.length <= 32) { console.log(' cpu', res.cpu.join(',')); console.log(' wsm', res.wasm.join(',')); }
}
