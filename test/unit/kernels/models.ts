/**
 * tfjs-layers models for the gradient tests, with seeded weights:
 *  - the bundled classifier's architecture (assets/models/fashion-cnn): Conv2D(relu) → MaxPool →
 *    Conv2D(relu) → MaxPool → Flatten → Dense(relu) → Dense;
 *  - a MobileNet-style network: a stride-2 stem, an inverted-residual block (1×1 expand → BN →
 *    ReLU6 → depthwise 3×3 → BN → ReLU6 → 1×1 project (linear) → BN → Add), a stride-2 block with
 *    ZeroPadding2D + 'valid' depthwise as Keras' MobileNetV2 does, AveragePooling2D,
 *    GlobalAveragePooling2D and a Dense head.
 * ReLU6 appears in both spellings tfjs-layers offers: layers.reLU({maxValue: 6}) (relu + clip)
 * and activation 'relu6' (the Relu6 kernel).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { seedWeights } from './helpers';

export function fashionCnn(head: 'linear' | 'softmax', seed = 'fashion-cnn'): tfl.LayersModel {
  const m = tfl.sequential();
  m.add(tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }));
  m.add(tfl.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tfl.layers.flatten());
  m.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 10, activation: head }));
  seedWeights(m, seed);
  return m;
}

type SymbolicTensor = tfl.SymbolicTensor;

function bn(x: SymbolicTensor): SymbolicTensor {
  return tfl.layers.batchNormalization().apply(x) as SymbolicTensor;
}

function invertedResidual(x: SymbolicTensor, expand: number, out: number, stride: 1 | 2): SymbolicTensor {
  const inChannels = x.shape[3] as number;
  let y = tfl.layers.conv2d({ filters: expand, kernelSize: 1, useBias: false }).apply(x) as SymbolicTensor;
  y = tfl.layers.reLU({ maxValue: 6 }).apply(bn(y)) as SymbolicTensor;
  if (stride === 2) y = tfl.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(y) as SymbolicTensor;
  const padding = stride === 2 ? 'valid' : 'same';
  y = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding, useBias: false }).apply(y) as SymbolicTensor;
  y = tfl.layers.activation({ activation: 'relu6' }).apply(bn(y)) as SymbolicTensor;
  // Linear 1×1 projection: tfjs-layers runs this through tf.fused.conv2d.
  y = bn(tfl.layers.conv2d({ filters: out, kernelSize: 1, useBias: stride === 2 }).apply(y) as SymbolicTensor);
  return stride === 1 && inChannels === out ? (tfl.layers.add().apply([x, y]) as SymbolicTensor) : y;
}

export const MOBILE_INPUT: [number, number, number] = [16, 16, 3];
export const MOBILE_CLASSES = 5;

export function mobileNetStyle(seed = 'mobilenet-style'): tfl.LayersModel {
  const input = tfl.input({ shape: MOBILE_INPUT });
  let x = tfl.layers
    .conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu6' })
    .apply(input) as SymbolicTensor;
  x = invertedResidual(x, 16, 8, 1);
  x = invertedResidual(x, 16, 12, 2);
  x = tfl.layers.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }).apply(x) as SymbolicTensor;
  x = tfl.layers.globalAveragePooling2d({}).apply(x) as SymbolicTensor;
  const logits = tfl.layers.dense({ units: MOBILE_CLASSES }).apply(x) as SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits });
  seedWeights(model, seed);
  return model;
}
