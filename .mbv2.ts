import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { registerInputGradients } from './src/kernels';
const mode = process.argv[2]; const be = process.argv[3] ?? 'wasm'; const B = Number(process.argv[4] ?? 8); const S = Number(process.argv[5] ?? 224);
await tf.setBackend(be);
type ST = tfl.SymbolicTensor;
const bn = (x: ST) => tfl.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999 }).apply(x) as ST;
const relu6 = (x: ST) => tfl.layers.reLU({ maxValue: 6 }).apply(x) as ST;
function block(x: ST, t: number, c: number, s: number): ST {
  const cin = x.shape[3] as number;
  let y = x;
  if (t !== 1) y = relu6(bn(tfl.layers.conv2d({ filters: cin * t, kernelSize: 1, useBias: false }).apply(y) as ST));
  if (s === 2) y = tfl.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(y) as ST;
  y = relu6(bn(tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: s, padding: s === 2 ? 'valid' : 'same', useBias: false }).apply(y) as ST));
  y = bn(tfl.layers.conv2d({ filters: c, kernelSize: 1, useBias: false }).apply(y) as ST);
  return s === 1 && cin === c ? (tfl.layers.add().apply([x, y]) as ST) : y;
}
const input = tfl.input({ shape: [S, S, 3] });
let x = tfl.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(input) as ST;
x = relu6(bn(tfl.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }).apply(x) as ST));
for (const [t, c, n, s] of [[1,16,1,1],[6,24,2,2],[6,32,3,2],[6,64,4,2],[6,96,3,1],[6,160,3,2],[6,320,1,1]]) for (let i = 0; i < n; i++) x = block(x, t, c, i === 0 ? s : 1);
x = relu6(bn(tfl.layers.conv2d({ filters: 1280, kernelSize: 1, useBias: false }).apply(x) as ST));
x = tfl.layers.globalAveragePooling2d({}).apply(x) as ST;
const logits = tfl.layers.dense({ units: 1000 }).apply(x) as ST;
const model = tfl.model({ inputs: input, outputs: logits });
if (mode === 'ours') registerInputGradients();
const xb = tf.randomUniform([B, S, S, 3], -1, 1);
const onehot = tf.oneHot(tf.randomUniform([B], 0, 1000, 'int32'), 1000);
const loss = (v: tf.Tensor) => { const z = model.apply(v) as tf.Tensor; return tf.sum(tf.sub(tf.logSumExp(z, 1), tf.sum(tf.mul(z, onehot), 1))); };
const time = (label: string, fn: () => void, n: number) => {
  fn();
  let best = Infinity; const all: number[] = [];
  for (let i = 0; i < n; i++) { const t0 = performance.now(); fn(); const t = performance.now() - t0; all.push(t); best = Math.min(best, t); }
  console.log(`${be} ${mode} MobileNetV2 ${S}x${S} batch ${B} ${label}: min ${best.toFixed(0)} ms/batch = ${(best / B).toFixed(1)} ms/img (median ${(all.sort((a,b)=>a-b)[Math.floor(n/2)] / B).toFixed(1)})`);
};
time('forward', () => tf.tidy(() => { (model.apply(xb) as tf.Tensor).dataSync(); }), 3);
try { time('forward+backward', () => tf.tidy(() => { tf.grad(loss)(xb).dataSync(); }), 3); } catch (e) { console.log('backward failed:', (e as Error).message.slice(0, 120)); }
if (process.argv[6] === 'profile') {
  const prof = await tf.profile(() => tf.tidy(() => { tf.grad(loss)(xb).dataSync(); }));
  const agg = new Map<string, { ms: number; n: number }>();
  let total = 0;
  for (const k of prof.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0; total += ms;
    const key = ["Slice","Sub","Multiply","Conv2D","PadV2"].includes(k.name) ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
    const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += ms; a.n++; agg.set(key, a);
  }
  console.log('total kernel ms', total.toFixed(1));
  [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 22).forEach(([k, a]) => console.log(a.ms.toFixed(1).padStart(8), String(a.n).padStart(5), k));
}
