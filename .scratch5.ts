import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-layers';
for (const be of ['wasm', 'cpu']) {
await tf.setBackend(be);
for (const xs of [[-1,-2,-3,-4],[-4,-3,-2,-1],[-5,2,-3,-4],[0,0,0,0],[1,1,0,1],[-1,-1,-3,-1],[0.5, 0.25, 0.125, 0.7]]) {
  const x = tf.tensor4d(xs, [1,2,2,1]);
  const g = tf.grad((v: tf.Tensor4D) => tf.sum(tf.maxPool(v, 2, 2, 'valid')))(x);
  let am = '-';
  try { const r = tf.maxPoolWithArgmax(x, 2, 2, 'valid'); am = `${r.result.dataSync()[0]} @ ${r.indexes.dataSync()[0]}`; } catch (e) { am = (e as Error).message.slice(0, 60); }
  console.log(be, xs.join(','), '-> grad', Array.from(g.dataSync()).join(','), ' argmax', am);
}
}
