/**
 * The bundled model's architecture (scripts/train_default_model.py) in tfjs-layers, with seeded
 * random weights: Conv2D(32,3×3,valid)+ReLU → MaxPool 2 → Conv2D(64,3×3,valid)+ReLU → MaxPool 2
 * → Flatten (1600) → Dense(128)+ReLU → Dense(10) logits, on 28×28×1 inputs in [0,1].
 *
 * The benchmark uses the real bundled model when src/model/load can load it; this stand-in is
 * used otherwise (and always for FLOP counting, which depends on the shapes only).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { layersClassifier, randomizeWeights, type LayersClassifier } from '../mobilenetv2';
import { createRng } from '../../src/shared';

export function buildSmallCnnModel(): tfl.LayersModel {
  const zeros = { kernelInitializer: 'zeros', biasInitializer: 'zeros' } as const;
  return tfl.sequential({
    name: 'fashion_cnn_standin',
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', ...zeros }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', ...zeros }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 128, activation: 'relu', ...zeros }),
      tfl.layers.dense({ units: 10, ...zeros }),
    ],
  });
}

export function createSmallCnn(seed = 0): LayersClassifier {
  const model = buildSmallCnnModel();
  randomizeWeights(model, createRng(seed));
  return layersClassifier(model, 'fashion-cnn-standin', '0-1');
}
