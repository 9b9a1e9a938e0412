import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { registerInputGradients } from './src/kernels';
import { fashionCnn } from './test/unit/kernels/models';
import { randomTensor, crossEntropyLoss } from './test/unit/kernels/helpers';
import { createRng } from './src/shared';
await tf.setBackend('cpu');
registerInputGradients();
const rng = createRng('model inputs');
const xx = tf.clipByValue(randomTensor(rng, [3, 28, 28, 1], 0.5), -1, 1);
const m = fashionCnn('linear');
const loss = crossEntropyLoss([3, 7, 1], 10);
const f = (v: tf.Tensor) => m.apply(v) as tf.Tensor;
const g = tf.grad((v: tf.Tensor) => loss.tf(f(v)))(xx).dataSync();
const out0 = f(xx).dataSync();
console.log('logits', Array.from(out0.slice(0, 10)).map(v => v.toFixed(2)).join(' '));
const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
console.log('top |g|', order.slice(0, 5).map(i => g[i].toExponential(2)).join(' '), 'zeros', Array.from(g).filter(v => v === 0).length);
for (const idx of order.slice(0, 6)) {
  const v = tf.buffer(xx.shape); v.values[idx] = 1;
  const vt = v.toTensor();
  const row: string[] = [];
  for (const h of [0.1, 0.03, 0.01, 0.003, 0.001, 0.0003]) {
    const p = f(tf.add(xx, tf.mul(vt, h))).dataSync(), q = f(tf.sub(xx, tf.mul(vt, h))).dataSync();
    let curv = 0, spread = 0;
    for (let i = 0; i < p.length; i++) { curv = Math.max(curv, Math.abs(p[i] + q[i] - 2 * out0[i])); spread = Math.max(spread, Math.abs(p[i] - q[i])); }
    row.push(`${h}: ${(curv / spread).toExponential(1)}`);
  }
  console.log(idx, row.join(' | '));
}
