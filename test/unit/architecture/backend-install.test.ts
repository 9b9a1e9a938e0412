/**
 * installBackend(): the exact TF.js version guard, the kill switch back to stock gradients, and
 * idempotence. The cases run in order in one process (tfjs-core's gradient registry is global):
 * nothing is registered until the last one installs src/kernels' gradients. Each case imports a
 * fresh backend.ts (its installation is cached per module instance) together with the kernels
 * module it registers, so the registry can be compared with that instance's configs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkTfjsVersions, TFJS_VERSION } from '../../../src/model/tfjs-versions';

async function fresh() {
  vi.resetModules();
  const backend = await import('../../../src/model/backend');
  const kernels = await import('../../../src/kernels');
  const registered = () => kernels.INPUT_GRADIENTS.filter((g) => tf.getGradient(g.kernelName) === g).length;
  return { ...backend, kernels, registered };
}

/** ∂/∂x of a linear-activation fused convolution: its stock gradient asks for the filter gradient too. */
function fusedConvInputGrad(): number[] {
  const filter = tf.ones([3, 3, 1, 2]);
  const x = tf.linspace(0, 1, 2 * 5 * 5).reshape([2, 5, 5, 1]);
  const g = tf.grad((v: tf.Tensor) => tf.sum(tf.fused.conv2d({ x: v as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same' })))(x);
  return Array.from(g.dataSync());
}

const savedEnv = process.env.PRINTSHOT_STOCK_GRADIENTS;
let stockConv2D: tf.GradConfig | undefined;
beforeEach(() => {
  delete process.env.PRINTSHOT_STOCK_GRADIENTS;
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  if (savedEnv === undefined) delete process.env.PRINTSHOT_STOCK_GRADIENTS;
  else process.env.PRINTSHOT_STOCK_GRADIENTS = savedEnv;
});

describe('checkTfjsVersions', () => {
  it('accepts exactly the version the patches were written for and ignores packages not installed', () => {
    expect(() => checkTfjsVersions({ 'tfjs-core': TFJS_VERSION, 'tfjs-backend-wasm': TFJS_VERSION })).not.toThrow();
  });

  it('refuses a patch release, naming every mismatched package and the way out', () => {
    const found = { 'tfjs-core': '4.22.1', 'tfjs-layers': TFJS_VERSION, 'tfjs-backend-wasm': '4.21.0' };
    expect(() => checkTfjsVersions(found)).toThrow(
      `printshot's input gradients were written for TF.js ${TFJS_VERSION}, found @tensorflow/tfjs-core 4.22.1, @tensorflow/tfjs-backend-wasm 4.21.0`,
    );
    expect(() => checkTfjsVersions(found)).toThrow(expect.objectContaining({ code: 'bad-argument', hint: expect.stringMatching(/PRINTSHOT_STOCK_GRADIENTS=1/) }));
  });
});

describe('installBackend', () => {
  it('refuses a mismatched version (injected map) and registers nothing', async () => {
    const { installBackend, registered } = await fresh();
    await expect(installBackend({ prefer: 'cpu', versions: { 'tfjs-core': '4.23.0' } })).rejects.toThrow(/found @tensorflow\/tfjs-core 4\.23\.0/);
    expect(registered()).toBe(0);
  });

  it('the kill switch keeps the stock gradients, skips the guard, and wasm then cannot attack a convolution', async () => {
    process.env.PRINTSHOT_STOCK_GRADIENTS = '1';
    const { installBackend, registered } = await fresh();
    const info = await installBackend({ prefer: 'wasm', versions: { 'tfjs-core': '3.0.0' } });
    expect(info).toMatchObject({ name: 'wasm', gradients: 'stock' });
    expect(registered()).toBe(0);
    stockConv2D = tf.getGradient('Conv2D'); // tfjs's own
    expect(stockConv2D).toBeDefined();
    expect(() => fusedConvInputGrad()).toThrow(/Conv2DBackpropFilter/);
  });

  it('rejects a kill switch value that is not 0 or 1', async () => {
    process.env.PRINTSHOT_STOCK_GRADIENTS = 'yes';
    const { installBackend } = await fresh();
    await expect(installBackend({ prefer: 'cpu' })).rejects.toThrow('PRINTSHOT_STOCK_GRADIENTS=yes is not 0 or 1');
  });

  it('registers the input-only gradients once; a second call is a no-op returning the same installation', async () => {
    const { installBackend, registered, kernels } = await fresh();
    const info = await installBackend({ prefer: 'wasm' });
    expect(info).toMatchObject({ name: 'wasm', gradients: 'input-only' });
    expect(registered()).toBe(kernels.INPUT_GRADIENTS.length);
    // The convolution wasm could not differentiate now gets its input gradient: each output of a
    // 3x3 'same' convolution of ones sums its window, so dx counts the windows covering a pixel.
    const g = fusedConvInputGrad();
    expect(g.slice(0, 5)).toEqual([8, 12, 12, 12, 8]);

    // A second call registers nothing: the stock Conv2D gradient put back by hand stays.
    vi.spyOn(console, 'warn').mockImplementation(() => undefined); // tfjs: "Overriding the gradient"
    tf.registerGradient(stockConv2D as tf.GradConfig);
    expect(await installBackend({ prefer: 'cpu', stockGradients: true })).toBe(info);
    expect(tf.getGradient('Conv2D')).toBe(stockConv2D);
    expect(tf.getBackend()).toBe('wasm');
  });
});
