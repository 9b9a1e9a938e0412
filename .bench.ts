import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { readFileSync } from 'node:fs';
import { registerInputGradients } from './src/kernels';
const mode = process.argv[2]; // stock | ours
const be = process.argv[3] ?? 'wasm';
await tf.setBackend(be);
const dir = 'assets/models/fashion-cnn/';
const mj = JSON.parse(readFileSync(dir + 'model.json', 'utf8'));
const bin = readFileSync(dir + mj.weightsManifest[0].paths[0]);
const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: mj.modelTopology, weightSpecs: mj.weightsManifest[0].weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
if (mode === 'ours') registerInputGradients();
const B = 32;
const x = tf.randomUniform([B, 28, 28, 1]);
const onehot = tf.oneHot(tf.randomUniform([B], 0, 10, 'int32'), 10);
const loss = (v: tf.Tensor) => tf.neg(tf.sum(tf.mul(tf.log(model.apply(v) as tf.Tensor), onehot)));
const time = (label: string, fn: () => void, n: number) => {
  for (let i = 0; i < 3; i++) fn();
  const all: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); fn(); all.push(performance.now() - t0); }
  all.sort((a, b) => a - b);
  const [ms, med] = [all[0], all[Math.floor(n / 2)]];
  console.log(`${be} ${mode} ${label}: min ${ms.toFixed(1)} ms/batch of ${B} = ${(ms / B).toFixed(3)} ms/img (median ${(med / B).toFixed(3)})`);
};
time('forward', () => tf.tidy(() => { (model.apply(x) as tf.Tensor).dataSync(); }), 20);
time('forward+backward', () => tf.tidy(() => { tf.grad(loss)(x).dataSync(); }), be === 'cpu' ? 3 : 20);
if (process.argv[4] === 'profile') {
  const prof = await tf.profile(() => tf.tidy(() => { tf.grad(loss)(x).dataSync(); }));
  const agg = new Map<string, { ms: number; n: number }>();
  for (const k of prof.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += ms; a.n++; agg.set(key, a);
  }
  const total = [...agg.values()].reduce((s, a) => s + a.ms, 0);
  console.log('total kernel ms', total.toFixed(1));
  [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).forEach(([k, a]) => console.log(a.ms.toFixed(2).padStart(8), a.n, k));
}
