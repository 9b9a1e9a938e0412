import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const variants: Record<string, () => tf.Tensor> = {};
const dy = tf.randomNormal([32, 26, 26, 32]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 1, 32]) as tf.Tensor4D; // forward filter [kh,kw,Cin=1,Cout=32]
const wT = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D; // [3,3,32,1]
const pad: tf.backend_util.ExplicitPadding = [[0,0],[2,2],[2,2],[0,0]];
variants['conv Cout=1'] = () => tf.conv2d(dy, wT, 1, pad);
variants['dw + sum'] = () => tf.sum(tf.depthwiseConv2d(dy, tf.reshape(tf.reverse(w, [0, 1]), [3, 3, 32, 1]) as tf.Tensor4D, 1, pad), 3, true);
variants['dw + 1x1 conv ones'] = () => tf.conv2d(tf.depthwiseConv2d(dy, tf.reshape(tf.reverse(w, [0, 1]), [3, 3, 32, 1]) as tf.Tensor4D, 1, pad), tf.ones([1, 1, 32, 1]) as tf.Tensor4D, 1, 'valid');
variants['dw + matmul ones'] = () => tf.reshape(tf.matMul(tf.reshape(tf.depthwiseConv2d(dy, tf.reshape(tf.reverse(w, [0, 1]), [3, 3, 32, 1]) as tf.Tensor4D, 1, pad), [-1, 32]), tf.ones([32, 1])), [32, 28, 28, 1]);
const best: Record<string, number> = {};
for (const k of Object.keys(variants)) { tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Infinity; }
for (let round = 0; round < 15; round++) for (const k of Object.keys(variants)) { const t0 = performance.now(); tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Math.min(best[k], performance.now() - t0); }
const ref = variants['conv Cout=1']().dataSync();
for (const k of Object.keys(variants)) { const d = variants[k]().dataSync(); let m = 0; for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i] - ref[i])); console.log(k.padEnd(30), best[k].toFixed(2), 'ms', 'diff', m.toExponential(1)); }
