/**
 * Backend selection. The selection is cached per module instance, so each case re-imports
 * backend.ts after vi.resetModules(); tfjs-core itself stays one process-wide instance (it is an
 * external dependency), which is what lets the cases switch backends back and forth.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const hasTfjsNode = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
})();

async function freshBackendModule(): Promise<typeof import('../../../src/model/backend')> {
  vi.resetModules();
  return import('../../../src/model/backend');
}

let stderr: string[] = [];
const savedEnv = { backend: process.env.PRINTSHOT_BACKEND, log: process.env.PRINTSHOT_LOG };

beforeEach(() => {
  delete process.env.PRINTSHOT_BACKEND;
  process.env.PRINTSHOT_LOG = 'info';
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.doUnmock('@tensorflow/tfjs-backend-wasm');
  for (const [k, v] of [['PRINTSHOT_BACKEND', savedEnv.backend], ['PRINTSHOT_LOG', savedEnv.log]] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('selectBackend', () => {
  it.skipIf(hasTfjsNode)('picks wasm when tfjs-node is not installed, and says why', async () => {
    const { selectBackend, describeBackend } = await freshBackendModule();
    const info = await selectBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.reason).toMatch(/^tfjs-node not installed \(optional dependency\); WebAssembly/);
    expect(info.versions['tfjs-core']).toBe(tf.version_core);
    expect(info.versions['tfjs-backend-wasm']).toMatch(/^\d+\.\d+\.\d+/);
    expect(typeof info.simd).toBe('boolean');
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(stderr.join('')).toMatch(/backend wasm: tfjs-node not installed/);

    // Idempotent: the same info, even when asked for something else.
    expect(await selectBackend({ prefer: 'cpu' })).toBe(info);
    expect(tf.getBackend()).toBe('wasm');

    const lines = await describeBackend();
    expect(lines[0]).toBe('backend: wasm');
    expect(lines).toContain(`tfjs-core: ${tf.version_core}`);
    // The wasm backend actually computes.
    expect(Array.from(tf.add(tf.tensor1d([1, 2]), 1).dataSync())).toEqual([2, 3]);
  });

  it.runIf(hasTfjsNode)('picks tfjs-node when it is installed', async () => {
    const { selectBackend } = await freshBackendModule();
    expect((await selectBackend()).name).toBe('tensorflow');
  });

  it('honours PRINTSHOT_BACKEND=cpu', async () => {
    process.env.PRINTSHOT_BACKEND = 'cpu';
    const { selectBackend } = await freshBackendModule();
    const info = await selectBackend();
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.reason).toBe('requested by PRINTSHOT_BACKEND=cpu; pure JavaScript');
    expect(info.versions['tfjs-backend-cpu']).toMatch(/^\d+\.\d+\.\d+/);
    // Requested explicitly: not a fallback, so no fallback warning.
    expect(stderr.join('')).not.toMatch(/warning: (using the slow|backend )/);
  });

  it('prefer overrides PRINTSHOT_BACKEND', async () => {
    process.env.PRINTSHOT_BACKEND = 'cpu';
    const { selectBackend } = await freshBackendModule();
    expect((await selectBackend({ prefer: 'wasm' })).name).toBe('wasm');
  });

  it.skipIf(hasTfjsNode)('PRINTSHOT_BACKEND=tensorflow without tfjs-node falls back loudly', async () => {
    process.env.PRINTSHOT_BACKEND = 'tensorflow';
    const { selectBackend } = await freshBackendModule();
    const info = await selectBackend();
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/^PRINTSHOT_BACKEND=tensorflow requested but tfjs-node not installed/);
    expect(stderr.join('')).toMatch(/warning: backend wasm instead of tensorflow/);
  });

  it('rejects an unknown PRINTSHOT_BACKEND', async () => {
    process.env.PRINTSHOT_BACKEND = 'webgpu';
    const { selectBackend } = await freshBackendModule();
    await expect(selectBackend()).rejects.toMatchObject({ code: 'bad-argument', message: 'PRINTSHOT_BACKEND=webgpu is not a backend' });
  });

  it('warns when wasm fails and cpu is used', async () => {
    vi.doMock('@tensorflow/tfjs-backend-wasm', () => {
      throw new Error('wasm binary not found');
    });
    process.env.PRINTSHOT_BACKEND = 'wasm';
    const { selectBackend } = await freshBackendModule();
    const info = await selectBackend();
    expect(info.name).toBe('cpu');
    expect(info.reason).toMatch(/PRINTSHOT_BACKEND=wasm requested but tfjs-backend-wasm failed to load \(.+\); pure JavaScript$/);
    expect(stderr.join('')).toMatch(/warning: using the slow cpu backend/);
  });
});
