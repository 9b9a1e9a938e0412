/**
 * Input-only gradients for attacks on the wasm backend (see docs/kernels.md).
 *
 * tfjs-backend-wasm 4.22 lacks backward kernels (Conv2DBackpropFilter,
 * DepthwiseConv2dNativeBackpropInput), so `tf.grad(x => loss(model.apply(x)))` fails on
 * convolutional models. Attacks only need ∂loss/∂input, which forward kernels can compute.
 * The gradient registry is global, so the overrides apply to every backend (cpu included);
 * filter gradients then throw FILTER_GRADIENT_ERROR if something asks for them.
 *
 * Registration is explicit: installBackend() (src/model/backend.ts) loads the stock gradients,
 * checks the exact TF.js version and then calls registerInputGradients(). Nothing here runs on
 * import.
 */
import * as tf from '@tensorflow/tfjs-core';
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

/** The gradient configs registerInputGradients() installs (a test compares the registry to them). */
export const INPUT_GRADIENTS: readonly tf.GradConfig[] = [...convGradients, ...poolGradients, ...layerGradients, ...cropGradients, ...matMulGradients, ...concatGradients];

/** Kernel (or op-scope) names whose gradients registerInputGradients() replaces. */
export const OVERRIDDEN_GRADIENTS: readonly string[] = INPUT_GRADIENTS.map((g) => g.kernelName);

/**
 * Registers the input-only gradients and kernels, in this order: backend hooks (private, see
 * docs/kernels.md), our kernels (tf.registerKernel), then our gradients (tf.registerGradient).
 * Idempotent and cheap. Call it after the stock gradients are loaded (installBackend() does both,
 * with the exact-version guard the engine internals used here need): it wraps kernels of the
 * backends registered at that moment (a later call wraps backends imported since) and
 * re-registers any of our gradients that something replaced in the meantime.
 */
export function registerInputGradients(): void {
  installBackendHooks();
  registerMaxPoolKernel();
  registerSignStepKernel();
  registerSplitChannelsKernel();
  for (const config of INPUT_GRADIENTS) {
    if (tf.getGradient(config.kernelName) !== config) tf.registerGradient(config);
  }
}
