import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const variants: Record<string, () => tf.Tensor> = {};
const x = tf.randomNormal([8, 113, 113, 96]) as tf.Tensor4D;
variants['slice 113->112'] = () => tf.slice(x, [0, 0, 0, 0], [8, 112, 112, 96]);
variants['add 0 (copy)'] = () => tf.add(x, tf.scalar(0));
variants['transpose 0213'] = () => tf.transpose(x, [0, 2, 1, 3]);
variants['pad +1'] = () => tf.pad(x, [[0,0],[0,1],[0,1],[0,0]]);
const xs = tf.randomNormal([8, 14, 14, 160]) as tf.Tensor4D;
const wf = tf.randomNormal([1, 1, 960, 160]) as tf.Tensor4D;
const wfwd = tf.randomNormal([1, 1, 160, 960]) as tf.Tensor4D;
const xe = tf.randomNormal([8, 14, 14, 960]) as tf.Tensor4D;
variants['fwd 1x1 960->160 fixed filter'] = () => tf.conv2d(xe, wf, 1, 'same');
variants['bwd 1x1 160->960 fresh transposed'] = () => tf.conv2d(xs, tf.transpose(wf, [0, 1, 3, 2]) as tf.Tensor4D, 1, [[0,0],[0,0],[0,0],[0,0]]);
variants['bwd 1x1 160->960 fixed filter'] = () => tf.conv2d(xs, wfwd, 1, [[0,0],[0,0],[0,0],[0,0]]);
variants['bwd 1x1 160->960 fixed, same'] = () => tf.conv2d(xs, wfwd, 1, 'same');
variants['bwd as matmul'] = () => tf.reshape(tf.matMul(tf.reshape(xs, [-1, 160]), tf.reshape(wfwd, [160, 960])), [8, 14, 14, 960]);
const best: Record<string, number> = {};
for (const k of Object.keys(variants)) { tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Infinity; }
for (let round = 0; round < 10; round++) for (const k of Object.keys(variants)) { const t0 = performance.now(); tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Math.min(best[k], performance.now() - t0); }
for (const k of Object.keys(variants)) console.log(k.padEnd(40), best[k].toFixed(2), 'ms');
