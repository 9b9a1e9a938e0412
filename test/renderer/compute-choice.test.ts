/**
 * The Compute setting's choice (auto | GPU (WebGL) | CPU (wasm)) and the status bar's backend
 * label (renderer/src/lib/compute-choice.ts, docs/gpu.md): auto uses the worker only when its
 * float32 check passed and the attack runs there; GPU refuses with the probe's own message
 * (float16) instead of falling back; CPU never touches the worker.
 */
import { describe, expect, it } from 'vitest';
import { backendLabel, chooseCompute, shortDevice, type ProbeOutcome } from '../../renderer/src/lib/compute-choice';

const SWIFTSHADER = 'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)';
const gpuOk: ProbeOutcome = { ok: true, device: { name: 'webgl', device: 'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002504) Direct3D11 vs_5_0 ps_5_0, D3D11)', software: false } };
const software: ProbeOutcome = { ok: true, device: { name: 'webgl', device: SWIFTSHADER, software: true } };
const float16: ProbeOutcome = { ok: false, error: { code: 'not-available', message: 'this GPU renders only float16 textures: attack steps of a few 1/255 levels vanish in float16, so Printshot does not run attacks on it', hint: 'use Compute: CPU (wasm), or a GPU with float32 render targets' } };

describe('chooseCompute', () => {
  it('CPU (wasm) runs in the engine whatever the probe said', () => {
    for (const probe of [gpuOk, float16, null]) expect(chooseCompute('cpu', probe, 'bim')).toEqual({ run: 'engine' });
  });

  it('auto uses the worker when the float32 check passed and the attack runs there, else the engine with the reason', () => {
    expect(chooseCompute('auto', gpuOk, 'bim')).toEqual({ run: 'gpu', device: gpuOk!.ok && gpuOk!.device });
    expect(chooseCompute('auto', gpuOk, 'eot-pgd').run).toBe('gpu');
    expect(chooseCompute('auto', float16, 'bim')).toEqual({ run: 'engine', note: expect.stringContaining('float16') });
    expect(chooseCompute('auto', gpuOk, 'cw-l2')).toEqual({ run: 'engine', note: 'GPU not used: cw-l2 runs only in the engine' });
    expect(chooseCompute('auto', null, 'bim')).toEqual({ run: 'engine' });
    // SwiftShader passes the float32 check but runs on the CPU: auto leaves it, GPU (WebGL) uses it.
    expect(chooseCompute('auto', software, 'bim')).toEqual({ run: 'engine', note: expect.stringContaining('software renderer') });
    expect(chooseCompute('gpu', software, 'bim').run).toBe('gpu');
  });

  it('GPU (WebGL) refuses with the float16 message instead of falling back, and refuses attacks the worker does not run', () => {
    const r = chooseCompute('gpu', float16, 'bim');
    expect(r).toEqual({ run: 'refused', error: expect.objectContaining({ code: 'not-available', message: expect.stringContaining('float16'), hint: expect.stringContaining('CPU (wasm)') }) });
    expect(chooseCompute('gpu', gpuOk, 'square')).toEqual({ run: 'refused', error: expect.objectContaining({ code: 'bad-argument', message: expect.stringContaining('square does not run on the GPU') }) });
    expect(chooseCompute('gpu', null, 'bim').run).toBe('refused');
    expect(chooseCompute('gpu', gpuOk, 'fgsm').run).toBe('gpu');
  });
});

describe('the status bar backend', () => {
  it('names WebGL with a short device, or the engine backend', () => {
    expect(shortDevice(SWIFTSHADER)).toBe('SwiftShader');
    expect(shortDevice('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002504) Direct3D11 vs_5_0 ps_5_0, D3D11)')).toBe('NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0');
    expect(backendLabel({ backend: 'webgl', device: SWIFTSHADER }, 'wasm')).toBe('WebGL · SwiftShader');
    expect(backendLabel({ backend: 'webgl' }, 'wasm')).toBe('WebGL');
    expect(backendLabel(null, 'wasm')).toBe('wasm');
    expect(backendLabel({ backend: 'wasm' }, 'wasm')).toBe('wasm');
  });
});
