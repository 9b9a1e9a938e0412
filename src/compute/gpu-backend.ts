/**
 * The GPU backend of the compute context (renderer/src/compute: a Web Worker with an
 * OffscreenCanvas): tfjs-backend-webgl on WebGL2, set up in the same order as installBackend()
 * (src/model/backend.ts): stock gradients, the backend, the exact-version check, then
 * src/kernels' input-only gradients, registered after the webgl kernels exist so that the fused
 * convolution wrappers cover webgl too.
 *
 * Numerical policy: float32 render targets are required (WEBGL_RENDER_FLOAT32_CAPABLE, and the
 * backend must then have them on: WEBGL_RENDER_FLOAT32_ENABLED). On a float16-only device tfjs
 * silently computes in half precision (11-bit mantissa): a step of alpha = 1/255 on a pixel near
 * 1.0 is below half the float16 spacing there (2^-11) only just, and sums of gradients lose their
 * small terms, so small-eps attacks stop moving pixels. We refuse such devices with a message
 * instead of producing quietly different results.
 *
 * WebGPU (tfjs-backend-webgpu) is not bundled: see docs/gpu.md for why.
 */
import * as tf from '@tensorflow/tfjs-core';
import { PrintshotError } from '../shared';
import { registerInputGradientsNow } from '../model/backend';

export interface GpuBackendInfo {
  readonly name: 'webgl';
  /** The GL renderer string (unmasked where the browser allows), e.g. 'ANGLE (NVIDIA, …)'. */
  readonly device: string;
  /** A CPU rasteriser (SwiftShader, llvmpipe): results are valid, speed says nothing about a GPU. */
  readonly software: boolean;
  readonly webglVersion: number;
  readonly float32: true;
  readonly versions: Record<string, string>;
  /** navigator.gpu exists in this context (WebGPU is possible here, but not used: docs/gpu.md). */
  readonly webgpuAvailable: boolean;
}

export interface GpuBackendOptions {
  /**
   * Pretend the device lacks float32 render targets (tfjs' own flag, set before the backend
   * starts): shows the float16 refusal on a machine that has float32. For tests and the docs.
   */
  simulateFloat16?: boolean;
}

/** The refusal for float16-only devices, one message for the worker, the UI and the tests. */
export const FLOAT16_REFUSAL =
  'this GPU renders only float16 textures: attack steps of a few 1/255 levels vanish in float16, so Printshot does not run attacks on it';

let installed: Promise<GpuBackendInfo> | undefined;

/** Installs webgl with the float32 check and our gradients, once per context (later calls share it). */
export function installGpuBackend(opts: GpuBackendOptions = {}): Promise<GpuBackendInfo> {
  installed ??= doInstall(opts).catch((e: unknown) => {
    installed = undefined;
    throw e;
  });
  return installed;
}

async function doInstall(opts: GpuBackendOptions): Promise<GpuBackendInfo> {
  // Stock gradients first (the union package), then the webgl kernels, exactly as installBackend().
  await import('@tensorflow/tfjs');
  const webgl = await import('@tensorflow/tfjs-backend-webgl');
  if (opts.simulateFloat16) tf.env().set('WEBGL_RENDER_FLOAT32_CAPABLE', false);
  const version = tf.env().getNumber('WEBGL_VERSION');
  if (version < 1) {
    throw new PrintshotError('not-available', 'WebGL is not available in this context (no GPU, or the browser blocks it)', 'use Compute: CPU (wasm)');
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('webgl');
    if (ok) await tf.ready();
  } catch {
    ok = false;
  }
  if (!ok || tf.getBackend() !== 'webgl') {
    throw new PrintshotError('not-available', 'the WebGL backend failed to start (context creation failed)', 'use Compute: CPU (wasm)');
  }
  if (!tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE') || !tf.env().getBool('WEBGL_RENDER_FLOAT32_ENABLED')) {
    throw new PrintshotError('not-available', FLOAT16_REFUSAL, 'use Compute: CPU (wasm), or a GPU with float32 render targets (EXT_color_buffer_float)');
  }
  await registerInputGradientsNow();
  const device = rendererString();
  return {
    name: 'webgl',
    device,
    software: /swiftshader|llvmpipe|softpipe|software|microsoft basic render/i.test(device),
    webglVersion: version,
    float32: true,
    versions: { 'tfjs-core': tf.version_core, 'tfjs-backend-webgl': webgl.version_webgl },
    webgpuAvailable: typeof (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== 'undefined',
  };
}

/** The GL renderer of the backend's own context (WEBGL_debug_renderer_info when exposed). */
function rendererString(): string {
  const backend = tf.backend() as unknown as { gpgpu?: { gl?: WebGLLike } };
  const gl = backend.gpgpu?.gl;
  if (!gl) return 'unknown WebGL device';
  const ext = gl.getExtension('WEBGL_debug_renderer_info') as { UNMASKED_RENDERER_WEBGL: number } | null;
  const value = ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER);
  return typeof value === 'string' && value ? value : 'unknown WebGL device';
}

/** The two calls we make on the GL context (pure modules compile without DOM types). */
interface WebGLLike {
  readonly RENDERER: number;
  getExtension(name: string): unknown;
  getParameter(p: number): unknown;
}
