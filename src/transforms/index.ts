export type { TransformDescriptor, TransformId, TransformSpec } from './types';
export { brightness, contrast } from './photometric';
export { gaussianBlur, gaussianBlurTensor, gaussianKernel1d } from './blur';
export { gaussianNoise, normalNoise } from './noise';
export { decodeJpeg, encodeJpeg, jpeg, jpegRoundTrip } from './jpeg';
export { getTransform, listTransforms, paramNames, parseTransformParams, transformIds } from './registry';
export { formatTransformSpec, parseTransformSpec, rangeValues } from './spec';
export { applyTransform8 } from './apply8';
export { toByte, quantizeToBytes } from './quantize';
