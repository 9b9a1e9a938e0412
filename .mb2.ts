import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const time = (label: string, fn: () => tf.Tensor, n = 10) => {
  for (let i = 0; i < 2; i++) tf.tidy(() => { fn().dataSync(); });
  let best = Infinity;
  for (let i = 0; i < n; i++) { const t0 = performance.now(); tf.tidy(() => { fn().dataSync(); }); best = Math.min(best, performance.now() - t0); }
  console.log(label.padEnd(50), best.toFixed(2), 'ms (min)');
};
const N = 8, R = 28, C = 144;
const z = [0,1,2,3].map(() => tf.randomNormal([N, R, R, C]) as tf.Tensor4D);
const dy = tf.randomNormal([N, R, R, C]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, C, 1]) as tf.Tensor4D;
time('A: stack interleave (3 packs)', () => { const r0 = tf.reshape(tf.stack([z[0], z[1]], 3), [N, R, 2*R, C]); const r1 = tf.reshape(tf.stack([z[2], z[3]], 3), [N, R, 2*R, C]); return tf.reshape(tf.stack([r0, r1], 2), [N, 2*R, 2*R, C]); });
time('A2: one stack + transpose', () => { const s = tf.reshape(tf.stack(z, 3), [N*R, R, 2, 2*C]); return tf.reshape(tf.transpose(s, [0, 2, 1, 3]), [N, 2*R, 2*R, C]); });
time('B: concat ch + 2 transposes', () => { const s = tf.reshape(tf.concat(z, 3), [N*R, R, 2, 2*C]); return tf.reshape(tf.transpose(s, [0, 2, 1, 3]), [N, 2*R, 2*R, C]); });
time('C: dilate via 6D pad', () => tf.reshape(tf.pad(tf.reshape(dy, [N, R, 1, R, 1, C]), [[0,0],[0,0],[0,1],[0,0],[0,1],[0,0]]), [N, 2*R, 2*R, C]));
time('C2: dilate via 5D pads', () => { const a = tf.reshape(tf.pad(tf.reshape(dy, [N*R, R, 1, C]), [[0,0],[0,0],[0,1],[0,0]]), [N, R, 1, 2*R*C]); return tf.reshape(tf.pad(a, [[0,0],[0,0],[0,1],[0,0]]), [N, 2*R, 2*R, C]); });
time('C3: dilated + dw s1 full res', () => { const d = tf.reshape(tf.pad(tf.reshape(dy, [N, R, 1, R, 1, C]), [[0,0],[0,0],[0,1],[0,0],[0,1],[0,0]]), [N, 2*R, 2*R, C]); return tf.depthwiseConv2d(d, w, 1, [[0,0],[1,0],[1,0],[0,0]]); });
time('D: dw s1 on [N,28,28,C] 2x2', () => tf.depthwiseConv2d(dy, tf.slice(w, [0,0,0,0], [2,2,C,1]) as tf.Tensor4D, 1, [[0,0],[1,0],[1,0],[0,0]]));
time('D2: dw s1 on [N,28,28,C] 1x2', () => tf.depthwiseConv2d(dy, tf.slice(w, [0,0,0,0], [1,2,C,1]) as tf.Tensor4D, 1, [[0,0],[0,0],[1,0],[0,0]]));
time('D3: dw s1 on [N,28,28,C] 1x1', () => tf.depthwiseConv2d(dy, tf.slice(w, [0,0,0,0], [1,1,C,1]) as tf.Tensor4D, 1, 'valid'));
time('D4: mul by per-channel (1x1 dw alt)', () => tf.mul(dy, tf.reshape(tf.slice(w, [0,0,0,0], [1,1,C,1]), [C])));
time('E: dw s1 full res 3x3 same', () => tf.depthwiseConv2d(tf.randomNormal([N, 2*R, 2*R, C]) as tf.Tensor4D, w, 1, 'same'));
