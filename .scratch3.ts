import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { registerInputGradients } from './src/kernels';
const be = process.argv[2] || 'wasm';
await tf.setBackend(be); await tf.ready();
registerInputGradients();
function tryGrad(name: string, model: tfl.Sequential, shape: number[]) {
  try {
    const x = tf.randomNormal(shape);
    const g = tf.grad((v: tf.Tensor) => tf.sum(model.apply(v) as tf.Tensor))(x);
    console.log(name, 'OK', g.shape);
  } catch (e) { console.log(name, 'FAIL', (e as Error).message.slice(0, 150)); }
}
const seq = (layers: tfl.layers.Layer[]) => { const m = tfl.sequential(); layers.forEach((l) => m.add(l)); return m; };
const I = [8,8,3];
tryGrad('conv relu', seq([tfl.layers.conv2d({inputShape:I, filters:4, kernelSize:3, activation:'relu'})]), [2,8,8,3]);
tryGrad('conv linear', seq([tfl.layers.conv2d({inputShape:I, filters:4, kernelSize:3})]), [2,8,8,3]);
tryGrad('conv linear s2 same nobias', seq([tfl.layers.conv2d({inputShape:I, filters:4, kernelSize:3, strides:2, padding:'same', useBias:false})]), [2,8,8,3]);
tryGrad('conv relu6', seq([tfl.layers.conv2d({inputShape:I, filters:4, kernelSize:3, activation:'relu6'})]), [2,8,8,3]);
tryGrad('depthwise', seq([tfl.layers.depthwiseConv2d({inputShape:I, kernelSize:3, strides: 2})]), [2,8,8,3]);
tryGrad('bn', seq([tfl.layers.batchNormalization({inputShape:I})]), [2,8,8,3]);
tryGrad('relu6', seq([tfl.layers.reLU({inputShape:I, maxValue:6})]), [2,8,8,3]);
try { const f = tf.randomNormal([3,3,3,4]); tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1,5,5,3]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same')))(f); } catch (e) { console.log('filter grad:', (e as Error).message); }
try { const f = tf.randomNormal([3,3,3,4]); tf.grad((w: tf.Tensor) => tf.sum(tf.fused.conv2d({x: tf.ones([1,5,5,3]) as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same'})))(f); } catch (e) { console.log('fused filter grad:', (e as Error).message); }
