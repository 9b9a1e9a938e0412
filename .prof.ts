import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { depthwiseInputGrad } from './src/kernels';
await tf.setBackend('wasm');
const N = 8, H = 56, C = 144;
const w = tf.randomNormal([3, 3, C, 1]) as tf.Tensor4D;
const dy2 = tf.randomNormal([N, H / 2, H / 2, C]) as tf.Tensor4D;
const dy1 = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
for (const [name, fn] of [['s2', () => depthwiseInputGrad(dy2, w, [N, H, H, C], 2, 'same')], ['s1', () => depthwiseInputGrad(dy1, w, [N, H, H, C], 1, 'same')], ['fwd same', () => tf.depthwiseConv2d(dy1, w, 1, 'same')], ['fwd explicit', () => tf.depthwiseConv2d(dy1, w, 1, [[0,0],[1,1],[1,1],[0,0]])], ['fwd valid padded', () => tf.depthwiseConv2d(tf.pad(dy1, [[0,0],[1,1],[1,1],[0,0]]), w, 1, 'valid')]] as const) {
  for (let i = 0; i < 3; i++) tf.tidy(() => { fn().dataSync(); });
  let best: tf.ProfileInfo | null = null; let bestT = Infinity;
  for (let i = 0; i < 5; i++) { const t0 = performance.now(); const p = await tf.profile(() => tf.tidy(() => { fn().dataSync(); })); const t = performance.now() - t0; if (t < bestT) { bestT = t; best = p; } }
  console.log(name, bestT.toFixed(1), best!.kernels.map(k => `${k.name}:${(k.kernelTimeMs as number).toFixed(2)}`).join(' '));
}
