import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
const variants: Record<string, () => tf.Tensor> = {};
const N = 8, R = 112, C = Number(process.argv[2] ?? 3);
const z = [0,1,2,3].map(() => tf.randomNormal([N, R, R, C]) as tf.Tensor4D);
const zc = tf.concat(z, 3);
variants['stack axis3 + transpose'] = () => tf.reshape(tf.transpose(tf.reshape(tf.stack(z, 3), [N*R, R, 2, 2*C]), [0, 2, 1, 3]), [N, 2*R, 2*R, C]);
variants['concat axis3 + transpose'] = () => tf.reshape(tf.transpose(tf.reshape(tf.concat(z, 3), [N*R, R, 2, 2*C]), [0, 2, 1, 3]), [N, 2*R, 2*R, C]);
variants['(given channels) transpose only'] = () => tf.reshape(tf.transpose(tf.reshape(zc, [N*R, R, 2, 2*C]), [0, 2, 1, 3]), [N, 2*R, 2*R, C]);
variants['stack axis0 + 2 transposes'] = () => { const s = tf.reshape(tf.stack(z, 0), [2, 2, N*R*R, C]); const t = tf.reshape(tf.transpose(s, [2, 0, 1, 3]), [N*R, R, 2, 2*C]); return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [N, 2*R, 2*R, C]); };
variants['concat axis0 + 2 transposes'] = () => { const s = tf.reshape(tf.concat(z, 0), [2, 2, N*R*R, C]); const t = tf.reshape(tf.transpose(s, [2, 0, 1, 3]), [N*R, R, 2, 2*C]); return tf.reshape(tf.transpose(t, [0, 2, 1, 3]), [N, 2*R, 2*R, C]); };
const best: Record<string, number> = {};
for (const k of Object.keys(variants)) { tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Infinity; }
for (let round = 0; round < 15; round++) for (const k of Object.keys(variants)) { const t0 = performance.now(); tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Math.min(best[k], performance.now() - t0); }
for (const k of Object.keys(variants)) console.log(k.padEnd(40), best[k].toFixed(2), 'ms');
// check equality
const ref = variants['stack axis3 + transpose']().dataSync();
for (const k of Object.keys(variants)) { const d = variants[k]().dataSync(); let m = 0; for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i] - ref[i])); console.log(k, 'diff', m); }
