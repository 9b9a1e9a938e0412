/**
 * Input-only gradients for attacks on the wasm backend (see docs/kernels.md).
 *
 * tfjs-backend-wasm 4.22 lacks backward kernels (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput), so `tf.grad(x => loss(model.apply(x)))` fails on
 * convolutional models. Attacks only need ∂loss/∂input, which forward kernels can compute.
 * The gradient registry is global, so the overrides apply to every backend (cpu included);
 * filter gradients then throw FILTER_GRADIENT_ERROR if something asks for them.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs-core's stock gradients when it is first imported (its Node bundle
// carries its own copy of them). Loading it here makes sure that happens before ours, not after.
import '@tensorflow/tfjs-layers';
import { installBackendHooks } from './backend-hooks';
import { concatGradients, registerSplitChannelsKernel } from './concat-gradient';
import { convGradients } from './conv-gradients';
import { cropGradients } from './crop';
import { layerGradients } from './layer-gradients';
import { matMulGradients } from './matmul-gradients';
import { registerMaxPoolKernel } from './max-pool-kernel';
import { poolGradients } from './pool-gradients';
import { registerSignStepKernel } from './sign-step-kernel';

export { FILTER_GRADIENT_ERROR } from './conv-gradients';
export {
  conv2dInputGrad,
  conv2dInputGradPrepared,
  depthwiseInputGrad,
  depthwiseInputGradPrepared,
  prepareConv2dInputGrad,
  prepareDepthwiseInputGrad,
  type PreparedConvInputGrad,
  type PreparedDepthwiseInputGrad,
} from './conv-input-grad';
export { avgPoolInputGrad, maxPoolInputGrad, maxPoolInputGradComposite } from './pool-gradients';
export { hasMaxPoolKernel, maxPoolInputGradKernel, type MaxPoolGradAttrs } from './max-pool-kernel';
export { KERNEL_FUSED_ACTIVATIONS, splitActivation, throughFusedActivation } from './fused-activation';
export { exactSign, signStep } from './sign-step-kernel';
export { splitAlong } from './concat-gradient';
export { unaryCustomGrad } from './unary-custom-grad';

const overrides: readonly tf.GradConfig[] = [...convGradients, ...poolGradients, ...layerGradients, ...cropGradients, ...matMulGradients, ...concatGradients];

/** Kernel (or op-scope) names whose gradients registerInputGradients() replaces. */
export const OVERRIDDEN_GRADIENTS: readonly string[] = overrides.map((g) => g.kernelName);

/**
 * Registers the input-only gradients. Idempotent and cheap: call it after importing the tfjs
 * backend packages and before taking gradients. It wraps kernels of the backends registered at
 * that moment (a later call wraps backends imported since) and re-registers any of our gradients
 * that something replaced in the meantime.
 */
export function registerInputGradients(): void {
  if (!tf.version_core.startsWith('4.')) {
    // The fused-op override relies on tfjs-core 4.x engine internals (see conv-gradients.ts).
    throw new Error(`printshot input gradients: tested with tfjs-core 4.22, found ${tf.version_core}`);
  }
  installBackendHooks();
  registerMaxPoolKernel();
  registerSignStepKernel();
  registerSplitChannelsKernel();
  for (const config of overrides) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}
