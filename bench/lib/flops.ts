/**
 * Multiply-accumulates of a tfjs-layers model's convolutions and dense layers, per image, read
 * from the layers' output shapes and kernels. Batch norm, activations, pooling and adds are left
 * out (a few percent of the arithmetic, and memory-bound anyway).
 *
 * FLOP conventions used by the benchmark:
 *   forward                = 2 × MACs            (one multiply + one add per MAC)
 *   forward + input grad   = 4 × MACs            (the input gradient of a conv or dense layer is
 *                                                  a transposed conv / matmul of the same size;
 *                                                  no filter gradients are computed)
 *   BIM-k (+2 forwards)    = k × 4 × MACs + 2 × 2 × MACs   (Printshot verifies clean and
 *                                                  adversarial predictions after the attack)
 */
import type * as tfl from '@tensorflow/tfjs-layers';

export function layersMacs(model: tfl.LayersModel): number {
  let macs = 0;
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls !== 'Conv2D' && cls !== 'DepthwiseConv2D' && cls !== 'Dense') continue;
    const out = layer.outputShape as number[];
    const kernel = layer.getWeights()[0].shape as number[];
    const outPositions = out.slice(1, -1).reduce((a, d) => a * d, 1);
    if (cls === 'Dense') {
      macs += outPositions * kernel[0] * kernel[1];
    } else if (cls === 'Conv2D') {
      // kernel [kh, kw, cin, cout]
      macs += outPositions * kernel[0] * kernel[1] * kernel[2] * kernel[3];
    } else {
      // kernel [kh, kw, cin, multiplier]: one kh×kw filter per output channel
      macs += outPositions * kernel[0] * kernel[1] * kernel[2] * kernel[3];
    }
  }
  return macs;
}

export interface FlopCounts {
  macs: number;
  forward: number;
  forwardBackward: number;
  /** BIM with `steps` gradient steps and the 2 verification forwards. */
  bim: (steps: number) => number;
}

export function flopCounts(macs: number): FlopCounts {
  return {
    macs,
    forward: 2 * macs,
    forwardBackward: 4 * macs,
    bim: (steps) => steps * 4 * macs + 2 * 2 * macs,
  };
}
