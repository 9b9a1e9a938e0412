import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
await tf.setBackend('wasm');
for (const [N, H, C, top, keep] of [[8, 113, 96, 0, 112], [8, 226, 3, 1, 224]]) {
  const variants: Record<string, () => tf.Tensor> = {};
  const x = tf.randomNormal([N, H, H, C]) as tf.Tensor4D;
  const idx = tf.range(top, top + keep, 1, 'int32');
  variants['slice'] = () => tf.slice(x, [0, top, top, 0], [N, keep, keep, C]);
  variants['gather rows+cols'] = () => tf.gather(tf.gather(x, idx, 1), idx, 2);
  variants['slice3d rows + gather cols'] = () => tf.gather(tf.reshape(tf.slice(tf.reshape(x, [N, H, H * C]), [0, top, 0], [N, keep, H * C]), [N, keep, H, C]), idx, 2);
  const f = tf.buffer([H - keep + 1, H - keep + 1, C, 1]); for (let c = 0; c < C; c++) f.set(1, top, top, c, 0);
  const ft = f.toTensor() as tf.Tensor4D;
  variants['dw one-hot'] = () => tf.depthwiseConv2d(x, ft, 1, 'valid');
  variants['copy (add 0)'] = () => tf.add(x, tf.scalar(0));
  const best: Record<string, number> = {};
  for (const k of Object.keys(variants)) { tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Infinity; }
  for (let round = 0; round < 8; round++) for (const k of Object.keys(variants)) { const t0 = performance.now(); tf.tidy(() => { variants[k]().dataSync(); }); best[k] = Math.min(best[k], performance.now() - t0); }
  const ref = variants['slice']().dataSync();
  for (const k of Object.keys(variants)) { const d = variants[k]().dataSync(); let m = 0; if (d.length === ref.length) for (let i = 0; i < d.length; i++) m = Math.max(m, Math.abs(d[i] - ref[i])); else m = NaN; console.log(`[${N},${H},${H},${C}]`, k.padEnd(30), best[k].toFixed(2), 'ms diff', m); }
}
